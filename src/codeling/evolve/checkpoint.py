"""Population checkpoints, and the best member written out as an ordinary codeling checkpoint.

    RUN_DIR/population/step-000400/
      config.json          the shared Config
      evolve.json          the population settings
      population.safetensors  every parameter with its member dimension
      state.pt             Adam moments, step, generation, hyperparameters, RNG (weights_only=True)
      tokenizer.json
      manifest.json        sha256 of each file

Written through train/rundir.py like single-model checkpoints: a temporary directory renamed into
place, and resume takes the newest one whose files match their manifest.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from codeling.config import Config, validate
from codeling.evolve.population import Population
from codeling.tokenizers import Tokenizer
from codeling.train import checkpoint as ckpt
from codeling.train import rundir

WEIGHTS = "population.safetensors"
STATE = "state.pt"


def population_dir(run_dir: Path) -> Path:
    return Path(run_dir) / "population"


def save_population(
    run_dir: Path,
    population: Population,
    config: Config,
    settings,
    tokenizer: Tokenizer,
    state: dict,
    keep_last: int = 2,
) -> Path:
    target = population_dir(run_dir) / rundir.step_dir_name(state["step"])
    stacked = population.state_dict()
    with rundir.checked_directory(target, "codeling-population") as tmp:
        (tmp / "config.json").write_text(json.dumps(config.model_dump(), indent=2) + "\n")
        (tmp / "evolve.json").write_text(json.dumps(asdict(settings), indent=2) + "\n")
        save_file({k: v.contiguous() for k, v in stacked.pop("params").items()}, str(tmp / WEIGHTS))
        torch.save({**state, **stacked}, tmp / STATE)
        tokenizer.save(tmp / "tokenizer.json")
    rundir.prune(population_dir(run_dir), keep_last)
    return target


def latest_population(run_dir: Path) -> tuple[Path | None, list[tuple[Path, str]]]:
    """The newest population checkpoint whose files match their manifest, and those skipped (with why)."""
    return rundir.newest_valid(population_dir(run_dir))


def read_population(path: Path) -> tuple[Config, dict, dict]:
    """Config, settings (as a dict) and state (with the stacked params under "params") of a checkpoint."""
    config = validate(json.loads((path / "config.json").read_text()))
    settings = json.loads((path / "evolve.json").read_text())
    state = torch.load(path / STATE, map_location="cpu", weights_only=True)
    state["params"] = load_file(str(path / WEIGHTS))
    return config, settings, state


def save_member(
    target: Path, population: Population, member: int, config: Config, tokenizer: Tokenizer, extra: dict
) -> Path:
    """Member `member` as a checkpoint every verb reads (generate, info, eval, export, train --resume)."""
    model = population.member_model(member)
    state = {
        "step": extra["step"],
        "optimizer": population.member_optimizer_state(member, model, config.train),
        "scaler": torch.amp.GradScaler("cpu", enabled=False).state_dict(),
        "rng": ckpt.rng_state(),
        "data": {"seed": config.train.seed, "next_step": extra["step"]},
        **extra,
    }
    return ckpt.save_checkpoint(target, model, config, tokenizer, state)
