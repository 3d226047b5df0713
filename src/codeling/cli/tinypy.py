"""`codeling tinypy ...`: generate TinyPy programs, build datasets from them or from files, score models.

`tinypy eval` prints what `codeling eval tinypy` (cli/evals.py) prints, then what was skipped and the
scores by feature; `tinypy datahack` lives in cli/datahack.py."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.table import Table

from codeling.cli import datahack, evals, options, selflabel
from codeling.cli.progress import Bars, console

app = typer.Typer(help="TinyPy: generate programs, build datasets, train models to execute code.", no_args_is_help=True)


def _knobs(grammar: str, **given):
    """The knobs of `grammar` from the knob options as given (their names are KnobOptions' fields)."""
    from codeling.tinypy import grammars

    return grammars.knobs(grammar, grammars.KnobOptions(**given))


# The options `generate` and `data` both take, by name; each passes what it received.
KNOB_NAMES = ("levels", "literals", "loop_iterations", "inits", "extra_statements", "depth", "variables", "statements")


def _generate(n, levels, seed, knobs, trace, workers, bars: Bars, skip=()):
    from codeling.tinypy.generator import generate

    result = generate(n, levels, seed, knobs, trace=trace, workers=workers, skip=skip, progress=bars)
    if result.exhausted:
        bars.print(f"[yellow]only {len(result.samples):,} distinct programs exist for these settings (asked for {n:,})")
    return result


# Knob options shared by `generate` and `data`.
GRAMMAR = options.GRAMMAR
STATEMENTS = typer.Option(None, "--statements", help="codetracing: statements per program LOW-HIGH (default 5-10)")
LITERALS = typer.Option(
    "0-255", "--literals", help="integer literal range LOW-HIGH (0-9 older files; 100-9999 for OOD)"
)
LOOPS = typer.Option(
    None,
    "--loop-iterations",
    help="loop body runs LOW-HIGH times (default: levels the public 1-3 table, codetracing 1-20)",
)
INITS = typer.Option(None, "--inits", help="initialisations per program LOW-HIGH (default: per level)")
EXTRA = typer.Option("0", "--extra-statements", help="extra assignments/prints per program LOW-HIGH")
DEPTH = typer.Option(None, "--depth", help="nesting depth of if/for/while blocks (default: levels 1, codetracing 2)")
VARIABLES = typer.Option(26, "--variables", help="how many letters variables are drawn from (2-26)")
WORKERS = typer.Option(None, "--workers", help="processes to use (default: all CPUs; results do not depend on it)")


@app.command()
def generate(
    out: Path = options.out("file to write"),
    n: int = typer.Option(1000, "--n", help="number of distinct programs"),
    levels: str = options.levels(),
    seed: int = options.SEED,
    trace: bool = typer.Option(False, "--trace", help="write execution traces instead of program + output"),
    level_tags: bool = typer.Option(False, "--level-tags", help="start each sample with a `# level: X` line"),
    literals: str = LITERALS,
    loop_iterations: str | None = LOOPS,
    inits: str | None = INITS,
    extra_statements: str = EXTRA,
    depth: int | None = DEPTH,
    variables: int = VARIABLES,
    grammar: str = GRAMMAR,
    statements: str | None = STATEMENTS,
    workers: int | None = WORKERS,
    level: str | None = options.alias("--level"),
):
    """Write N distinct TinyPy programs with their outputs (or traces) to a file."""
    from codeling import atomic
    from codeling.tinypy.sample import format_samples

    levels = options.pick(levels, level)
    given = locals()
    knobs = _knobs(grammar, **{name: given[name] for name in KNOB_NAMES})
    start = time.perf_counter()
    with Bars() as bars:
        result = _generate(n, levels, seed, knobs, trace, workers, bars)
    seconds = time.perf_counter() - start
    if trace:
        text = "\n\n".join(s.trace for s in result.samples) + "\n" if result.samples else ""
    else:
        text = format_samples(result.samples, level_tag=level_tags)
    atomic.write_text(out, text)
    per_level = ", ".join(f"{k}: {v:,}" for k, v in sorted(result.per_level.items()))
    console.print(
        f"wrote {len(result.samples):,} programs to {out} in {seconds:.1f}s "
        f"({len(result.samples) / max(seconds, 1e-9):,.0f}/s); "
        f"dropped {result.failed:,} that raise, {result.rejected:,} the value filter rejects and "
        f"{result.duplicates:,} duplicates; {per_level}"
    )


@app.command()
def data(
    out: Path = options.out("directory to write (must be empty)"),
    levels: str = options.levels(),
    n: int = typer.Option(100_000, "--n", help="distinct programs in all (train + val + test)"),
    seed: int = options.SEED,
    trace: bool = typer.Option(False, "--trace", help="train to write the execution trace, not just the output"),
    from_file: Path | None = typer.Option(
        None, "--from-file", help="read programs from this output-format file instead of generating"
    ),
    val_fraction: float = options.val_fraction(0.05, "non-test programs"),
    test_n: int = typer.Option(1000, "--test-n", help="programs written to test.jsonl"),
    literals: str = LITERALS,
    loop_iterations: str | None = LOOPS,
    inits: str | None = INITS,
    extra_statements: str = EXTRA,
    depth: int | None = DEPTH,
    variables: int = VARIABLES,
    grammar: str = GRAMMAR,
    statements: str | None = STATEMENTS,
    workers: int | None = WORKERS,
    exclude: Path | None = typer.Option(
        None,
        "--exclude",
        help="leave out the programs this data directory holds out (its val and test), "
        "e.g. for a curriculum set that trains beside it",
    ),
    overwrite: bool = options.OVERWRITE,
    val_frac: float | None = options.alias("--val-frac"),
    level: str | None = options.alias("--level"),
):
    """Token shards (train/val, loss-masked) plus test.jsonl, from the generator or a file."""
    from codeling.tinypy.dataset import build_dataset, check_out_dir, held_out_programs, samples_from_file
    from codeling.tinypy.sample import normalise_program

    check_out_dir(out, overwrite)  # fail before minutes of generation, not after
    excluded = held_out_programs(exclude) if exclude is not None else set()
    with Bars() as bars:
        if from_file is not None:
            read = samples_from_file(from_file, trace)
            for issue in read.skipped[:10]:
                bars.print(f"[yellow]{from_file}:{issue.line}: {issue.message}, skipped")
            samples, provenance = read.samples, {"source": read.source}
            samples = [s for s in samples if normalise_program(s.program) not in excluded]
        else:
            levels = options.pick(levels, level)
            given = locals()
            knobs = _knobs(grammar, **{name: given[name] for name in KNOB_NAMES})
            result = _generate(n, levels, seed, knobs, trace, workers, bars, skip=excluded)  # text already normal
            samples, provenance = result.samples, {"source": {"generator": result.settings()}}
        if exclude is not None:
            provenance["excluded"] = {"held_out_by": str(exclude), "programs": len(excluded)}
        report = build_dataset(
            out, samples, provenance, trace, seed, options.pick(val_fraction, val_frac), test_n, overwrite, bars
        )
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


app.command("eval")(evals.tinypy)  # the same command as `codeling eval tinypy`
app.command("datahack")(datahack.datahack_cmd)
app.command("selflabel")(selflabel.selflabel_cmd)
