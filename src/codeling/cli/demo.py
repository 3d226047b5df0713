"""`codeling demo`: generate TinyPy programs, train the tiny preset to predict what they print, score it.

The recipe itself (plans, data, training, scoring) is library code in recipes/tinypy.py; this module
draws its progress and prints its report. `codeling tinypy datahack` (cli/datahack.py) runs a larger
plan through the same `run_recipe` here.
"""

from __future__ import annotations

from pathlib import Path

import typer

from codeling.cli import options
from codeling.cli.evals import print_tinypy_report
from codeling.cli.progress import Bars, console


def run_recipe(out: Path, plan, seed: int):
    """Run a recipe under one progress display (data generation, then training), print its report."""
    from codeling.recipes.tinypy import run_recipe as run

    with Bars() as bars:
        result = run(out, plan, seed, progress=bars)
    print_tinypy_report(result.report)
    if result.dropped:
        console.print(
            f"{result.dropped:,} generated programs were left out: their examples are longer than the "
            f"{plan.max_example_tokens}-token window."
        )
    phases = ", ".join(f"{name} {s:.0f}s" for name, s in result.seconds.items())
    console.print(
        f"time: {phases}; {result.training['steps']:,} steps, {result.training['tokens']:,} tokens on "
        f"{result.training['device']}. Checkpoint, metrics.jsonl, loss.png and report.json are in {result.run_dir}/"
    )
    return result


def demo_cmd(
    out: Path = options.out("run directory (an earlier demo's is replaced)", Path("runs/demo")),
    quick: bool = typer.Option(False, "--quick", help="a one-minute version of the same path"),
    grammar: str = options.GRAMMAR,
    trace: bool = options.TRACE,
    seed: int = options.SEED,
    set_: list[str] = typer.Option(
        [], "--set", help="override: programs=20000, model.n_layer=4, train.max_minutes=4, ... (repeatable)"
    ),
):
    """Generate TinyPy programs, train the tiny preset to predict what they print, and score it."""
    from codeling.recipes.tinypy import demo_plan

    plan = demo_plan(grammar, trace, quick, set_)
    what = "all levels, literals 0-9" if grammar == "levels" else "the 2025 code-tracing grammar, literals 0-255"
    console.print(
        f"[bold]codeling demo[/]: teach a tiny GPT to predict {'the execution trace' if trace else 'what'}"
        f"{' of' if trace else ''} TinyPy programs{'' if trace else ' print'} ({what})"
    )
    result = run_recipe(out, plan, seed)
    console.print(f"next: codeling eval tinypy {result.run_dir} --data FILE   |   codeling info {result.run_dir}")
