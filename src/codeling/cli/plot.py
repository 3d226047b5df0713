"""`codeling plot`: draw a run's loss.png, a population's members and lineage, an improve run's
rounds, or several improve runs side by side."""

from __future__ import annotations

from pathlib import Path

import typer

from codeling import rounds, rundir
from codeling.cli.progress import console


def plot_cmd(
    run_dirs: list[Path] = typer.Argument(
        ..., help="a run directory; or two or more `codeling improve` run directories to compare"
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="image path (default: in the run directory, named for what it draws; FIRST_RUN/compare.png for several)",
    ),
):
    """Draw a run: loss.png, a population's members and lineage, or an improve run's rounds.

    A training run gets loss.png (train/val loss, learning rate); a `codeling evolve` run every member
    and who copied whom; a `codeling improve` run held-out pass@k round by round (rounds.png). Several
    improve runs get one compare.png: held-out pass@1 at d0+1 and d0+3, and each round's mean reward,
    against the sandboxed samples spent."""
    if len(run_dirs) > 1:
        from codeling.improve.compare_plot import plot_comparison

        console.print(f"wrote {plot_comparison(run_dirs, out)}")
        return
    _plot_one(run_dirs[0], out)


def _plot_one(run_dir: Path, out: Path | None) -> None:
    """One run: what it draws depends on what kind of run the directory holds; a loop that runs in
    rounds says which in its settings file (codeling/rounds.py)."""
    found = rounds.find(run_dir)
    if found is not None and found.loop == "selflabel":  # accuracy by length per round
        from codeling.recipes.selflabel.plot import plot_selflabel

        console.print(f"wrote {plot_selflabel(run_dir, out)}")
        return
    if found is not None and found.loop == "improve":  # held-out pass@k per round
        from codeling.improve.plot import plot_rounds

        console.print(f"wrote {plot_rounds(run_dir, out)}")
        return
    if (run_dir / rundir.LINEAGE).is_file():
        from codeling.evolve.plot import plot_population

        console.print(f"wrote {plot_population(run_dir, out)}")
        return
    from codeling.train.plot import plot_run

    console.print(f"wrote {plot_run(run_dir, out)}")
