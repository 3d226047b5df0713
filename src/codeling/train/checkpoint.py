"""Checkpoints: a directory anyone can inspect, written so that a crash never costs the previous one.

    step-000500/
      config.json          the whole Config (model, data, training, ...)
      model.safetensors    weights, loadable without pickle
      tokenizer.json       the tokenizer the model was trained with
      trainer_state.pt     optimizer, grad scaler, step, RNG states (loads with weights_only=True)
      manifest.json        sha256 of every file above

The directory is written under a temporary name, fsynced and renamed into place; `latest` and
`best` in the run directory are symlinks, swapped atomically. A checkpoint whose files do not match
its manifest is skipped in favour of the one before it.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_model, save_model

from codeling import files, rundir
from codeling.config import Config, validate
from codeling.errors import CodelingError
from codeling.model import GPT
from codeling.tokenizers import Tokenizer, load_tokenizer

WEIGHTS = "model.safetensors"
STATE = "trainer_state.pt"


def rng_state() -> dict:
    """Every random generator the run draws from, in a form torch.load(weights_only=True) accepts."""
    np_state = np.random.get_state()
    state = {
        "python": random.getstate(),
        "numpy": [np_state[0], np_state[1].tolist(), *np_state[2:]],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    version, keys, *rest = state["python"]
    random.setstate((version, tuple(keys), *rest))
    name, keys, *rest = state["numpy"]
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), *rest))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(
    target: Path,
    model: torch.nn.Module,
    config: Config,
    tokenizer: Tokenizer,
    trainer_state: dict | None = None,
) -> Path:
    """Write one checkpoint directory at `target` atomically and return its path."""
    target = Path(target)
    with rundir.checked_directory(target, "codeling-checkpoint") as tmp:
        (tmp / rundir.CONFIG_JSON).write_text(json.dumps(config.model_dump(), indent=2) + "\n")
        save_model(model, str(tmp / WEIGHTS))
        tokenizer.save(tmp / rundir.TOKENIZER)
        if trainer_state is not None:
            torch.save(trainer_state, tmp / STATE)
    return target


def latest_valid(run_dir: Path) -> tuple[Path | None, list[tuple[Path, str]]]:
    """The newest checkpoint whose files match its manifest, and the newer ones skipped (with why)."""
    return rundir.newest_valid(Path(run_dir) / rundir.CHECKPOINTS)


def resolve(path: str | Path) -> Path:
    """Accept a checkpoint directory, or a run directory (its `best`, else its newest valid one)."""
    path = Path(path)
    if not path.exists():
        raise CodelingError(f"{path} does not exist; pass a checkpoint directory or a run directory.")
    if (path / WEIGHTS).is_file():
        return path
    # A pointer whose checkpoint is damaged is passed over for the newest one that is whole.
    for name in (rundir.BEST, rundir.LATEST):
        if (path / name / WEIGHTS).is_file() and rundir.verify(path / name) is None:
            return (path / name).resolve()
    found, _ = latest_valid(path)
    if found is None:
        raise CodelingError(f"{path} holds no checkpoint (no {WEIGHTS}); pass a checkpoint or run directory.")
    return found


@dataclass
class Loaded:
    path: Path
    model: GPT
    config: Config
    tokenizer: Tokenizer
    trainer_state: dict | None


REQUIRED = (rundir.CONFIG_JSON, WEIGHTS, rundir.TOKENIZER)  # what a checkpoint's manifest must list


def load_checkpoint(path: str | Path, device: str | torch.device = "cpu", with_state: bool = False) -> Loaded:
    path = resolve(path)
    problem = rundir.verify(path) or _unlisted(path)
    if problem is not None:
        raise CodelingError(f"Checkpoint {path} is damaged ({problem}); use an earlier checkpoint.")
    config = validate(
        files.read_json(path / rundir.CONFIG_JSON, files.MB, "checkpoint config"), what="checkpoint config.json"
    )
    # The manifest proves the files are the ones written, not that they fit together: weights cut
    # short, random bytes or a config.json edited since all fail here, in torch or safetensors.
    try:
        tokenizer = load_tokenizer(path / rundir.TOKENIZER)
        model = GPT(config.model)
        load_model(model, str(path / WEIGHTS), device=str(device))
        model.to(device)
        state = None
        if with_state and (path / STATE).is_file():
            state = torch.load(path / STATE, map_location="cpu", weights_only=True)
    except CodelingError:
        raise
    except Exception as e:
        reason = (str(e).splitlines() or [type(e).__name__])[0][:160]
        raise CodelingError(
            f"Checkpoint {path} cannot be loaded: its files do not fit together ({reason}); use an earlier checkpoint."
        ) from None
    return Loaded(path, model, config, tokenizer, state)


def _unlisted(path: Path) -> str | None:
    listed = rundir.read_manifest(path)
    missing = [name for name in REQUIRED if name not in listed]
    return f"its manifest does not list {', '.join(missing)}" if missing else None
