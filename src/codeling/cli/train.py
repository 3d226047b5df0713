"""`codeling train`: train one GPT from a preset or config on a data directory."""

from __future__ import annotations

from pathlib import Path

from codeling.cli import options
from codeling.cli.progress import Bars, console


def run_training(config, out: Path, resume: bool):
    """Train with a progress view; used by `train` and by recipes such as the demo."""
    from codeling.train.trainer import train

    with Bars() as bars:
        return train(config, out, resume=resume, progress=bars)


def train_cmd(
    data: Path | None = options.DATA,
    out: Path = options.out("run directory: checkpoints, metrics.jsonl, tb/, loss.png"),
    config: Path | None = options.CONFIG,
    preset: str | None = options.PRESET,
    set_: list[str] = options.SET,
    max_steps: int | None = options.MAX_STEPS,
    resume: bool = options.RESUME,
):
    """Train a GPT. Ctrl+C (or SIGTERM) finishes the step, saves, and exits; --resume continues."""
    from codeling.train.distributed import from_env
    from codeling.train.skeleton import run_config

    cfg = run_config(out, resume, preset, config, options.overrides(set_, data, max_steps))
    result = run_training(cfg, out, resume)
    if not from_env().is_main:
        return  # under torchrun, rank 0 speaks for the job
    val = (
        f"{result.best_val_loss:.4f} at step {result.best_step}" if result.best_val_loss is not None else "not measured"
    )
    console.print(f"{result.stopped} at step {result.step}; best val loss {val}; checkpoint {result.checkpoint}")
    if result.stopped == "interrupted":
        console.print(f"resume with: codeling train --out {out} --resume")
        options.exit_interrupted()
