"""`codeling improve`: rounds of write tasks -> sample -> check in the sandbox -> keep -> fine-tune -> measure."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from codeling import rundir
from codeling.cli import options
from codeling.cli.progress import Bars, console

PRESET = typer.Option(
    None,
    "--preset",
    help="named improve settings: cpu (the 2-core easy-to-hard recipe, default), gpu (a larger model, "
    "more rounds), smoke (a minute, for a first look), suite (the task suite's levels instead of chains)",
)


def improve_cmd(
    out: Path = options.out(
        "run directory: rounds.json (settings), dataset.sqlite, base/, rounds/, rounds.jsonl, report.json"
    ),
    preset: str | None = PRESET,
    config: Path | None = typer.Option(None, "--config", help="YAML file of improve settings (see docs/IMPROVE.md)"),
    set_: list[str] = typer.Option(
        [], "--set", help="override an improve setting: name=value, e.g. rounds=5 or model.n_layer=4 (repeatable)"
    ),
    rounds: int | None = typer.Option(None, "--rounds", help="rounds after round 0 (the base model)"),
    restart: bool = typer.Option(False, "--restart", help="fine-tune from the base model each round, not the last"),
    control: bool = typer.Option(False, "--control", help="the control: the same steps on the seed set alone"),
    oracle: bool = typer.Option(False, "--oracle", help="the upper bound: the rounds' reference solutions instead"),
    update: str | None = typer.Option(
        None,
        "--update",
        help="how a round learns from its checked samples: sft (expert iteration: fine-tune on what passed, "
        "default) or grpo (the policy gradient on every sample, rewarded by its sandbox verdict)",
    ),
    sandbox: str | None = typer.Option(
        None, "--sandbox", help="sandbox mode: bwrap (default), or process (isolates nothing; see docs/SANDBOX.md)"
    ),
    backend: str | None = typer.Option(
        None, "--backend", help="local (default), or ray: sampling and checking fan out over Ray"
    ),
    address: str | None = typer.Option(None, "--address", help="a running Ray cluster (default: start a local one)"),
    resume: bool = typer.Option(False, "--resume", help="continue the run in --out where it stopped"),
):
    """Self-improvement rounds, easy to hard: the model solves tasks one difficulty step past what it
    was trained on, the sandbox checks its solutions, what passes is kept and trained on.

    What passes is kept in a versioned dataset (codeling dataset), and the model is fine-tuned on it
    through the training skeleton. Each round prints held-out pass@1 per difficulty and the frontier
    (the largest difficulty solved half the time). Ctrl+C saves; --resume continues."""
    from codeling.improve.loop import improve, saved_settings
    from codeling.improve.settings import load

    flags = [f"restart={restart}"] * restart + [f"control={control}"] * control + [f"oracle={oracle}"] * oracle
    flags += [f"sandbox={sandbox}"] * (sandbox is not None) + [f"update={update}"] * (update is not None)
    # What a resumed run may change: more rounds, and where the work runs.
    movable = [f"rounds={rounds}"] * (rounds is not None) + [f"backend={backend}"] * (backend is not None)
    movable += [f"ray_address={address}"] * (address is not None)
    if resume and preset is None and config is None and not set_ and not flags:
        saved = saved_settings(out).model_dump(mode="json")  # a bare --resume continues with the run's own
        settings = load(None, None, movable, base=saved)
    else:
        settings = load(preset, config, [*set_, *flags, *movable])
    with Bars(round_line) as bars:
        result = improve(settings, out, resume=resume, progress=bars)
    console.print(rounds_table(result.rounds))
    if any("chains_by_level" in row for row in result.rounds):
        console.print(difficulty_table(result.rounds))
    if result.stopped == "interrupted":
        console.print(f"interrupted; resume with: codeling improve --out {out} --resume (and the same options)")
        options.exit_interrupted()
    else:
        console.print(
            f"report: {out / rundir.REPORT}; plot: codeling plot {out}; datasets: codeling dataset list {out}"
        )


def round_line(r: int, row: dict) -> str:
    """What a user watches: the frontier moving right, round by round."""
    if "chains_by_level" in row:
        by_d = row["chains_by_level"]
        shown = " ".join(f"d{d}:{by_d[d]:.0%}" for d in sorted(by_d, key=int))
        where = f" (trained at d{row['difficulty']})" if "difficulty" in row else ""
        line = f"round {r}{where}: held-out pass@1 {shown}; frontier d{row['frontier']}"
    else:
        line = f"round {r}: test pass@1 {row['test'].get('pass@1', 0.0):.1%}"
    if "grpo" in row:
        g = row["grpo"]
        line += f"; mean reward {g['mean_reward']:.2f}, groups with signal {g['groups_with_signal']}/{g['groups']}"
    dropped = f" ({row['off_plan']} passing off their plan dropped)" if row.get("off_plan") else ""
    return line + f"; kept {row['kept']}{dropped}, dataset {row['dataset_size']}, tasks written {_tasks(row)}"


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


def difficulty_table(rounds: list[dict]) -> Table:
    """Held-out pass@1 per difficulty (columns) and round (rows): the chains' frontier."""
    difficulties = sorted({int(d) for row in rounds for d in row.get("chains_by_level", {})})
    table = Table(title="held-out pass@1 by difficulty (chains, greedy)")
    for column in ("round", "trained at", *(f"d{d}" for d in difficulties), "frontier"):
        table.add_column(column, justify="right")
    for row in rounds:
        by_d = row.get("chains_by_level", {})
        cells = [f"{by_d[str(d)]:.0%}" if str(d) in by_d else "-" for d in difficulties]
        trained = f"d{row['difficulty']}" if "difficulty" in row else "seed"
        table.add_row(str(row["step"]), trained, *cells, f"d{row.get('frontier', 0)}")
    return table


def _tasks(row: dict) -> str:
    """Accepted of written, '-' for a round that wrote none (round 0, write_tasks=0, older runs)."""
    return f"{row['tasks_accepted']}/{row['tasks_written']}" if row.get("tasks_written") else "-"


def _pct(scores: dict, key: str) -> str:
    return f"{scores[key]:.1%}" if key in scores else "-"
