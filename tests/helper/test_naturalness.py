"""The code model's score of a program: the sum of its tokens' log-probabilities, the same in one
window or split over several, and refused for a fixer model."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch

from codeling.config import ModelConfig
from codeling.errors import CodelingError
from codeling.helper.repair.naturalness import Naturalness
from codeling.model import GPT
from codeling.tokenizers.char import CharTokenizer


def ranker(block_size: int) -> Naturalness:
    torch.manual_seed(0)
    tokenizer = CharTokenizer(sorted(set("print(x, y)\n*")))
    config = ModelConfig(vocab_size=tokenizer.vocab_size, block_size=block_size, n_layer=1, n_head=2, n_embd=16)
    loaded = SimpleNamespace(model=GPT(config), tokenizer=tokenizer, config=SimpleNamespace(model=config))
    return Naturalness(loaded)


def direct(model: Naturalness, text: str) -> float:
    ids = torch.tensor([model.tokenizer.encode(text)])
    logits, _ = model.model(ids[:, :-1])
    return torch.log_softmax(logits, -1).gather(-1, ids[:, 1:, None]).sum().item()


def test_a_program_is_scored_by_its_tokens_log_probabilities():
    model = ranker(block_size=64)
    texts = ["print(x, y)\n", "print(x * y)\n", "p"]
    scores = model.logprobs(texts)
    assert scores[0] == pytest.approx(direct(model, texts[0]), abs=1e-4)
    assert scores[1] == pytest.approx(direct(model, texts[1]), abs=1e-4)  # batched with padding, same score
    assert scores[2] == 0.0 and all(math.isfinite(s) and s <= 0 for s in scores)


def test_a_long_program_is_scored_in_windows_of_the_block_size():
    text = "print(x, y)\n" * 3  # 36 characters, windows of 8
    assert ranker(block_size=8).logprobs([text])[0] < 0


def test_a_path_without_a_checkpoint_is_one_sentence(tmp_path):
    with pytest.raises(CodelingError):
        Naturalness.load(tmp_path)
