"""`codeling improve`: rounds of write tasks -> sample -> check in the sandbox -> keep -> fine-tune -> measure."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from codeling.cli import options
from codeling.cli.progress import Bars, console

PRESET = typer.Option(None, "--preset", help="cpu (the 2-core recipe, default) or smoke (a minute, for a first look)")


def improve_cmd(
    out: Path = options.out("run directory: dataset.sqlite, base/, rounds/, rounds.jsonl, report.json"),
    preset: str | None = PRESET,
    config: Path | None = typer.Option(None, "--config", help="YAML file of improve settings (see docs/IMPROVE.md)"),
    set_: list[str] = typer.Option([], "--set", help="override an improve setting: name=value, e.g. rounds=5"),
    rounds: int | None = typer.Option(None, "--rounds", help="rounds after round 0 (the base model)"),
    restart: bool = typer.Option(False, "--restart", help="fine-tune from the base model each round, not the last"),
    control: bool = typer.Option(False, "--control", help="the control: the same steps on the seed set alone"),
    sandbox: str = options.sandbox(),
    backend: str = typer.Option("local", "--backend", help="local, or ray: sampling and checking fan out over Ray"),
    address: str | None = typer.Option(None, "--address", help="a running Ray cluster (default: start a local one)"),
    resume: bool = typer.Option(False, "--resume", help="continue the run in --out where it stopped"),
):
    """Self-improvement rounds: write tasks and solutions, check them in the sandbox, keep, fine-tune.

    What passes is kept in a versioned dataset (codeling dataset), and the model is fine-tuned on it
    through the training skeleton. Ctrl+C saves; --resume continues."""
    from dataclasses import replace

    from codeling.improve.loop import improve, load_settings, saved_settings

    extra = ["restart=true"] * restart + ["control=true"] * control
    if resume and preset is None and config is None and not set_ and not extra:
        settings = saved_settings(out)  # a bare --resume continues with the run's own settings
    else:
        settings = load_settings(preset, config, [*set_, *extra, f"sandbox={sandbox}"])
    if rounds is not None:
        settings = replace(settings, rounds=rounds)
    settings = replace(settings, backend=backend, ray_address=address)
    with Bars() as bars:
        result = improve(settings, out, resume=resume, progress=bars.update, on_event=_events(bars))
    console.print(rounds_table(result.rounds))
    if result.stopped == "interrupted":
        console.print(f"interrupted; resume with: codeling improve --out {out} --resume (and the same options)")
    else:
        console.print(f"report: {out / 'report.json'}; datasets: codeling dataset list {out}")


def _events(bars: Bars):
    def on_event(event) -> None:
        if event.kind == "round":
            test = event.data["test"]
            line = f"round {event.step}: test pass@1 {test.get('pass@1', 0.0):.1%}"
            line += f", kept {event.data['kept']}, dataset {event.data['dataset_size']}"
            bars.print(line + f", tasks written {_tasks(event.data)}")
        else:
            bars(event)

    return on_event


def rounds_table(rounds: list[dict]) -> Table:
    table = Table(title="held-out pass@k by round")
    columns = ("round", "test pass@1", "test pass@10", "held-out family pass@1", "pass rate", "kept", "dataset")
    for column in (*columns, "tasks accepted/written", "kill rate"):
        table.add_column(column, justify="right")
    for row in rounds:
        rate = "-" if row["pass_rate"] is None else f"{row['pass_rate']:.1%}"
        table.add_row(
            str(row["step"]),
            _pct(row["test"], "pass@1"),
            _pct(row["test"], "pass@10"),
            _pct(row["heldout"], "pass@1"),
            rate,
            str(row["kept"]),
            str(row["dataset_size"]),
            _tasks(row),
            "-" if row.get("mutant_kill_rate") is None else f"{row['mutant_kill_rate']:.0%}",
        )
    return table


def _tasks(row: dict) -> str:
    """Accepted of written, '-' for a round that wrote none (round 0, write_tasks=0, older runs)."""
    return f"{row['tasks_accepted']}/{row['tasks_written']}" if row.get("tasks_written") else "-"


def _pct(scores: dict, key: str) -> str:
    return f"{scores[key]:.1%}" if key in scores else "-"
