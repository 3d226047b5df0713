"""What a round is scored on: exact output accuracy per length on the held-out programs, and on the
out-of-distribution sets, with greedy decoding (tinypy/evaluate.py, the evaluator of every TinyPy
figure). The sets are files in the run directory, written before the base model trains."""

from __future__ import annotations

from pathlib import Path

from codeling import atomic
from codeling.digest import sha256_file
from codeling.tinypy.evaluate import evaluate_tinypy
from codeling.tinypy.sample import format_samples
from codeling.train.checkpoint import Loaded


def write_sets(folder: Path, sets: dict, name) -> dict[str, dict]:
    """One level-tagged output-format file per set; {key: {"file", "n", "sha256"}}."""
    written = {}
    for i, (key, samples) in enumerate(sets.items(), start=1):
        file = folder / name(key, i)
        atomic.write_text(file, format_samples(samples, level_tag=True))
        written[str(key)] = {"file": str(file), "n": len(samples), "sha256": sha256_file(file)}
    return written


def accuracy(loaded: Loaded, sets: dict[str, dict], device: str) -> dict[str, float]:
    """{key: exact output accuracy} of a loaded checkpoint on each written set."""
    scores = {}
    for key, about in sets.items():
        if about["n"]:
            report = evaluate_tinypy(loaded.path, about["file"], device=device, trace=False, loaded=loaded)
            scores[key] = report.overall.output / report.overall.n
    return scores
