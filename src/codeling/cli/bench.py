"""`codeling bench gpu`: the GPU measurements in one command (bench/gpu.py), a table row by row."""

from __future__ import annotations

from pathlib import Path

import typer

from codeling.cli.progress import console

app = typer.Typer(help="Measurements against peers, in one run (see docs/RESULTS.md).", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Measurements against peers, in one run (see docs/RESULTS.md)."""


@app.command("gpu")
def gpu_cmd(
    minutes: float = typer.Option(10.0, "--minutes", help="budget: no step starts after it"),
    json_out: Path | None = typer.Option(None, "--json", help="write the rows here (rewritten after every step)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="every step at toy sizes on the CPU; timings mean nothing"),
    nanogpt: Path | None = typer.Option(
        None, "--nanogpt", help="a checkout of karpathy/nanoGPT: also race its model.py"
    ),
    only: list[str] = typer.Option([], "--only", help="run only this step (repeatable): training, sampling, ..."),
):
    """On one CUDA device: MFU, precisions, sampling, population, memory plan, sandbox, datahack."""
    from codeling.bench.gpu import run

    def show(row) -> None:
        console.print(
            f"[bold]{row.step:<10}[/] {row.measurement}\n{'':<11}{row.result}  [dim]({row.seconds:.0f} s)[/]",
            markup=True,
            highlight=False,
            soft_wrap=True,
        )

    rows = run(minutes, dry_run, json_out, nanogpt, show, tuple(only))
    failed = [r for r in rows if r.measurement == "failed"]
    console.print(f"{len(rows)} rows, {len(failed)} failed" + (f"; JSON in {json_out}" if json_out else ""))
    if failed:
        raise typer.Exit(1)
