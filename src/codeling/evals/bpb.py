"""Bits per byte: a model's loss in a unit that does not depend on its tokenizer.

Loss per token rewards a tokenizer that cuts text into many easy pieces; bits per byte does not.
It is the total code length of the text, loss_nats_per_token * tokens / ln 2 bits, spread over the
text's UTF-8 bytes. Two models with different tokenizers compare fairly on it; a byte-level model's
loss in bits is its bits per byte.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from codeling.model import GPT
from codeling.tokenizers import Tokenizer
from codeling.train.progress import Progress, Report


def bits_per_byte(loss_nats_per_token: float, tokens: int, n_bytes: int) -> float:
    return loss_nats_per_token * tokens / n_bytes / math.log(2)


def text_bytes(tokenizer: Tokenizer, tokens: Sequence[int]) -> int:
    """UTF-8 bytes of the text that `tokens` spell, special tokens (document boundaries) excluded."""
    specials = {t for t in (tokenizer.bos_id, tokenizer.eos_id, tokenizer.pad_id) if t is not None}
    total, piece = 0, []
    # Decode document by document: a byte-level BPE token may hold half a character, so decoding
    # token by token would miscount; a document always decodes whole.
    for token in list(tokens) + [None]:
        if token is None or token in specials:
            total += len(tokenizer.decode(piece).encode("utf-8"))
            piece = []
        else:
            piece.append(token)
    return total


@dataclass
class BitsPerByte:
    loss: float  # mean nats per predicted token
    tokens: int  # tokens predicted (and counted in the loss)
    bytes: int  # UTF-8 bytes of the text scored
    bits_per_byte: float


@torch.no_grad()
def score_tokens(
    model: GPT,
    tokenizer: Tokenizer,
    tokens: np.ndarray,
    block_size: int,
    batch_size: int = 8,
    max_tokens: int | None = None,
    progress: Report | None = None,
) -> BitsPerByte:
    """Loss and bits per byte over a token stream (e.g. a val shard), cut into windows of
    block_size + 1 tokens, every token after the first of each window predicted once.

    The whole stream by default; with max_tokens, that many tokens' worth of windows spread evenly
    over it, so that a sample sees every part of the split rather than its first few files."""
    available = max(1, (len(tokens) - 1) // block_size)
    windows = available if max_tokens is None else max(1, min(available, max_tokens // block_size))
    starts = np.linspace(0, available - 1, windows).round().astype(np.int64) * block_size
    was_training = model.training
    model.eval()
    device = model.wte.weight.device
    total_nats, predicted, n_bytes = 0.0, 0, 0
    for first in range(0, windows, batch_size):
        rows = [np.asarray(tokens[s : s + block_size + 1], dtype=np.int64) for s in starts[first : first + batch_size]]
        batch = torch.from_numpy(np.stack(rows)).to(device)
        logits, _ = model(batch[:, :-1])
        total_nats += F.cross_entropy(logits.float().flatten(0, 1), batch[:, 1:].flatten(), reduction="sum").item()
        predicted += batch[:, 1:].numel()
        n_bytes += sum(text_bytes(tokenizer, row[1:].tolist()) for row in rows)
        if progress is not None:
            progress(Progress.count("score", min(windows, first + batch_size), windows))
    model.train(was_training)
    loss = total_nats / predicted
    return BitsPerByte(loss, predicted, n_bytes, bits_per_byte(loss, predicted, n_bytes))
