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
import os
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_model, save_model

from codeling import atomic
from codeling.config import Config, validate
from codeling.digest import sha256_file
from codeling.errors import CodelingError
from codeling.model import GPT
from codeling.tokenizers import Tokenizer, load_tokenizer

WEIGHTS = "model.safetensors"
STATE = "trainer_state.pt"
FILES = ("config.json", WEIGHTS, "tokenizer.json")


def step_dir_name(step: int) -> str:
    return f"step-{step:06d}"


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
    with atomic.atomic_directory(target, overwrite=True) as tmp:
        (tmp / "config.json").write_text(json.dumps(config.model_dump(), indent=2) + "\n")
        save_model(model, str(tmp / WEIGHTS))
        tokenizer.save(tmp / "tokenizer.json")
        names = list(FILES)
        if trainer_state is not None:
            torch.save(trainer_state, tmp / STATE)
            names.append(STATE)
        manifest = {"format": "codeling-checkpoint", "version": 1, "sha256": {n: sha256_file(tmp / n) for n in names}}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return target


def verify(path: Path) -> str | None:
    """None if the checkpoint's files match its manifest, else what is wrong."""
    manifest_path = path / "manifest.json"
    if not manifest_path.is_file():
        return "no manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text())
    except json.JSONDecodeError:
        return "manifest.json is not valid JSON"
    for name, digest in manifest.get("sha256", {}).items():
        if not (path / name).is_file():
            return f"{name} is missing"
        if sha256_file(path / name) != digest:
            return f"{name} does not match its sha256 in the manifest"
    return None


def point(run_dir: Path, name: str, checkpoint: Path) -> None:
    """Make run_dir/name a symlink to checkpoint, replacing any old one atomically."""
    link = run_dir / name
    tmp = run_dir / f".{name}.tmp-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(os.path.relpath(checkpoint, run_dir))
    os.replace(tmp, link)
    atomic.fsync_dir(run_dir)


def list_checkpoints(run_dir: Path) -> list[Path]:
    """Checkpoint directories of a run, oldest first."""
    folder = Path(run_dir) / "checkpoints"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and p.name.startswith("step-"))


def latest_valid(run_dir: Path) -> tuple[Path | None, list[tuple[Path, str]]]:
    """The newest checkpoint whose files match its manifest, and the newer ones skipped (with why)."""
    skipped = []
    for path in reversed(list_checkpoints(run_dir)):
        problem = verify(path)
        if problem is None:
            return path, skipped
        skipped.append((path, problem))
    return None, skipped


def prune(run_dir: Path, keep_last: int) -> None:
    """Delete all but the newest keep_last checkpoints, never the one `best` points to."""
    best = (run_dir / "best").resolve() if (run_dir / "best").is_symlink() else None
    for path in list_checkpoints(run_dir)[:-keep_last]:
        if best is None or path.resolve() != best:
            shutil.rmtree(path, ignore_errors=True)


def resolve(path: str | Path) -> Path:
    """Accept a checkpoint directory, or a run directory (its `best`, else its newest valid one)."""
    path = Path(path)
    if not path.exists():
        raise CodelingError(f"{path} does not exist; pass a checkpoint directory or a run directory.")
    if (path / WEIGHTS).is_file():
        return path
    for name in ("best", "latest"):
        if (path / name / WEIGHTS).is_file():
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


def load_checkpoint(path: str | Path, device: str | torch.device = "cpu", with_state: bool = False) -> Loaded:
    path = resolve(path)
    problem = verify(path)
    if problem is not None:
        raise CodelingError(f"Checkpoint {path} is damaged ({problem}); use an earlier checkpoint.")
    config = validate(json.loads((path / "config.json").read_text()))
    tokenizer = load_tokenizer(path / "tokenizer.json")
    model = GPT(config.model)
    load_model(model, str(path / WEIGHTS), device=str(device))
    model.to(device)
    state = None
    if with_state and (path / STATE).is_file():
        state = torch.load(path / STATE, map_location="cpu", weights_only=True)
    return Loaded(path, model, config, tokenizer, state)
