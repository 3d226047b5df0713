"""`codeling eval ...`: HumanEval, the procedural task suite, TinyPy, and a contamination report."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich import box
from rich.table import Table

from codeling.cli import options
from codeling.cli.progress import Bars, console
from codeling.errors import CodelingError

app = typer.Typer(
    help="Evaluate code models: HumanEval and the task suite by pass@k in the sandbox, TinyPy by "
    "exact match, and contamination.",
    no_args_is_help=True,
)

N = typer.Option(20, "--n", help="samples per problem (pass@k is reported for k in 1, 10, 100 up to n)")
TEMPERATURE = options.temperature(0.8)
TOP_P = options.top_p(0.95)
MAX_NEW = options.max_new_tokens(256)
SEED = options.seed("seeds the sampling")
TIMEOUT = typer.Option(5.0, "--timeout", help="seconds each sample may run with its tests")
WORKERS = typer.Option(None, "--workers", help="sandboxes at a time (default: CPUs + 1)")
BATCH = options.batch_size(32, "samples")
BATCH_ROWS = options.alias("--batch-rows")
JSON_OUT = options.json_out("the summary")
SAMPLES = typer.Option(None, "--samples", help="write one JSON line per sample here (default: next to --json)")
DEVICE = options.DEVICE
SANDBOX = options.sandbox()


def _print_pass_at_k(report, title: str) -> None:
    ks = sorted(report.overall.pass_at_k)
    table = Table(title=title, box=box.SIMPLE_HEAD)  # no vertical rules: fits 80 columns
    # Outcome columns count samples: passed, failed a test, runtime error, syntax error, timeout.
    for column in ["", "problems", "n", *[f"pass@{k}" for k in ks], "pass", "wrong", "error", "syntax", "timeout"]:
        table.add_column(column, justify="left" if not column else "right", no_wrap=True)

    def row(label, s):
        o = s.outcomes
        table.add_row(
            label,
            str(s.problems),
            str(s.samples),
            *[f"{100 * s.pass_at_k.get(k, 0):.2f}%" for k in ks],
            *[str(o[x]) for x in ("passed", "failed_test", "runtime_error", "compile_error", "timeout")],
        )

    row("overall", report.overall)
    for group, values in report.by_group.items():
        table.add_section()
        for value, s in values.items():
            row(f"level {value}" if group == "level" else value, s)
    console.print(table)


def _write(results, report, settings: dict, json_out: Path | None, samples: Path | None) -> None:
    from codeling import atomic

    if samples is None and json_out is not None:
        samples = json_out.with_suffix(".samples.jsonl")
    if samples is not None:
        atomic.write_text(samples, "".join(json.dumps(r.to_json()) + "\n" for r in results))
        console.print(f"wrote {len(results):,} samples to {samples}")
    if json_out is not None:
        atomic.write_text(json_out, json.dumps({"settings": settings, **report.to_json()}, indent=2) + "\n")
        console.print(f"wrote the summary to {json_out}")


def _run(problems, checkpoint: Path, run, device: str):
    """A checkpoint's pass@k on `problems` under one progress display."""
    from codeling.evals.run import evaluate_checkpoint

    with Bars() as bars:
        return evaluate_checkpoint(checkpoint, problems, run, options.device(device), bars)


@app.command()
def humaneval(
    checkpoint: Path | None = typer.Argument(None, help="checkpoint or run directory"),
    n: int = N,
    temperature: float = TEMPERATURE,
    top_p: float = TOP_P,
    max_new_tokens: int = MAX_NEW,
    seed: int = SEED,
    limit: int | None = typer.Option(None, "--limit", help="only the first N problems"),
    canonical: bool = typer.Option(
        False, "--canonical", help="score the canonical solutions instead of a model (a harness check)"
    ),
    timeout: float = TIMEOUT,
    workers: int | None = WORKERS,
    batch_size: int = BATCH,
    json_out: Path | None = JSON_OUT,
    samples: Path | None = SAMPLES,
    sandbox: str = SANDBOX,
    device: str | None = DEVICE,
    batch_rows: int | None = BATCH_ROWS,
):
    """HumanEval's 164 problems: sample, run each completion with the problem's tests in the sandbox, report pass@k."""
    from codeling.evals.humaneval import load_humaneval
    from codeling.evals.run import PassAtKRun

    items = load_humaneval(limit)
    batch_size = options.pick(batch_size, batch_rows)
    run = PassAtKRun(n, temperature, top_p, max_new_tokens, seed, timeout, workers, batch_size, sandbox)
    _score_problems(items, "humaneval", "HumanEval", checkpoint, canonical, run, device, json_out, samples)


@app.command()
def problems(
    checkpoint: Path | None = typer.Argument(None, help="checkpoint or run directory"),
    file: Path = typer.Option(..., "--file", help="JSONL (or .jsonl.gz) of problems in HumanEval's format"),
    n: int = N,
    temperature: float = TEMPERATURE,
    top_p: float = TOP_P,
    max_new_tokens: int = MAX_NEW,
    seed: int = SEED,
    limit: int | None = typer.Option(None, "--limit", help="only the first N problems"),
    canonical: bool = typer.Option(False, "--canonical", help="score the file's canonical solutions (a check)"),
    timeout: float = TIMEOUT,
    workers: int | None = WORKERS,
    batch_size: int = BATCH,
    json_out: Path | None = JSON_OUT,
    samples: Path | None = SAMPLES,
    sandbox: str = SANDBOX,
    device: str | None = DEVICE,
):
    """Any problem file in HumanEval's format (task_id, prompt, test, entry_point): MBPP converted,
    a class's own exercises, a held-out set of your own; scored exactly as HumanEval is."""
    from codeling.evals.humaneval import read_problem_file
    from codeling.evals.run import PassAtKRun

    items = read_problem_file(file, limit)
    run = PassAtKRun(n, temperature, top_p, max_new_tokens, seed, timeout, workers, batch_size, sandbox)
    _score_problems(items, str(file), file.name, checkpoint, canonical, run, device, json_out, samples)


def _score_problems(items, benchmark, title, checkpoint, canonical, run, device, json_out, samples):
    """Score a model (or the canonical solutions) on HumanEval-shaped problems; print and write."""
    from codeling.evals.run import execute, score_pass_at_k
    from codeling.sandbox import Limits, SandboxConfig

    problems = [p.problem() for p in items]
    if canonical:
        if not all(p.canonical_solution for p in items):
            raise CodelingError(f"{benchmark} has problems without a canonical_solution; drop --canonical.")
        with Bars() as bars:
            results = execute(
                problems,
                [[p.canonical_solution] for p in items],
                Limits(timeout_s=run.timeout),
                SandboxConfig(mode=run.sandbox),
                run.workers,
                bars,
            )
        report, settings = (
            score_pass_at_k(results),
            {"canonical": True, "timeout_s": run.timeout, "sandbox": run.sandbox},
        )
    elif checkpoint is None:
        raise CodelingError("Pass a checkpoint to evaluate, or --canonical to score the canonical solutions.")
    else:
        results, report, settings = _run(problems, checkpoint, run, device)
    _print_pass_at_k(report, f"{title} ({len(problems)} problems)")
    _write(results, report, {"benchmark": benchmark, **settings}, json_out, samples)


def _suite(seed: int, per_kind: int, heldout: str):
    from codeling.evals.tasks import SuiteSettings

    return SuiteSettings(seed=seed, per_kind=per_kind, heldout_families=tuple(f for f in heldout.split(",") if f))


SPLIT = typer.Option("test", "--split", help="train, test, or heldout (whole families never in train or test)")
SUITE_SEED = typer.Option(0, "--suite-seed", help="seed of the task draws")
PER_KIND = typer.Option(40, "--per-kind", help="draws per task kind")
HELDOUT = typer.Option("dicts", "--heldout", help="comma list of families kept out of train and test")


@app.command()
def tasks(
    checkpoint: Path = typer.Argument(..., help="checkpoint or run directory"),
    split: str = SPLIT,
    n: int = typer.Option(10, "--n", help="samples per task"),
    temperature: float = TEMPERATURE,
    top_p: float = TOP_P,
    max_new_tokens: int = MAX_NEW,
    seed: int = SEED,
    limit: int | None = typer.Option(None, "--limit", help="only the first N tasks (mixed across kinds)"),
    suite_seed: int = SUITE_SEED,
    per_kind: int = PER_KIND,
    heldout: str = HELDOUT,
    timeout: float = TIMEOUT,
    workers: int | None = WORKERS,
    batch_size: int = BATCH,
    json_out: Path | None = JSON_OUT,
    samples: Path | None = SAMPLES,
    sandbox: str = SANDBOX,
    device: str | None = DEVICE,
    batch_rows: int | None = BATCH_ROWS,
):
    """The procedural task suite: pass@k overall, per family and per level."""
    from codeling.evals.tasks import load_split

    chosen = load_split(split, _suite(suite_seed, per_kind, heldout), limit=limit)
    if not chosen:
        raise CodelingError(
            f"The {split} split holds no tasks with these settings; raise --per-kind or choose another split."
        )
    from codeling.evals.run import PassAtKRun

    batch_size = options.pick(batch_size, batch_rows)
    run = PassAtKRun(n, temperature, top_p, max_new_tokens, seed, timeout, workers, batch_size, sandbox)
    results, report, settings = _run([t.problem() for t in chosen], checkpoint, run, device)
    _print_pass_at_k(report, f"Task suite, {split} split ({len(chosen)} tasks)")
    _write(
        results,
        report,
        {
            "benchmark": "tasks",
            "split": split,
            "suite_seed": suite_seed,
            "per_kind": per_kind,
            "heldout": heldout,
            **settings,
        },
        json_out,
        samples,
    )


@app.command("tasks-export")
def tasks_export(
    out: Path = typer.Option(..., "--out", help="JSONL file to write"),
    split: str = SPLIT,
    suite_seed: int = SUITE_SEED,
    per_kind: int = PER_KIND,
    heldout: str = HELDOUT,
):
    """Write one split of the task suite as JSONL: prompt, reference solution, test code and cases per task."""
    from collections import Counter

    from codeling.evals.tasks import load_split, write_jsonl

    chosen = load_split(split, _suite(suite_seed, per_kind, heldout))
    count = write_jsonl(chosen, out)
    families = ", ".join(f"{k}: {v}" for k, v in sorted(Counter(t.family for t in chosen).items()))
    console.print(f"wrote {count:,} {split} tasks to {out} ({families})")


@app.command()
def contamination(
    corpus: Path = typer.Option(..., "--corpus", help="corpus directory (codeling corpus build) or shard directory"),
    split: str = typer.Option("train", "--split", help="which split of the corpus to scan"),
    n: int = typer.Option(13, "--n", help="n-gram length, in whitespace-separated tokens"),
    threshold: float = typer.Option(
        0.5, "--threshold", help="flag items with at least this share of their n-grams in the corpus"
    ),
    humaneval: bool = typer.Option(True, "--humaneval/--no-humaneval", help="look for HumanEval problems"),
    tasks: bool = typer.Option(True, "--tasks/--no-tasks", help="look for the task suite's test split"),
    json_out: Path | None = JSON_OUT,
):
    """N-gram overlap between a training corpus and HumanEval and the task suite's test split."""
    from dataclasses import asdict

    from codeling import atomic
    from codeling.evals.contamination import contamination as measure
    from codeling.evals.contamination import references

    refs = references(humaneval, tasks)
    if not refs:
        raise CodelingError("Nothing to look for; leave --humaneval or --tasks on.")
    with Bars() as bars:
        report = measure(corpus, refs, n, threshold, split, bars)
    table = Table(
        title=f"{n}-gram overlap with {corpus} "
        f"({report.kind}, {report.documents:,} documents, {report.tokens:,} tokens)"
    )
    for column in ("benchmark", "items", "mean overlap", f"items >= {threshold:.0%}"):
        table.add_column(column, justify="right")
    for name, s in report.benchmarks.items():
        table.add_row(name, str(s.items), f"{100 * s.mean_fraction:.2f}%", str(s.flagged))
    console.print(table)
    for warning in report.warnings:
        console.print(f"[bold red]WARNING: {warning}")
    if not report.warnings:
        console.print(f"no item reaches the {threshold:.0%} threshold")
    if json_out is not None:
        atomic.write_text(json_out, json.dumps({**asdict(report), "warnings": report.warnings}, indent=2) + "\n")
        console.print(f"wrote the report to {json_out}")


def print_tinypy_report(report, show: int = 5) -> None:
    """The per-level table of a TinyPyReport, then a few programs with predicted and true output."""
    trace = report.mode == "trace"
    table = Table(title=f"{report.data['samples']:,} programs from {report.data['path']} ({report.mode} mode, greedy)")
    for column in ["level", "n", "output acc"] + (["hard acc", "soft acc"] if trace else []):
        table.add_column(column, justify="right" if column != "level" else "left")

    def row(name, score):
        acc = score.accuracy()
        cells = [name, f"{score.n:,}", f"{acc['output'] * 100:.1f}%"]
        if trace:
            cells += [f"{acc['hard'] * 100:.1f}%", f"{acc['soft'] * 100:.1f}%"]
        table.add_row(*cells)

    for level, score in sorted(report.levels.items()):
        row(level, score)
    table.add_section()
    row("all", report.overall)
    console.print(table)
    examples = report.examples[: max(0, show - 2)]
    failures = [f for f in report.failures if f not in examples][:2]
    shown = [("example", e) for e in examples] + [("failure", f) for f in failures]
    for kind, item in shown:
        mark = "[green]right" if item.predicted == item.expected else "[red]wrong"
        console.rule(f"{kind} (level {item.level or '?'}): {mark}")
        console.print(item.program, markup=False, highlight=False)
        console.print(f"  expected:  {item.expected}", markup=False, highlight=False)
        console.print(f"  predicted: {item.predicted}", markup=False, highlight=False)


@app.command("tinypy")
def tinypy(
    checkpoint: Path = typer.Argument(..., help="checkpoint or run directory"),
    data: Path = typer.Option(
        ..., "--data", help="a TinyPy output-format file, or a `codeling tinypy data` directory (its test.jsonl)"
    ),
    limit: int | None = typer.Option(None, "--limit", help="score only the first N programs"),
    json_out: Path | None = options.json_out("the full report"),
    batch_size: int = options.batch_size(64, "programs"),
    trace: bool | None = typer.Option(
        None, "--trace/--output", help="score as a trace or an output model (default: as trained)"
    ),
    device: str = options.DEVICE,
):
    """TinyPy: exact-match output accuracy (and hard/soft trace accuracy) per level or feature, greedy;
    says how many samples of the file it read and what it skipped, and why."""
    from codeling import atomic
    from codeling.tinypy.evaluate import evaluate_tinypy

    with Bars() as bars:
        report = evaluate_tinypy(checkpoint, data, limit, batch_size, options.device(device), trace, progress=bars)
    print_tinypy_report(report)
    if report.features:
        print_features(report)
    print_reading(report)
    if json_out is not None:
        atomic.write_text(json_out, json.dumps(report.to_json(), indent=2) + "\n")
        console.print(f"report written to {json_out}")


def print_reading(report) -> None:
    """How many samples the file holds, how many were scored, and each reason for a skip."""
    data, skipped = report.data, report.data["skipped"]
    console.print(
        f"{data['file']}: {data['in_file']:,} samples in the file, {data['samples']:,} scored, "
        f"{skipped['count']:,} skipped",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    for reason, entry in skipped["reasons"].items():
        more = ", ..." if entry["count"] > len(entry["lines"]) else ""
        lines = ", ".join(str(n) for n in entry["lines"]) + more
        console.print(
            f"  skipped {entry['count']:,}: {reason} (lines {lines}), e.g. {entry['example']}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def print_features(report) -> None:
    """Accuracy by feature of the samples without a level."""
    trace = report.mode == "trace"
    table = Table(title="programs without a level, by feature")
    for column in ["feature", "value", "n", "output acc"] + (["hard acc", "soft acc"] if trace else []):
        table.add_column(column, justify="left" if column in ("feature", "value") else "right")
    for name, values in report.features.items():
        for value, score in values.items():
            acc = score.accuracy()
            cells = [name, value, f"{score.n:,}", f"{acc['output'] * 100:.1f}%"]
            table.add_row(*cells, *([f"{acc['hard'] * 100:.1f}%", f"{acc['soft'] * 100:.1f}%"] if trace else []))
        table.add_section()
    console.print(table)
