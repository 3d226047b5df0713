"""`codeling drive`: the course's self-driving car. train, watch, eval, sweep."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from codeling.cli import options
from codeling.cli.progress import Bars, console
from codeling.errors import CodelingError

app = typer.Typer(help="A self-driving car on a city map (DQN): train, watch, eval, sweep.", no_args_is_help=True)

MAP = typer.Option(None, "--map", help="map image (PNG/JPEG: dark road on light ground); default the shipped city map")
TARGETS = typer.Option(None, "--targets", help="at least three targets visited in order: 'x,y;x,y;x,y' (px, y down)")
PRESET = typer.Option(None, "--preset", help="original (map.py's numbers, the default) or course (the course's copy)")


class DriveBars(Bars):
    """The training bar, with lines that speak of cars and targets."""

    def start_line(self, event) -> str:
        return f"driving {event.data['cars']} cars at once, from step {event.step}"

    def step_status(self, d: dict) -> str:
        return (
            f"reward {d['reward']:+.3f}  targets/1k {d['targets_per_1000']:.1f}  road {d['road_share']:.0%}  "
            f"walls {d['wall_hits']}  entropy {d['entropy']:.2f}"
        )


def _map_overrides(map_: Path | None, targets: str | None) -> list[str]:
    """--map and --targets are shorthands for --set map=... and --set targets=[[x, y], ...]."""
    from codeling.rl.maps import parse_targets

    sets = []
    if map_ is not None:
        sets.append(f"map={json.dumps(str(map_.resolve()))}")
    if targets is not None:
        sets.append(f"targets={json.dumps([list(p) for p in parse_targets(targets)])}")
    return sets


def _world(map_: Path | None, targets: str | None, policy):
    """The world a verb drives on: the run's own unless --map/--targets say otherwise."""
    from codeling.rl.maps import load_world, parse_targets

    if map_ is None and targets is None:
        return None
    own = policy.settings
    points = parse_targets(targets) if targets is not None else (own.targets if map_ is None else None)
    return load_world(map_ if map_ is not None else own.map, points)


@app.command("train")
def train_cmd(
    out: Path = options.out("run folder: config.yaml, metrics.jsonl, tb/, checkpoints/, latest"),
    map_: Path | None = MAP,
    targets: str | None = TARGETS,
    preset: str | None = PRESET,
    config: Path | None = options.CONFIG,
    set_: list[str] = typer.Option([], "--set", help="override: key=value, e.g. dqn.tau=0.1 (repeatable)"),
    minutes: float = typer.Option(5.0, "--minutes", help="training time, counted over resumes"),
    seed: int | None = typer.Option(None, "--seed", help="shorthand for --set seed=S (default 0)"),
    resume: bool = options.RESUME,
):
    """Train the car's DQN; Ctrl+C saves, --resume continues."""
    from codeling.rl.maps import load_world
    from codeling.rl.settings import load_drive_settings

    if minutes <= 0:
        raise CodelingError("--minutes must be positive, e.g. --minutes 5.")
    overrides = [*set_, *_map_overrides(map_, targets), *([f"seed={seed}"] if seed is not None else [])]
    if not resume:  # a bad map or target is refused here, before torch is even imported
        settings = load_drive_settings(preset, config, overrides)
        load_world(settings.map, settings.targets)
    from codeling.rl.train import run_settings, train_car
    from codeling.train.skeleton import StopFlag

    if resume:
        settings = run_settings(out, preset, config, overrides)
    with StopFlag() as flag, DriveBars() as bars:
        result = train_car(
            settings, out, minutes=minutes, resume=resume, progress=bars, stop=lambda: flag.signal is not None
        )
    if result.stopped == "interrupted":
        console.print(f"interrupted at step {result.step}; resume with: codeling drive train --out {out} --resume")
        options.exit_interrupted()
    last = result.last
    console.print(
        f"trained {result.car_steps:,} car steps in {result.seconds / 60:.1f} min; saved {result.checkpoint}"
        + (
            f" (last window: {last['targets_per_1000']:.1f} targets/1k steps, road {last['road_share']:.0%})"
            if last
            else ""
        )
    )
    console.print(f"watch it: codeling drive watch {out} --out car.gif")


@app.command("watch")
def watch_cmd(
    run: Path = typer.Argument(..., help="a run folder of `codeling drive train` (or one checkpoint)"),
    out: Path = options.out("the animation: .gif"),
    map_: Path | None = MAP,
    targets: str | None = TARGETS,
    steps: int = typer.Option(600, "--steps", help="steps the car drives"),
    every: int = typer.Option(2, "--every", help="one frame every N steps"),
    seed: int = options.seed("the car's starting heading"),
):
    """An animation of the greedy car with its sensors and the targets."""
    from codeling.rl.draw import rollout_frames, save_gif
    from codeling.rl.rollout import greedy_rollout
    from codeling.rl.train import load_car, world_of

    if out.suffix.lower() != ".gif":
        raise CodelingError(f"--out {out} must end in .gif; the animation is written as a GIF.")
    if not 1 <= steps <= 100_000 or every < 1:
        raise CodelingError("--steps must be 1 to 100,000 and --every at least 1.")
    policy = load_car(run)
    world = _world(map_, targets, policy) or world_of(policy.settings)
    rollout = greedy_rollout(policy, world, steps, seed)
    save_gif(rollout_frames(world, rollout, every), out)
    order = " ".join(f"A{k + 1}" for _, k in rollout.reached) or "none"
    console.print(f"wrote {out}: {steps} steps, targets reached in order: {order}")


@app.command("eval")
def eval_cmd(
    run: Path = typer.Argument(..., help="a run folder of `codeling drive train` (or one checkpoint)"),
    map_: Path | None = MAP,
    targets: str | None = TARGETS,
    steps: int = typer.Option(1000, "--steps", help="steps each rollout drives"),
    seeds: int = typer.Option(3, "--seeds", help="rollouts, each from its own starting heading"),
    json_path: Path | None = options.json_out("the figures"),
):
    """The greedy car: targets per 1,000 steps, route efficiency, road share, wall hits, order."""
    from rich.table import Table

    from codeling import atomic
    from codeling.rl.rollout import evaluate_car
    from codeling.rl.train import load_car

    if not 1 <= steps <= 1_000_000 or not 1 <= seeds <= 1000:
        raise CodelingError("--steps must be 1 to 1,000,000 and --seeds 1 to 1,000.")
    policy = load_car(run)
    report = evaluate_car(policy, _world(map_, targets, policy), steps, seeds)
    table = Table(title=f"{report['map']}: the greedy car, {steps} steps a seed")
    for column in ("seed", "targets / 1k steps", "route efficiency", "road share", "wall hits", "order"):
        table.add_column(column, justify="right")
    for i, r in enumerate(report["seeds"]):
        order = " ".join(r["order"][:9]) + (" ..." if len(r["order"]) > 9 else "")
        row = (f"{r['targets_per_1000']:.1f}", f"{r['route_efficiency']:.2f}", f"{r['road_share']:.1%}")
        table.add_row(str(i), *row, str(r["wall_hits"]), order)
    console.print(table)
    if json_path is not None:
        atomic.write_text(json_path, json.dumps(report, indent=1) + "\n")
        console.print(f"wrote {json_path}")


@app.command("sweep")
def sweep_cmd(
    param: str = typer.Option(..., "--param", help="temperature (tau), gamma or boundary_signal"),
    values: str = typer.Option(..., "--values", help="comma-separated values, e.g. 0.001,0.01,0.1"),
    out: Path = options.out("sweep folder: one run per value and seed, sweep.json, sweep.png"),
    seeds: int = typer.Option(3, "--seeds", help="runs a value"),
    minutes: float = typer.Option(1.0, "--minutes", help="training time of each run"),
    steps: int | None = typer.Option(
        None, "--steps", help="train each run this many steps (of all cars) instead: the same work whatever the load"
    ),
    preset: str | None = PRESET,
    set_: list[str] = typer.Option([], "--set", help="override for every run: key=value (repeatable)"),
    map_: Path | None = MAP,
    targets: str | None = TARGETS,
):
    """Train at several values of one setting and plot the car's figures against the value."""
    from codeling.rl.sweep import sweep
    from codeling.train.skeleton import StopFlag

    try:
        numbers = [float(v) for v in values.split(",") if v.strip()]
    except ValueError:
        raise CodelingError(f"Cannot read --values {values!r}; give numbers separated by commas.") from None
    if not 1 <= seeds <= 100 or minutes <= 0 or (steps is not None and steps < 1):
        raise CodelingError("--seeds must be 1 to 100, and --minutes and --steps positive.")
    overrides = [*set_, *_map_overrides(map_, targets)]
    with StopFlag() as flag, Bars() as bars:
        summary = sweep(
            param,
            numbers,
            out,
            seeds,
            None if steps else minutes,
            steps,
            preset,
            overrides,
            progress=bars,
            stop=lambda: flag.signal is not None,
        )
    for policy, means in summary["mean"].items():
        for value, m in means.items():
            console.print(
                f"{param}={value} ({policy}): {m['targets_per_1000']:.1f} targets/1k steps, "
                f"route efficiency {m['route_efficiency']:.2f}, road {m['road_share']:.0%}, walls {m['wall_hits']:.1f}"
            )
    console.print(f"wrote {out / 'sweep.json'} and {out / 'sweep.png'}")
