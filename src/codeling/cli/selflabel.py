"""`codeling tinypy selflabel`: a TinyPy model trained on short programs labels longer ones itself,
round after round (recipes/selflabel/); one line a round (its Progress "round" events), then the
table of accuracy per length."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from codeling import rundir
from codeling.cli import options
from codeling.cli.progress import Bars, console


def round_line(r: int, row: dict) -> str:
    """One round in a line: what was labelled and kept, then held-out accuracy per length."""
    accuracy = " ".join(f"{length}:{acc * 100:.0f}%" for length, acc in row["accuracy"].items())
    ood = "; ".join(f"{name} {acc * 100:.0f}%" for name, acc in row["ood"].items())
    if r == 0:
        head = "round 0 (base)"
    else:
        d = row["labelled"]
        right = f", {d['precision'] * 100:.0f}% right" if d["precision"] is not None else ""
        kept = f"kept {d['kept']:,}/{d['programs']:,}{right}"
        head = f"round {r} ({row['labels']}, length {row['length']}): {kept}"
    return f"{head} | accuracy by length {accuracy}" + (f" | {ood}" if ood else "")


def selflabel_cmd(
    out: Path = options.out("run directory to write (must be empty or absent)"),
    labels: str | None = typer.Option(
        None, "--labels", help="vote (majority vote only), verified (vote + interpreter), oracle (interpreter)"
    ),
    rounds: int | None = typer.Option(None, "--rounds", help="rounds, each one length step further (default 3)"),
    preset: str | None = typer.Option(None, "--preset", help="cpu (default), quick, gpu"),
    base_from: Path | None = typer.Option(
        None, "--base-from", help="reuse the base model (round 0) of this selflabel run: same base settings"
    ),
    seed: int | None = typer.Option(None, "--seed", help="programs, sampling and training seed (default 0)"),
    set_: list[str] = options.SET,
    resume: bool = typer.Option(
        False, "--resume", help="continue the interrupted run in --out (same settings) from its last finished round"
    ),
):
    """Self-improvement without labels: label longer TinyPy programs by majority vote, fine-tune, repeat."""
    from codeling.recipes.selflabel.loop import run_selflabel
    from codeling.recipes.selflabel.settings import load

    given = {"labels": labels, "rounds": rounds, "base_from": base_from, "seed": seed}
    overrides = [f"{key}={value}" for key, value in given.items() if value is not None]
    settings = load(preset, [*overrides, *set_])
    low, high = settings.lengths
    console.print(
        f"[bold]codeling tinypy selflabel[/]: train on {settings.axis.replace('_', ' ')} {low}-{high}, then "
        f"{settings.rounds} round{'' if settings.rounds == 1 else 's'} of {settings.labels} labels, a length step each"
    )
    with Bars(round_line) as bars:
        report = run_selflabel(out, settings, progress=bars, resume=resume)
    table = Table(title=f"exact output accuracy on held-out programs, by {settings.axis.replace('_', ' ')}")
    table.add_column("round")
    lengths = list(report["rounds"][0]["accuracy"])
    for length in lengths:
        table.add_column(length, justify="right")
    for row in report["rounds"]:
        table.add_row(str(row["round"]), *(f"{row['accuracy'][k] * 100:.1f}" for k in lengths))
    console.print(table)
    h = report["headline"]
    if h["gain_points"] is not None:
        console.print(
            f"length {h['length']}: {h['round_0'] * 100:.1f}% at round 0, {h['last_round'] * 100:.1f}% after "
            f"the last round ({h['gain_points']:+.1f} points). {rundir.ROUNDS_LOG} and {rundir.REPORT} are in {out}/"
        )
