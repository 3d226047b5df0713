import os

import pytest
import torch

# Export must load with no network: a Hugging Face directory on disk is all transformers gets.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from codeling.config import Config, ModelConfig
from codeling.model import GPT
from codeling.recipes.tinypy import demo_plan
from codeling.train.checkpoint import save_checkpoint

CODE = """def fib(n):
\tif n < 2:
\t\treturn n  # base case
    return fib(n - 1) + fib(n - 2)

print("héllo", fib(10), [x ** 2 for x in range(3)])
"""


def make_checkpoint(path, tokenizer, seed: int = 0, **model_options):
    """A tiny random GPT with every weight, biases included, far from its init, saved as a checkpoint."""
    options = dict(block_size=256, n_layer=2, n_head=2, n_embd=32)
    options.update(model_options)
    config = Config(model=ModelConfig(vocab_size=tokenizer.vocab_size, **options))
    torch.manual_seed(seed)
    model = GPT(config.model)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.2)
    return save_checkpoint(path, model, config, tokenizer)


# The model `codeling demo` trains, read from its recipe (shape, positions, options), so that the
# issue's "done when" (demo, then export --format gguf) stays tested if the recipe changes.
DEMO = demo_plan().model.model_dump(exclude={"vocab_size"})


@pytest.fixture
def checkpoint_factory(tmp_path):
    def make(tokenizer, name="ckpt", **options):
        return make_checkpoint(tmp_path / name, tokenizer, **options)

    return make


# Every model option export must carry, and the transformers class each combination becomes.
CONFIGURATIONS = [
    ({}, "GPT2LMHeadModel"),
    ({"bias": False}, "GPT2LMHeadModel"),
    ({"mlp_ratio": 2}, "GPT2LMHeadModel"),
    ({"positions": "rotary"}, "GPTNeoXForCausalLM"),  # the demo's options (test_gguf.py runs its exact shape)
    ({"positions": "rotary", "bias": False}, "GPTNeoXForCausalLM"),
    ({"qk_norm": 0.7}, "CodelingForCausalLM"),
    ({"positions": "rotary", "qk_norm": 0.7}, "CodelingForCausalLM"),
    ({"positions": "rotary", "qk_norm": 0.7, "bias": False}, "CodelingForCausalLM"),
    ({"n_memory": 3}, "CodelingForCausalLM"),
    ({"positions": "rotary", "n_memory": 2, "qk_norm": 0.5, "bias": False}, "CodelingForCausalLM"),
]
