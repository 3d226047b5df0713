"""Score a TinyPy model: greedy, batched decoding with the KV cache, exact match per sample.

Output accuracy: the printed lines the model claims equal the true ones exactly (a model that writes
nothing parsable scores 0 on that sample). Trace models are also scored on hard accuracy (the whole
generated trace equals the reference) and soft accuracy (its last line does), as TINYPY.md defines.
Works on any file in the output format (read with the quirk-tolerant reader) or on the test.jsonl of
a `codeling tinypy data` directory. Nothing is left out silently: the report says how many samples
the file holds, how many were scored, and which were skipped and why. Samples without a level (the
code-tracing grammar, files of other tools' new grammars) are scored by feature instead: while loop
or not, nesting depth, `%`/`//` or not, number of printed lines.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from codeling.digest import sha256_file
from codeling.errors import CodelingError
from codeling.generate import Sampling, generate_ids
from codeling.tinypy.dataset import predicted_output, prompt_text, read_test_jsonl, samples_from_file, target_text
from codeling.tinypy.interpreter import RunError
from codeling.tinypy.parser import parse
from codeling.tinypy.reader import SampleIssue
from codeling.tinypy.sample import Sample
from codeling.tinypy.trace import trace_text
from codeling.train.checkpoint import Loaded, load_checkpoint
from codeling.train.progress import Progress, Report


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
    features: dict[str, dict[str, TinyPyScore]] = field(default_factory=dict)  # feature -> value -> score

    def to_json(self) -> dict:
        def score(v: TinyPyScore) -> dict:
            return {**asdict(v), **v.accuracy()}

        scores = {"overall": score(self.overall)}
        scores["levels"] = {k: score(v) for k, v in sorted(self.levels.items())}
        scores["features"] = {name: {k: score(v) for k, v in values.items()} for name, values in self.features.items()}
        return {
            "checkpoint": self.checkpoint,
            "data": self.data,
            "mode": self.mode,
            "decoding": "greedy",
            **scores,
            "seconds": self.seconds,
            "failures": [asdict(f) for f in self.failures],
        }


SHOWN_LINES = 5  # line numbers listed per skip reason


def skip_summary(issues: list[SampleIssue]) -> dict:
    """{"count": n, "reasons": {reason: {"count", "lines" (the first few), "example" (a message)}}}."""
    reasons: dict[str, dict] = {}
    for issue in issues:
        entry = reasons.setdefault(issue.reason, {"count": 0, "lines": [], "example": issue.message})
        entry["count"] += 1
        if len(entry["lines"]) < SHOWN_LINES:
            entry["lines"].append(issue.line)
    return {"count": len(issues), "reasons": reasons}


def load_samples(path: str | Path, trace: bool, limit: int | None = None) -> tuple[list[Sample], dict]:
    """Samples from a data directory (its test.jsonl) or any output-format file, and `info`: where
    they came from, how many the file holds (`in_file`), how many are scored (`samples`) and the
    skipped ones by reason (`skipped`)."""
    path = Path(path)
    if path.is_dir():
        file = path / "test.jsonl"
        samples, skipped = read_test_jsonl(file), []
    elif path.is_file():
        file = path
        read = samples_from_file(path)
        samples, skipped = read.samples, read.skipped + read.repeats
    else:
        raise CodelingError(f"{path} does not exist; pass a TinyPy file or a `codeling tinypy data` directory.")
    in_file = len(samples) + len(skipped)
    if limit is not None:
        skipped += [SampleIssue(s.line or 0, "beyond --limit", "past --limit") for s in samples[limit:]]
        samples = samples[:limit]
    if trace:
        traced = []
        for sample in samples:
            try:
                sample.trace = sample.trace or trace_text(parse(sample.program))
                traced.append(sample)
            except RunError as e:  # no reference trace exists for a program that fails
                skipped.append(SampleIssue(sample.line or 0, f"cannot trace: {e}", "fails at run time"))
        samples = traced
    skipped.sort(key=lambda issue: issue.line)
    info = {"path": str(path), "file": str(file), "sha256": sha256_file(file), "in_file": in_file}
    info.update(samples=len(samples), skipped=skip_summary(skipped))
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
        if sample.level:  # samples without one are scored by feature (score_features)
            levels.setdefault(sample.level, TinyPyScore()).add(output_ok, hard_ok, soft_ok)
        record = Prediction(sample.program, sample.level, sample.output, predicted, generated)
        if len(examples) < 5:
            examples.append(record)
        if not output_ok and len(failures) < max_failures:
            failures.append(record)
    return overall, levels, failures, examples


def _blocks(stmt) -> tuple:
    if stmt[0] == "if":
        return stmt[3], stmt[4]
    if stmt[0] in ("for", "while"):
        return (stmt[-1],)
    return ()


def _depth(statements, lines: list[str]) -> int:
    """How deep blocks nest: 0 for straight-line code, 1 inside one if/for/while, and so on."""
    deepest = 0
    for stmt in statements:
        for block in _blocks(stmt):
            # An `elif` is an `if` alone in `orelse`; it stands at its parent's depth.
            is_elif = block is stmt[-1] and len(block) == 1 and lines[block[0][1] - 1].lstrip().startswith("elif")
            deepest = max(deepest, _depth(block, lines) + (0 if is_elif else 1))
    return deepest


def _all(statements):
    for stmt in statements:
        yield stmt
        for block in _blocks(stmt):
            yield from _all(block)


def program_features(program: str, output: list[str]) -> dict[str, str]:
    """The features a sample is scored by when it has no level."""
    parsed = parse(program)
    depth = _depth(parsed.body, parsed.lines)
    return {
        "while loop": "yes" if any(s[0] == "while" for s in _all(parsed.body)) else "no",
        "nesting depth": str(depth) if depth < 3 else "3+",
        "% or //": "yes" if "%" in parsed.text or "//" in parsed.text else "no",
        "printed lines": str(len(output)) if len(output) < 4 else "4+",
    }


def score_features(samples: list[Sample], generations: list[str], trace: bool) -> dict[str, dict[str, TinyPyScore]]:
    """Scores of the samples without a level, per feature and value (values in sorted order)."""
    scores: dict[str, dict[str, TinyPyScore]] = {}
    for sample, generated in zip(samples, generations, strict=True):
        if sample.level:
            continue
        output_ok, hard_ok, soft_ok, _ = judge(sample, generated, trace)
        for name, value in program_features(sample.program, sample.output).items():
            scores.setdefault(name, {}).setdefault(value, TinyPyScore()).add(output_ok, hard_ok, soft_ok)
    return {name: dict(sorted(values.items())) for name, values in scores.items()}


def decode(loaded: Loaded, samples: list[Sample], trace: bool, batch_size: int, progress: Report | None) -> list[str]:
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
            progress(Progress.count("decode", min(start + batch_size, len(order)), len(order)))
    return out


def evaluate_tinypy(
    checkpoint: str | Path,
    data: str | Path,
    limit: int | None = None,
    batch_size: int = 64,
    device: str = "cpu",
    trace: bool | None = None,
    progress: Report | None = None,
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
    samples, info = load_samples(data, trace, limit)
    if not samples:
        raise CodelingError(f"{data} holds no TinyPy samples to evaluate ({info['skipped']['count']} skipped).")
    t0 = time.monotonic()
    generations = decode(loaded, samples, trace, batch_size, progress)
    overall, levels, failures, examples = score_generations(samples, generations, trace)
    features = score_features(samples, generations, trace)
    return TinyPyReport(
        str(loaded.path),
        info,
        "trace" if trace else "output",
        overall,
        levels,
        failures,
        time.monotonic() - t0,
        examples,
        features,
    )
