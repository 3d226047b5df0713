"""A codeling GPT with its own modelling file: for options no transformers architecture computes.

The export directory gets `modeling_codeling.py` (this package's copy, which needs only torch and
transformers) and a config.json whose `auto_map` names its classes, transformers' convention for an
architecture it does not ship. Weights keep codeling's names.
"""

from __future__ import annotations

from pathlib import Path

import torch

from codeling.config import ModelConfig
from codeling.export.gpt2 import special_ids
from codeling.model import GPT
from codeling.tokenizers import Tokenizer

MODELING_FILE = Path(__file__).with_name("modeling_codeling.py")


def state_dict(model: GPT) -> dict[str, torch.Tensor]:
    """codeling's weights in fp32; lm_head is left out, as the modelling file computes it from wte."""
    return {
        name: tensor.detach().float().contiguous().clone()
        for name, tensor in model.state_dict().items()
        if name != "lm_head.weight"
    }


def config_json(config: ModelConfig, tokenizer: Tokenizer) -> dict:
    return {
        "architectures": ["CodelingForCausalLM"],
        "model_type": "codeling",
        "auto_map": {
            "AutoConfig": "modeling_codeling.CodelingConfig",
            "AutoModelForCausalLM": "modeling_codeling.CodelingForCausalLM",
        },
        "vocab_size": config.vocab_size,
        "block_size": config.block_size,
        "n_layer": config.n_layer,
        "n_head": config.n_head,
        "n_embd": config.n_embd,
        "mlp_ratio": config.mlp_ratio,
        "bias": config.bias,
        "positions": config.positions,
        "n_memory": config.n_memory,
        "qk_norm": config.qk_norm,
        "rope_base": 10000.0,
        "tie_word_embeddings": False,
        **special_ids(tokenizer),
        "torch_dtype": "float32",
        "use_cache": True,
    }
