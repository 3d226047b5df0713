"""Bits per byte: exact on models and texts whose answer is known."""

import math

import numpy as np
import pytest
import torch

from codeling.config import ModelConfig
from codeling.evals.bpb import bits_per_byte, score_tokens, text_bytes
from codeling.model import GPT
from codeling.tokenizers import BPETokenizer, CharTokenizer

from .conftest import CODE


def test_formula():
    assert bits_per_byte(math.log(2), tokens=10, n_bytes=10) == pytest.approx(1.0)
    assert bits_per_byte(math.log(4), tokens=100, n_bytes=400) == pytest.approx(0.5)


def test_text_bytes_counts_documents_not_boundaries():
    docs = [CODE, "s = 'ünïcödé 😀'\n", "x = 1\n"]
    tok = BPETokenizer.train(docs * 3, vocab_size=300, min_frequency=1)
    ids = []
    for d in docs:
        ids += tok.encode(d) + [tok.eos_id]
    assert text_bytes(tok, ids) == sum(len(d.encode("utf-8")) for d in docs)


def test_uniform_model_scores_log2_vocab_bits_per_character():
    tok = CharTokenizer.fit([CODE])
    model = GPT(ModelConfig(vocab_size=tok.vocab_size, block_size=16, n_layer=1, n_head=1, n_embd=8))
    with torch.no_grad():
        model.wte.weight.zero_()  # tied head: every logit 0, so every token has probability 1/V
    ascii_code = CODE.replace("é", "e")
    tokens = np.array(tok.encode(ascii_code * 4), dtype=np.uint16)
    assert score_tokens(model, tok, tokens, block_size=16, max_tokens=40).tokens == 32  # two windows
    score = score_tokens(model, tok, tokens, block_size=16, batch_size=3)
    windows = (len(tokens) - 1) // 16
    assert score.tokens == windows * 16 == score.bytes  # one ASCII character per token
    assert score.loss == pytest.approx(math.log(tok.vocab_size), rel=1e-6)
    assert score.bits_per_byte == pytest.approx(math.log2(tok.vocab_size), rel=1e-6)
