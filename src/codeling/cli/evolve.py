"""`codeling evolve`: train a population of GPTs with PBT or clone-and-mutate, locally or on Ray."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from codeling.cli import options
from codeling.cli.progress import Bars, console
from codeling.errors import CodelingError


class EvolveBars(Bars):
    """Population events: the training bar, with lines that speak of members and generations."""

    def start_line(self, event) -> str:
        d = event.data
        return (
            f"evolving {d['population']} x {d['params'] / 1e6:.2f}M parameters ({d['mode']}) on {d['device']} "
            f"({d['precision']}), {d['tokens_per_step']:,} tokens a member a step, from step {event.step}"
        )

    def step_status(self, d: dict) -> str:
        losses = d["losses"]
        status = f"train loss {min(losses):.4f}..{max(losses):.4f}"
        return status + (f"  {d['tokens_per_s']:,.0f} tok/s" if "tokens_per_s" in d else "")

    def eval_line(self, event) -> str:
        d = event.data
        scores = d["scores"]
        best = min(range(len(scores)), key=lambda i: scores[i])
        copies = [f"{x.member}<-{x.parent}" for x in d["decisions"] if x.parent != x.member]
        return (
            f"generation {d['generation']} (step {event.step}): best val {scores[best]:.4f} (member {best}), "
            f"worst {max(scores):.4f}" + (f"; copied {', '.join(copies)}" if copies else "")
        )


def _members_table(result) -> Table:
    table = Table(title=f"population at step {result.step}")
    for column in ("member", "val loss", "lr", "weight decay", "warm-up", "grad clip"):
        table.add_column(column, justify="right")
    for i, (score, h) in enumerate(zip(result.scores, result.hypers)):
        style = "bold green" if i == result.best_member else None
        table.add_row(
            str(i),
            f"{score:.4f}",
            f"{h.lr:.2e}",
            f"{h.weight_decay:.3f}",
            str(h.warmup_steps),
            f"{h.grad_clip:.2f}",
            style=style,
        )
    return table


def _train_on_ray(cfg, settings, out: Path, resume: bool, address: str | None, gpus_per_trial: float, bars):
    """The population as Ray Tune trials, which restore themselves: --resume is not theirs to take."""
    from codeling.evolve.ray_backend import train_population_ray

    if resume:
        raise CodelingError("--resume is for the local backend; Ray Tune restores its own trials (see docs/EVOLVE.md).")
    return train_population_ray(cfg, settings, out, address=address, progress=bars, gpus_per_trial=gpus_per_trial)


def _print_result(result, out: Path) -> None:
    """The members' table, then how to resume an interrupted run or where the best member was saved."""
    console.print(_members_table(result))
    if result.stopped == "interrupted":
        console.print(f"{result.stopped} at step {result.step}; resume with: codeling evolve --out {out} --resume")
        options.exit_interrupted()
    else:
        console.print(
            f"best member {result.best_member}: val loss {result.best_val_loss:.4f}; saved as {result.best} "
            f"(try: codeling generate {result.best})"
        )


def evolve_cmd(
    data: Path | None = options.DATA,
    out: Path = options.out("run directory: metrics.jsonl, lineage.jsonl, population/, best/"),
    config: Path | None = options.CONFIG,
    preset: str | None = options.PRESET,
    set_: list[str] = options.SET,
    population: int | None = typer.Option(None, "--population", "-p", help="members (default 8)"),
    mode: str | None = typer.Option(
        None, "--mode", help="pbt (truncation selection), evolve (clone the best), none (independent)"
    ),
    max_steps: int | None = options.MAX_STEPS,
    generation_steps: int | None = typer.Option(
        None, "--generation-steps", help="steps between evolutions (default 100)"
    ),
    fraction: float | None = typer.Option(
        None, "--fraction", help="pbt: bottom fraction that copies the top (default 0.25)"
    ),
    noise_scale: float | None = typer.Option(
        None, "--noise-scale", help="evolve: std of weight noise on clones (default 1e-3)"
    ),
    mutate: bool | None = typer.Option(
        None, "--mutate/--no-mutate", help="evolve: also perturb the clones' hyperparameters"
    ),
    resume: bool = options.RESUME,
    backend: str = typer.Option(
        "local", "--backend", help="local (one vectorised population) or ray (Ray Tune trials)"
    ),
    ray_address: str | None = typer.Option(
        None, "--ray-address", help="ray backend: cluster to join (e.g. auto); default a local Ray"
    ),
    ray_gpus: float = typer.Option(
        0.0, "--ray-gpus-per-trial", help="ray backend: GPUs each member asks for (e.g. 0.25 packs 4 on a GPU)"
    ),
):
    """Train a population; every G steps the worse members copy (pbt) or become clones of (evolve) better ones."""
    if backend not in ("local", "ray"):
        raise CodelingError(f"Unknown --backend {backend!r}; choose local or ray.")
    from codeling.evolve.loop import load_evolve_settings

    given = {
        "population": population,
        "mode": mode,
        "generation_steps": generation_steps,
        "fraction": fraction,
        "noise_scale": noise_scale,
        "mutate": mutate,
    }
    # The population options are shorthands for --set evolve.KEY=VALUE, validated with the rest.
    shorthands = [f"evolve.{key}={value}" for key, value in given.items() if value is not None]
    overrides = [*options.overrides(set_, data, max_steps), *shorthands]
    resuming = resume and backend == "local"
    cfg, settings = load_evolve_settings(out, resuming, preset, config, overrides)
    with EvolveBars() as bars:
        if backend == "ray":
            result = _train_on_ray(cfg, settings, out, resume, ray_address, ray_gpus, bars)
        else:
            from codeling.evolve.loop import train_population

            result = train_population(cfg, settings, out, resume=resume, progress=bars)
    _print_result(result, out)
