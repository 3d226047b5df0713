"""The token shards a self-labelling run trains on: the base set, and each round's 50/50 mix.

A round trains on `mix` examples: half drawn from the original labelled programs, half from the
self-labelled ones kept so far (all rounds), repeated when fewer were kept, as Lee et al. (ICML
2025) mix them. With nothing kept the round trains on original data alone, so every label source
spends the same steps. The shards are TinyPy output-mode example shards (tinypy/dataset.py), so the
trainer and the evaluator read them like any `codeling tinypy data` directory.
"""

from __future__ import annotations

import random
from pathlib import Path

from codeling.data.shards import SplitArrays, write_shards
from codeling.tinypy.dataset import encode_example
from codeling.tinypy.sample import Sample
from codeling.tokenizers.tinypy import TinyPyTokenizer


def write_examples(out_dir: Path, splits: dict[str, list[Sample]], provenance: dict) -> dict:
    """Output-mode example shards of each split's samples (repeats allowed), in the given order."""
    tokenizer = TinyPyTokenizer()
    arrays = {
        name: SplitArrays.from_examples(encode_example(tokenizer, s, trace=False) for s in samples)
        for name, samples in splits.items()
    }
    counts = {name: len(samples) for name, samples in splits.items()}
    about = {"task": "tinypy", "mode": "output", "counts": counts, **provenance}
    return write_shards(out_dir, arrays, tokenizer, provenance=about, overwrite=True)


def round_mix(original: list[Sample], kept: list[Sample], size: int, seed: int) -> list[Sample]:
    """`size` examples, half from `original` and half from `kept` (cycled when fewer), shuffled."""
    rng = random.Random(f"selflabel-mix:{seed}")
    own = size // 2 if kept else 0
    mixed = rng.sample(original, min(size - own, len(original)))
    if own:
        order = list(kept)
        rng.shuffle(order)
        mixed += [order[i % len(order)] for i in range(own)]
    rng.shuffle(mixed)
    return mixed
