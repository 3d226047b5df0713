"""`codeling tinypy ...`: generate TinyPy programs and build datasets from them or from files."""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from codeling.errors import CodelingError

app = typer.Typer(help="TinyPy: generate programs, build datasets, train models to execute code.", no_args_is_help=True)
console = Console()


def _range(text: Optional[str], option: str) -> Optional[tuple[int, int]]:
    """'3' -> (3, 3); '1-5' -> (1, 5); None stays None."""
    if text is None:
        return None
    try:
        low, _, high = text.partition("-")
        return (int(low), int(high or low))
    except ValueError:
        raise CodelingError(f"{option} {text!r} is not a range; write it as LOW-HIGH, e.g. 1-5.") from None


def _knobs(literals: str, loop_iterations, inits, extra_statements, depth: int, variables: int):
    from codeling.tinypy.builder import Knobs

    return Knobs(
        literals=_range(literals, "--literals"),
        loop_iterations=_range(loop_iterations, "--loop-iterations"),
        initialisations=_range(inits, "--inits"),
        extra_statements=_range(extra_statements, "--extra-statements"),
        depth=depth,
        variables=variables,
    )


@contextmanager
def _progress():
    """A rich progress bar; yields the callback the library calls as (stage, done, total)."""
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console)
    tasks: dict[str, int] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    with bar:
        yield update


def _generate(n, levels, seed, knobs, trace, workers, update, skip=()):
    from codeling.tinypy.generator import generate

    result = generate(n, levels, seed, knobs, trace=trace, workers=workers, skip=skip, progress=lambda d, t: update("generate", d, t))
    if result.exhausted:
        console.print(f"[yellow]only {len(result.samples):,} distinct programs exist for these settings (asked for {n:,})")
    return result


# Knob options shared by `generate` and `data`.
LITERALS = typer.Option("0-255", "--literals", help="integer literal range LOW-HIGH (0-9 older files; 100-9999 for OOD)")
LOOPS = typer.Option(None, "--loop-iterations", help="loop body runs LOW-HIGH times (default: the public 1-3 table)")
INITS = typer.Option(None, "--inits", help="initialisations per program LOW-HIGH (default: per level)")
EXTRA = typer.Option("0", "--extra-statements", help="extra assignments/prints per program LOW-HIGH")
DEPTH = typer.Option(1, "--depth", help="nesting depth of if/for/while blocks (1-4)")
VARIABLES = typer.Option(26, "--variables", help="how many letters variables are drawn from (2-26)")
WORKERS = typer.Option(None, "--workers", help="processes to use (default: all CPUs; results do not depend on it)")


@app.command()
def generate(
    out: Path = typer.Option(..., "--out", help="file to write"),
    n: int = typer.Option(1000, "--n", help="number of distinct programs"),
    level: str = typer.Option("ALL", "--level", help="1.1 1.2 2.1 2.2 3.1 3.2 4.1, a comma list, or ALL"),
    seed: int = typer.Option(0, "--seed"),
    trace: bool = typer.Option(False, "--trace", help="write execution traces instead of program + output"),
    level_tags: bool = typer.Option(False, "--level-tags", help="start each sample with a `# level: X` line"),
    literals: str = LITERALS,
    loop_iterations: Optional[str] = LOOPS,
    inits: Optional[str] = INITS,
    extra_statements: str = EXTRA,
    depth: int = DEPTH,
    variables: int = VARIABLES,
    workers: Optional[int] = WORKERS,
):
    """Write N distinct TinyPy programs with their outputs (or traces) to a file."""
    from codeling import atomic
    from codeling.tinypy.sample import format_samples

    knobs = _knobs(literals, loop_iterations, inits, extra_statements, depth, variables)
    start = time.perf_counter()
    with _progress() as update:
        result = _generate(n, level, seed, knobs, trace, workers, update)
    seconds = time.perf_counter() - start
    if trace:
        text = "\n\n".join(s.trace for s in result.samples) + "\n" if result.samples else ""
    else:
        text = format_samples(result.samples, level_tag=level_tags)
    atomic.write_text(out, text)
    per_level = ", ".join(f"{k}: {v:,}" for k, v in sorted(result.per_level.items()))
    console.print(
        f"wrote {len(result.samples):,} programs to {out} in {seconds:.1f}s ({len(result.samples) / max(seconds, 1e-9):,.0f}/s); "
        f"dropped {result.failed:,} that raise and {result.duplicates:,} duplicates; {per_level}"
    )


@app.command()
def data(
    out: Path = typer.Option(..., "--out", help="directory to write (must be empty)"),
    levels: str = typer.Option("ALL", "--levels", help="levels to generate: a comma list or ALL"),
    n: int = typer.Option(100_000, "--n", help="distinct programs in all (train + val + test)"),
    seed: int = typer.Option(0, "--seed"),
    trace: bool = typer.Option(False, "--trace", help="train to write the execution trace, not just the output"),
    from_file: Optional[Path] = typer.Option(None, "--from-file", help="read programs from this output-format file instead of generating"),
    val_frac: float = typer.Option(0.05, "--val-frac", help="fraction of the non-test programs kept for validation"),
    test_n: int = typer.Option(1000, "--test-n", help="programs written to test.jsonl"),
    literals: str = LITERALS,
    loop_iterations: Optional[str] = LOOPS,
    inits: Optional[str] = INITS,
    extra_statements: str = EXTRA,
    depth: int = DEPTH,
    variables: int = VARIABLES,
    workers: Optional[int] = WORKERS,
    exclude: Optional[Path] = typer.Option(None, "--exclude", help="leave out the programs this data directory holds out (its val and test), e.g. for a curriculum set that trains beside it"),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace an existing data directory"),
):
    """Token shards (train/val, loss-masked) plus test.jsonl, from the generator or a file."""
    from codeling.tinypy.dataset import build_dataset, check_out_dir, held_out_programs, samples_from_file
    from codeling.tinypy.sample import normalise_program

    check_out_dir(out, overwrite)  # fail before minutes of generation, not after
    excluded = held_out_programs(exclude) if exclude is not None else set()
    with _progress() as update:
        if from_file is not None:
            read = samples_from_file(from_file, trace)
            for problem in read.problems[:10]:
                console.print(f"[yellow]{from_file}:{problem.line}: {problem.message}, skipped")
            samples, provenance = read.samples, {"source": read.source}
            samples = [s for s in samples if normalise_program(s.program) not in excluded]
        else:
            knobs = _knobs(literals, loop_iterations, inits, extra_statements, depth, variables)
            result = _generate(n, levels, seed, knobs, trace, workers, update, skip=excluded)  # generated text is already normal
            samples, provenance = result.samples, {"source": {"generator": result.settings()}}
        if exclude is not None:
            provenance["excluded"] = {"held_out_by": str(exclude), "programs": len(excluded)}
        report = build_dataset(out, samples, provenance, trace, seed, val_frac, test_n, overwrite, update)
    table = Table(title=f"{out} ({'trace' if trace else 'output'} mode)")
    table.add_column("split")
    table.add_column("examples", justify="right")
    table.add_column("tokens", justify="right")
    table.add_column("levels")
    for name in ("train", "val", "test"):
        tokens = report.manifest["splits"].get(name, {}).get("tokens")
        levels_text = ", ".join(f"{k}: {v}" for k, v in report.levels[name].items())
        table.add_row(name, f"{report.counts[name]:,}", "-" if tokens is None else f"{tokens:,}", levels_text)
    console.print(table)


def print_report(report, show: int = 5) -> None:
    """The per-level table of an EvalReport, then a few programs with predicted and true output."""
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


@app.command("eval")
def eval_cmd(
    checkpoint: Path = typer.Argument(..., help="checkpoint or run directory"),
    data: Path = typer.Option(..., "--data", help="a TinyPy output-format file, or a `codeling tinypy data` directory (its test.jsonl)"),
    limit: Optional[int] = typer.Option(None, "--limit", help="score only the first N programs"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write the full report as JSON here"),
    batch_size: int = typer.Option(64, "--batch-size", help="programs decoded together"),
    trace: Optional[bool] = typer.Option(None, "--trace/--output", help="score as a trace or an output model (default: as trained)"),
    device: str = typer.Option("cpu", "--device"),
):
    """Exact-match output accuracy (and hard/soft trace accuracy) overall and per level, greedy."""
    import json

    from codeling import atomic
    from codeling.tinypy.evaluate import evaluate

    bar = Progress(TextColumn("decode"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console)
    with bar:
        task = bar.add_task("decode", total=None)
        report = evaluate(checkpoint, data, limit, batch_size, device, trace,
                          progress=lambda done, total: bar.update(task, completed=done, total=total))
    print_report(report)
    if json_out is not None:
        atomic.write_text(json_out, json.dumps(report.to_json(), indent=2) + "\n")
        console.print(f"report written to {json_out}")


def _run_recipe(out: Path, plan, seed: int):
    """Run a recipe with a progress bar for data generation, then the trainer's own view."""
    from codeling.cli.core import run_training
    from codeling.tinypy.demo import run_recipe

    data_bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console)
    tasks: dict[str, int] = {}

    def update(stage: str, done: int, total: int) -> None:
        if not tasks:
            data_bar.start()
        if stage not in tasks:
            tasks[stage] = data_bar.add_task(stage, total=total)
        data_bar.update(tasks[stage], completed=done, total=total)

    def train(config, run_dir):
        data_bar.stop()  # one live display at a time: training draws its own
        return run_training(config, run_dir, resume=False)

    try:
        result = run_recipe(out, plan, seed, train=train, progress=update)
    finally:
        data_bar.stop()
    print_report(result.report)
    phases = ", ".join(f"{name} {s:.0f}s" for name, s in result.seconds.items())
    console.print(f"time: {phases}; {result.training['steps']:,} steps, {result.training['tokens']:,} tokens on "
                  f"{result.training['device']}. Checkpoint, metrics.jsonl, loss.png and report.json are in {result.run_dir}/")
    return result


def demo_cmd(
    out: Path = typer.Option(Path("runs/demo"), "--out", help="run directory (an earlier demo's is replaced)"),
    quick: bool = typer.Option(False, "--quick", help="a one-minute version of the same path"),
    seed: int = typer.Option(0, "--seed"),
):
    """Generate TinyPy programs, train the tiny preset to predict what they print, and score it."""
    from codeling.tinypy.demo import FULL, QUICK

    console.print("[bold]codeling demo[/]: teach a tiny GPT to predict what TinyPy programs print "
                  "(all levels, literals 0-9)")
    result = _run_recipe(out, QUICK if quick else FULL, seed)
    console.print(f"next: codeling tinypy eval {result.run_dir} --data FILE   |   codeling info {result.run_dir}")


@app.command("datahack")
def datahack_cmd(
    out: Path = typer.Option(Path("runs/datahack"), "--out", help="run directory (an earlier recipe run's is replaced)"),
    minutes: float = typer.Option(50.0, "--minutes", help="training budget; the learning-rate schedule ends with it"),
    programs: int = typer.Option(2_000_000, "--programs", help="distinct programs generated (train + val + test)"),
    ood_programs: int = typer.Option(500, "--ood-programs", help="programs per out-of-distribution set"),
    preset: str = typer.Option("datahack", "--preset", help="model size: datahack (~14M), tiny, era, ..."),
    set_: list[str] = typer.Option([], "--set", help="override: section.key=value, e.g. train.lr=2e-3 (repeatable)"),
    seed: int = typer.Option(0, "--seed"),
):
    """The GPU result: train on ALL levels (literals 0-255) for a time budget, score in and out of distribution."""
    from codeling.tinypy.demo import datahack_plan

    if minutes <= 0 or programs < 2 or ood_programs < 1:
        raise CodelingError("--minutes, --programs and --ood-programs must be positive (and --programs at least 2); pass larger values.")
    plan = datahack_plan(minutes, programs, preset, ood_programs, tuple(set_))
    console.print(f"[bold]codeling tinypy datahack[/]: the {preset} preset on {programs:,} programs of ALL levels "
                  f"(literals 0-255) for {minutes:g} minutes of training")
    result = _run_recipe(out, plan, seed)
    table = Table(title="out of distribution (none of these programs was trained on)")
    for column in ("set", "n", "output acc"):
        table.add_column(column, justify="left" if column == "set" else "right")
    for name, report in result.ood.items():
        table.add_row(name, f"{report.overall.n:,}", f"{report.overall.accuracy()['output'] * 100:.1f}%")
    console.print(table)
