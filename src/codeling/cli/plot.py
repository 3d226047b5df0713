"""`codeling plot`: draw a run's loss.png, a population's members and lineage, or an improve run's rounds."""

from __future__ import annotations

from pathlib import Path

import typer

from codeling.cli.progress import console
from codeling.train import rundir


def plot_cmd(
    run_dir: Path = typer.Argument(..., help="run directory holding metrics.jsonl"),
    out: Path | None = typer.Option(None, "--out", help="image path (default RUN_DIR/loss.png)"),
):
    """Draw a run: loss.png, a population's members and lineage, or an improve run's rounds.

    A training run gets loss.png (train/val loss, learning rate); a `codeling evolve` run every member
    and who copied whom; a `codeling improve` run held-out pass@k round by round (rounds.png)."""
    if (run_dir / "selflabel.json").is_file():  # `codeling tinypy selflabel`: accuracy by length per round
        from codeling.tinypy.selflabel.plot import plot_selflabel

        console.print(f"wrote {plot_selflabel(run_dir, out)}")
        return
    if (run_dir / "rounds.jsonl").is_file():
        from codeling.improve.plot import plot_rounds

        console.print(f"wrote {plot_rounds(run_dir, out)}")
        return
    if (run_dir / rundir.LINEAGE).is_file():
        from codeling.evolve.plot import plot_population

        console.print(f"wrote {plot_population(run_dir, out)}")
        return
    from codeling.train.plot import plot_run

    console.print(f"wrote {plot_run(run_dir, out)}")
