"""`codeling tinypy datahack`: the GPU result. Train on ALL TinyPy levels (literals 0-255), or on the
2025 code-tracing grammar (`--grammar codetracing`), for a time budget, then score in distribution
and on out-of-distribution sets (recipes/tinypy.py)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from codeling.cli import options
from codeling.cli.progress import console


def datahack_cmd(
    out: Path = options.out("run directory (an earlier recipe run's is replaced)", Path("runs/datahack")),
    minutes: float = typer.Option(50.0, "--minutes", help="training budget; the learning-rate schedule ends with it"),
    programs: int = typer.Option(2_000_000, "--programs", help="distinct programs generated (train + val + test)"),
    ood_programs: int = typer.Option(500, "--ood-programs", help="programs per out-of-distribution set"),
    preset: str = options.preset(default="datahack"),
    set_: list[str] = options.SET,
    seed: int = options.SEED,
    grammar: str = options.GRAMMAR,
    trace: bool = options.TRACE,
    device: str = options.DEVICE,
):
    """The GPU result: train on ALL levels (literals 0-255) for a time budget, score in and out of distribution."""
    from codeling.cli.demo import run_recipe
    from codeling.recipes.tinypy import datahack_plan

    plan = datahack_plan(minutes, programs, preset, ood_programs, tuple(set_), grammar, trace, device)
    what = "the code-tracing grammar" if grammar == "codetracing" else "ALL levels"
    console.print(
        f"[bold]codeling tinypy datahack[/]: the {preset} preset on {programs:,} programs of {what} "
        f"(literals 0-255) for {minutes:g} minutes of training"
    )
    result = run_recipe(out, plan, seed)
    table = Table(title="out of distribution (none of these programs was trained on)")
    for column in ("set", "n", "output acc"):
        table.add_column(column, justify="left" if column == "set" else "right")
    for name, report in result.ood.items():
        table.add_row(name, f"{report.overall.n:,}", f"{report.overall.accuracy()['output'] * 100:.1f}%")
    console.print(table)
