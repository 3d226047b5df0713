"""`codeling dataset ...`: the versioned datasets of a `codeling improve` run."""

from __future__ import annotations

import datetime
from pathlib import Path

import typer
from rich.table import Table

from codeling.cli import options
from codeling.cli.progress import console

app = typer.Typer(
    help="List, inspect and export the dataset versions (and written tasks) of a self-improvement run.",
    no_args_is_help=True,
)
RUN = typer.Argument(..., help="the --out directory of a `codeling improve` run")
VERSION = typer.Option(..., "--version", help="dataset version number (see `codeling dataset list`)")


@app.command("list")
def list_cmd(run: Path = RUN):
    """Every dataset version: its parent, the round that made it, how many samples it holds."""
    from codeling.improve.export import open_store

    store = open_store(run)
    try:
        versions = store.versions()
    finally:
        store.close()
    table = Table(title=f"dataset versions of {run}")
    for column in ("version", "parent", "round", "samples", "created", "samples sha256"):
        table.add_column(column)
    for v in versions:
        created = datetime.datetime.fromtimestamp(v["created"]).isoformat(timespec="seconds")
        parent = "-" if v["parent"] is None else str(v["parent"])
        table.add_row(str(v["version"]), parent, str(v["round"]), str(v["samples"]), created, v["samples_sha256"][:16])
    console.print(table)


@app.command("show")
def show_cmd(run: Path = RUN, version: int = VERSION, limit: int = typer.Option(5, "--limit", help="samples shown")):
    """A version's samples, each with the round and model that made it."""
    from codeling.improve.export import open_store

    store = open_store(run)
    try:
        kept = store.version_samples(version)
    finally:
        store.close()
    console.print(f"version {version}: {len(kept)} samples")
    for k in kept[:limit]:
        console.rule(f"{k.task_id} (round {k.round}, model {k.model_sha256[:12]}, score {k.score:.3f})")
        console.print(k.completion, markup=False, highlight=False)


@app.command("tasks")
def tasks_cmd(run: Path = RUN, limit: int = typer.Option(5, "--limit", help="tasks shown in full")):
    """The tasks the model wrote and the loop accepted: round, asserts, mutants killed."""
    from codeling.improve.export import open_store

    store = open_store(run)
    try:
        written = store.written_tasks()
    finally:
        store.close()
    console.print(f"{len(written)} model-written tasks accepted")
    for t in written[:limit]:
        console.rule(
            f"{t['task_id']} (round {t['round']}, {t['asserts']} asserts, {t['killed']}/{t['mutants']} mutants killed)"
        )
        console.print(t["prompt"] + t["tests"], markup=False, highlight=False)


@app.command("export")
def export_cmd(
    run: Path = RUN,
    version: int = VERSION,
    fmt: str = typer.Option("jsonl", "--format", help="jsonl (one sample a line) or shards (for codeling train)"),
    out: Path = options.out("file (jsonl) or directory (shards) to write; must not exist"),
):
    """Write one version: the same version always gives byte-identical files."""
    from codeling.improve.export import export_version

    count = export_version(run, version, fmt, out)
    console.print(f"wrote {count} samples of version {version} to {out}")
