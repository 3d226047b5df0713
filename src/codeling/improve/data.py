"""The training data of a self-improvement run.

An example is BOS + prompt + completion + EOS, and only the completion and EOS are learned (the
loss mask of codeling's example shards), so the model learns to write a body for a signature and
docstring, and to stop. The tokenizer is a byte-level BPE learned once from the seed set's text, so
a 256-token window holds a whole task.

With task documents on, the seed set also holds each seed task written out whole after
authoring.TASK_HEADER (the header is the prompt, the document the learned completion), so the model
can draft tasks of its own; the solution examples, and which of them are held out for the validation
loss, are the same either way.
"""

from __future__ import annotations

import random
from pathlib import Path

from codeling.data.shards import SplitArrays, write_shards
from codeling.evals.tasks import Task
from codeling.improve.authoring import TASK_HEADER, task_document
from codeling.tokenizers.bpe import BPETokenizer

Pair = tuple[str, str]  # (prompt, completion)


def learn_tokenizer(texts: list[str], vocab_size: int) -> BPETokenizer:
    return BPETokenizer.train(texts, vocab_size=vocab_size, min_frequency=2)


def encode_example(tokenizer: BPETokenizer, prompt: str, completion: str) -> tuple[list[int], list[int]]:
    context = [tokenizer.bos_id, *tokenizer.encode(prompt)]
    target = [*tokenizer.encode(completion), tokenizer.eos_id]
    return context + target, [0] * len(context) + [1] * len(target)


def split_pairs(pairs: list[Pair], seed: int, val_fraction: float = 0.05) -> tuple[list[Pair], list[Pair]]:
    """(train, val): a seeded shuffle, at least one pair held out for the validation loss."""
    shuffled = sorted(pairs)
    random.Random(seed).shuffle(shuffled)
    n_val = max(1, round(len(shuffled) * val_fraction))
    return shuffled[n_val:], shuffled[:n_val]


def seed_pairs(tasks: list[Task], seed: int, documents: bool) -> tuple[list[Pair], list[Pair]]:
    """(train, val) of the seed set: (prompt, reference) of each task, plus its task document when
    `documents`; the two kinds are split apart, so adding documents moves no solution to val."""
    train, val = split_pairs([(t.prompt, t.reference) for t in tasks], seed)
    if documents:
        doc_train, doc_val = split_pairs([(TASK_HEADER, task_document(t)) for t in tasks], seed)
        train, val = train + doc_train, val + doc_val
    return train, val


def write_examples(
    out_dir: Path, train: list[Pair], val: list[Pair], tokenizer: BPETokenizer, provenance: dict
) -> dict:
    """Example shards ready for `codeling train`; the same pairs give the same bytes."""
    arrays = {
        name: SplitArrays.from_examples(encode_example(tokenizer, p, c) for p, c in pairs)
        for name, pairs in (("train", train), ("val", val))
    }
    example = "BOS + prompt + completion + EOS; loss mask 1 on completion and EOS"
    return write_shards(out_dir, arrays, tokenizer, {**provenance, "example": example}, overwrite=True)
