"""Score a TinyPy model: greedy, batched decoding with the KV cache, exact match per sample.

Output accuracy: the printed lines the model claims equal the true ones exactly (a model that writes
nothing parsable scores 0 on that sample). Trace models are also scored on hard accuracy (the whole
generated trace equals the reference) and soft accuracy (its last line does), as TINYPY.md defines.
Works on any file in the output format (read with the quirk-tolerant reader) or on the test.jsonl of
a `codeling tinypy data` directory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from codeling.digest import sha256_file
from codeling.errors import CodelingError
from codeling.generate import Sampling, generate_ids
from codeling.tinypy.dataset import predicted_output, prompt_text, read_test_jsonl, samples_from_file, target_text
from codeling.tinypy.parser import parse
from codeling.tinypy.sample import Sample
from codeling.tinypy.trace import trace_text
from codeling.train.checkpoint import Loaded, load_checkpoint


@dataclass
class TinyPyScore:
    n: int = 0
    output: int = 0  # exact-match output
    hard: int = 0  # whole trace exact (trace models)
    soft: int = 0  # last trace line exact (trace models)

    def add(self, output_ok: bool, hard_ok: bool, soft_ok: bool) -> None:
        self.n += 1
        self.output += output_ok
        self.hard += hard_ok
        self.soft += soft_ok

    def accuracy(self) -> dict[str, float]:
        n = max(self.n, 1)
        return {"output": self.output / n, "hard": self.hard / n, "soft": self.soft / n}


@dataclass
class Prediction:
    program: str
    level: str | None
    expected: list[str]
    predicted: list[str] | None
    generated: str


@dataclass
class TinyPyReport:
    checkpoint: str
    data: dict  # path, sha256, samples
    mode: str  # "output" or "trace"
    overall: TinyPyScore
    levels: dict[str, TinyPyScore]
    failures: list[Prediction]
    seconds: float
    examples: list[Prediction] = field(default_factory=list)  # a few samples, right or wrong, to show

    def to_json(self) -> dict:
        scores = {"overall": {**asdict(self.overall), **self.overall.accuracy()}}
        scores["levels"] = {k: {**asdict(v), **v.accuracy()} for k, v in sorted(self.levels.items())}
        return {
            "checkpoint": self.checkpoint,
            "data": self.data,
            "mode": self.mode,
            "decoding": "greedy",
            **scores,
            "seconds": self.seconds,
            "failures": [asdict(f) for f in self.failures],
        }


def load_samples(path: str | Path, trace: bool) -> tuple[list[Sample], dict]:
    """Samples from a data directory (its test.jsonl) or any output-format file."""
    path = Path(path)
    if path.is_dir():
        file = path / "test.jsonl"
        samples = read_test_jsonl(file)
    elif path.is_file():
        file = path
        samples = samples_from_file(path).samples
    else:
        raise CodelingError(f"{path} does not exist; pass a TinyPy file or a `codeling tinypy data` directory.")
    if trace:
        for sample in samples:
            if sample.trace is None:
                sample.trace = trace_text(parse(sample.program))
    info = {"path": str(path), "file": str(file), "sha256": sha256_file(file)}
    return samples, info


def judge(sample: Sample, generated: str, trace: bool) -> tuple[bool, bool, bool, list[str] | None]:
    """(output right, trace exact, last trace line right, predicted output) for one generation."""
    predicted = predicted_output(generated, trace)
    output_ok = predicted is not None and predicted == sample.output
    if not trace:
        return output_ok, False, False, predicted
    reference = target_text(sample.output, sample.trace).rstrip("\n")
    got = generated.rstrip("\n")

    def last(text):
        return text.split("\n")[-1] if text else ""

    return output_ok, got == reference, bool(got) and last(got) == last(reference), predicted


def score_generations(
    samples: list[Sample], generations: list[str], trace: bool, max_failures: int = 10
) -> tuple[TinyPyScore, dict[str, TinyPyScore], list[Prediction], list[Prediction]]:
    """(overall, per level, wrong predictions up to max_failures, the first few predictions right or wrong)."""
    overall, levels, failures, examples = TinyPyScore(), {}, [], []
    for sample, generated in zip(samples, generations, strict=True):
        output_ok, hard_ok, soft_ok, predicted = judge(sample, generated, trace)
        overall.add(output_ok, hard_ok, soft_ok)
        levels.setdefault(sample.level or "unknown", TinyPyScore()).add(output_ok, hard_ok, soft_ok)
        record = Prediction(sample.program, sample.level, sample.output, predicted, generated)
        if len(examples) < 5:
            examples.append(record)
        if not output_ok and len(failures) < max_failures:
            failures.append(record)
    return overall, levels, failures, examples


def decode(
    loaded: Loaded, samples: list[Sample], trace: bool, batch_size: int, progress: Callable[[int, int], None] | None
) -> list[str]:
    """Greedy continuations of each sample's prompt, up to EOS, in batches of similar length."""
    tok, model = loaded.tokenizer, loaded.model
    prompts = [[tok.bos_id, *tok.encode(prompt_text(s.program, trace))] for s in samples]
    # The reference answer's length only bounds the work: a longer (wrong) answer is cut a little
    # past it, which cannot turn it right.
    budgets = [len(tok.encode(target_text(s.output, s.trace if trace else None))) + 8 for s in samples]
    order = sorted(range(len(samples)), key=lambda i: len(prompts[i]))
    out: list[str] = [""] * len(samples)
    block = model.config.block_size
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        longest = max(len(prompts[i]) for i in rows)
        budget = (
            max(1, min(max(budgets[i] for i in rows), block - longest))
            if model.wpe is not None
            else max(budgets[i] for i in rows)
        )
        ids = generate_ids(model, [prompts[i] for i in rows], Sampling(budget, temperature=0), stop_ids=[tok.eos_id])
        for i, generated in zip(rows, ids):
            out[i] = tok.decode(generated)
        if progress:
            progress(min(start + batch_size, len(order)), len(order))
    return out


def evaluate_tinypy(
    checkpoint: str | Path,
    data: str | Path,
    limit: int | None = None,
    batch_size: int = 64,
    device: str = "cpu",
    trace: bool | None = None,
    progress: Callable[[int, int], None] | None = None,
    loaded: Loaded | None = None,
) -> TinyPyReport:
    """Score a checkpoint on a TinyPy file or data directory. `trace` defaults to the mode the
    checkpoint was trained in."""
    loaded = loaded or load_checkpoint(checkpoint, device=device)
    if loaded.tokenizer.kind != "tinypy":
        raise CodelingError(
            f"{loaded.path} was trained with a {loaded.tokenizer.kind} tokenizer, not TinyPy's; "
            "pass a TinyPy checkpoint."
        )
    if trace is None:
        trace = loaded.config.task.get("mode") == "trace"
    samples, info = load_samples(data, trace)
    if limit is not None:
        samples = samples[:limit]
    if not samples:
        raise CodelingError(f"{data} holds no TinyPy samples to evaluate.")
    t0 = time.monotonic()
    generations = decode(loaded, samples, trace, batch_size, progress)
    overall, levels, failures, examples = score_generations(samples, generations, trace)
    info["samples"] = len(samples)
    return TinyPyReport(
        str(loaded.path),
        info,
        "trace" if trace else "output",
        overall,
        levels,
        failures,
        time.monotonic() - t0,
        examples,
    )
