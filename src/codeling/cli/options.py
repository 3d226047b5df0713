"""Options several verbs share, spelled and explained once.

A verb takes an option here as a parameter default (`preset: Optional[str] = options.PRESET`), so the
same idea has the same name and help text everywhere. An old spelling stays accepted through a
hidden option (`alias`) and `pick`, so scripts written against it keep working without the help
advertising two names for one thing.
"""

from __future__ import annotations

from typing import Any

import typer

from codeling.config import PRESETS


def preset(default: str | None = None, note: str = "") -> Any:
    """--preset; its help lists config.PRESETS, so a new preset shows up in every verb."""
    return typer.Option(default, "--preset", help=f"a named model and training setup: {', '.join(PRESETS)}{note}")


PRESET = preset()
CONFIG = typer.Option(None, "--config", help="YAML config file")
SET = typer.Option([], "--set", help="override: section.key=value, e.g. train.lr=3e-4 (repeatable)")
DATA = typer.Option(None, "--data", help="data directory (train.bin, val.bin, manifest.json)")
RESUME = typer.Option(False, "--resume", help="continue the run in --out from its newest valid checkpoint")
MAX_STEPS = typer.Option(None, "--max-steps", help="shorthand for --set train.max_steps=N")


def seed(help: str = "the same seed and inputs give the same result") -> Any:
    return typer.Option(0, "--seed", help=help)


SEED = seed()
OVERWRITE = typer.Option(False, "--overwrite", help="replace what already exists at --out")


def out(help: str, default: Any = ...) -> Any:
    """--out, whose help says what this verb writes there."""
    return typer.Option(default, "--out", help=help)


def json_out(what: str) -> Any:
    """--json FILE: what the verb printed, also written as JSON."""
    return typer.Option(None, "--json", help=f"also write {what} as JSON here")


# The exit status of a loop stopped by Ctrl+C or SIGTERM (train, evolve, improve): it saved, and
# --resume continues. 130 as for Ctrl+C anywhere else, so a script or scheduler can tell a stopped
# run from a finished one (0) and from a refusal (2).
INTERRUPTED = 130


def exit_interrupted() -> None:
    raise typer.Exit(INTERRUPTED)


# One default everywhere: the GPU where there is one (train.device's `auto`, resolved by
# train/distributed.py:pick_device like the trainer's), so no verb quietly decodes on the CPU.
DEVICE = typer.Option("auto", "--device", help="auto (cuda where available, else cpu), cpu, cuda, cuda:1, ...")


def device(name: str):
    """The torch device --device names; a CUDA device where none exists is one sentence."""
    from codeling.train.distributed import pick_device

    return pick_device(name)


# Sampling: each verb keeps its own defaults (a completion is longer than a TinyPy answer), one spelling.
def max_new_tokens(default: int) -> Any:
    return typer.Option(default, "--max-new-tokens", help="longest completion, in tokens")


def temperature(default: float) -> Any:
    return typer.Option(default, "--temperature", help="sampling temperature (0: greedy)")


def top_k(default: int | None = None) -> Any:
    return typer.Option(default, "--top-k", help="sample only from the k likeliest tokens")


def top_p(default: float | None = None) -> Any:
    return typer.Option(default, "--top-p", help="nucleus sampling: the likeliest tokens holding this much probability")


def batch_size(default: int, what: str) -> Any:
    return typer.Option(default, "--batch-size", help=f"{what} decoded together")


def val_fraction(default: float, what: str) -> Any:
    return typer.Option(default, "--val-fraction", help=f"fraction of the {what} kept for validation")


def levels(default: str = "ALL") -> Any:
    return typer.Option(default, "--levels", help="TinyPy levels: 1.1 1.2 2.1 2.2 3.1 3.2 4.1, a comma list, or ALL")


def sandbox(default: str = "bwrap") -> Any:
    return typer.Option(
        default, "--sandbox", help="sandbox mode: bwrap, or process (isolates nothing; see docs/SANDBOX.md)"
    )


GRAMMAR = typer.Option(
    "levels", "--grammar", help="levels (the 2024 levels) or codetracing (the 2025 challenge's random programs)"
)
TRACE = typer.Option(False, "--trace", help="learn the whole execution trace (#STEP), not just the output")


def alias(old: str) -> Any:
    """An old spelling of an option, hidden from --help; combine it with the new one by `pick`."""
    return typer.Option(None, old, hidden=True)


def pick(value: Any, old_value: Any) -> Any:
    """The value given under the old spelling, if it was used; else the new option's."""
    return value if old_value is None else old_value


def overrides(set_: list[str], data=None, max_steps: int | None = None) -> list[str]:
    """--set overrides plus the shorthands --data and --max-steps, in that order."""
    extra = [f"data.dir={data}"] if data is not None else []
    return [*set_, *extra, *([f"train.max_steps={max_steps}"] if max_steps is not None else [])]
