"""The course's three questions as one experiment each: train the car at several values of one
setting, several seeds a value, and measure the greedy car (and, for the temperature, the car
driving by its softmax as the course's does) on its map. Writes DIR/sweep.json and DIR/sweep.png."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from codeling import atomic, rundir
from codeling.errors import CodelingError
from codeling.rl.rollout import evaluate_car
from codeling.rl.settings import load_drive_settings
from codeling.rl.train import load_car, train_car
from codeling.train.progress import Progress, Report

# The questions' names for the settings they vary. "temperature" is the true temperature tau
# (the course's T is 1/tau: reducing its T raises tau).
PARAMS = {"temperature": "dqn.tau", "gamma": "dqn.gamma", "boundary_signal": "car.boundary_signal"}
FIGURES = ("targets_per_1000", "route_efficiency", "road_share", "wall_hits")


def sweep(
    param: str,
    values: list[float],
    out: str | Path,
    seeds: int = 3,
    minutes: float | None = None,
    steps: int | None = None,
    preset: str | None = None,
    overrides: list[str] | None = None,
    eval_steps: int = 1000,
    progress: Report | None = None,
    stop=None,
) -> dict:
    """Train `seeds` cars for every value of `param` (temperature, gamma or boundary_signal) for
    `minutes` (or `steps`) each into out/PARAM-VALUE/seed-S, measure each (evaluate_car over 3
    starts of `eval_steps` steps), and return (and write to out/sweep.json, out/sweep.png) every
    run's figures and each value's mean. All settings are validated before anything is written."""
    if param not in PARAMS:
        raise CodelingError(f"Unknown sweep --param {param!r}; choose one of {', '.join(PARAMS)}.")
    if not values:
        raise CodelingError("Give the values to sweep, e.g. --values 0.001,0.01,0.1.")
    out = Path(out)
    runs = [
        (
            value,
            seed,
            load_drive_settings(preset, None, [*(overrides or []), f"{PARAMS[param]}={value}", f"seed={seed}"]),
        )
        for value in values
        for seed in range(seeds)
    ]
    rundir.refuse_occupied(out, "a sweep")
    report = progress or (lambda p: None)
    rows = []
    for i, (value, seed, settings) in enumerate(runs):
        report(Progress.count("sweep", i, len(runs), f"{param}={value:g} seed {seed}"))
        result = train_car(settings, out / f"{param}-{value:g}" / f"seed-{seed}", minutes, steps, stop=stop)
        if result.stopped == "interrupted":
            raise CodelingError(f"The sweep was interrupted in {result.run}; its finished runs are in {out}.")
        policy = load_car(result.run)
        row = {"value": value, "seed": seed, "trained_steps": result.step, "seconds": result.seconds}
        row["greedy"] = evaluate_car(policy, steps=eval_steps)["mean"]
        row["training"] = _training_figures(result.run)
        if param == "temperature":  # the course's car drives by its softmax: measure that too
            row["softmax"] = evaluate_car(policy, steps=eval_steps, tau=value)["mean"]
        rows.append(row)
    report(Progress.count("sweep", len(runs), len(runs)))
    summary = {
        "param": param,
        "setting": PARAMS[param],
        "values": values,
        "seeds": seeds,
        "minutes": minutes,
        "steps": steps,
        "settings": runs[0][2].model_dump(mode="json"),  # the first run's; the others differ in param and seed
        "runs": rows,
        "mean": {
            policy: {
                f"{v:g}": {k: float(np.mean([r[policy][k] for r in rows if r["value"] == v])) for k in FIGURES}
                for v in values
            }
            for policy in ("greedy", "softmax")
            if policy in rows[0]
        },
    }
    atomic.write_text(out / "sweep.json", json.dumps(summary, indent=1) + "\n")
    plot_sweep(summary, out / "sweep.png")
    return summary


def _training_figures(run: Path) -> dict:
    """What the cars did while they learned (metrics.jsonl): wall hits and road share, per 1,000 car steps."""
    rows = [r for r in rundir.read_jsonl(run / rundir.METRICS) if r.get("split") == "train"]
    car_steps = rows[-1]["car_steps"] if rows else 0
    walls = sum(r["wall_hits"] for r in rows)
    road = sum(r["road_share"] for r in rows) / len(rows) if rows else 0.0
    return {"car_steps": car_steps, "wall_hits_per_1000": 1000 * walls / max(car_steps, 1), "road_share": road}


def plot_sweep(summary: dict, path: Path) -> Path:
    """Targets per 1,000 steps, road share and wall hits against the value: each seed a dot, the mean a line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = summary["values"]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for ax, key, title in zip(
        axes,
        ("targets_per_1000", "road_share", "wall_hits"),
        ("targets reached / 1,000 steps", "share of steps on road", "wall hits / 1,000 steps"),
    ):
        for policy, colour in (("greedy", "tab:blue"), ("softmax", "tab:orange")):
            if policy not in summary["mean"]:
                continue
            runs = summary["runs"]
            ax.scatter([r["value"] for r in runs], [r[policy][key] for r in runs], color=colour, alpha=0.4, s=14)
            means = [summary["mean"][policy][f"{v:g}"][key] for v in values]
            label = "greedy car" if policy == "greedy" else "car driving by softmax(Q/tau)"
            ax.plot(values, means, "-o", color=colour, label=label)
        positive = [v for v in values if v > 0]
        if len(positive) == len(values) and max(values) / min(values) >= 20:
            ax.set_xscale("log")
        ax.set_xlabel(f"{summary['param']} ({summary['setting']})")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    budget = f"{summary['minutes']:g} min" if summary["minutes"] else f"{summary['steps']} steps"
    fig.suptitle(f"{summary['seeds']} seeds a value, {budget} of training each")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
