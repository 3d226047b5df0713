"""Population checkpoints, and the best member written out as an ordinary codeling checkpoint.

    RUN_DIR/population/step-000400/
      config.json          the shared Config
      evolve.json          the population settings
      population.safetensors  every parameter with its member dimension
      state.pt             Adam moments, step, generation, hyperparameters, RNG (weights_only=True)
      tokenizer.json
      manifest.json        sha256 of each file

Written through rundir.py like single-model checkpoints: a temporary directory renamed into
place, and resume takes the newest one whose files match their manifest.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from codeling import rundir
from codeling.config import Config, validate
from codeling.evolve.population import Population
from codeling.tokenizers import Tokenizer
from codeling.train import checkpoint as ckpt

WEIGHTS = "population.safetensors"
STATE = "state.pt"
SETTINGS = "evolve.json"  # the population settings, in each checkpoint and in the run directory


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
        (tmp / rundir.CONFIG_JSON).write_text(json.dumps(config.model_dump(), indent=2) + "\n")
        (tmp / SETTINGS).write_text(json.dumps(settings.model_dump(), indent=2) + "\n")
        save_file({k: v.contiguous() for k, v in stacked.pop("params").items()}, str(tmp / WEIGHTS))
        torch.save({**state, **stacked}, tmp / STATE)
        tokenizer.save(tmp / rundir.TOKENIZER)
    rundir.prune(population_dir(run_dir), keep_last)
    return target


def read_population(path: Path, with_state: bool = True) -> tuple[Config, dict, dict | None]:
    """Config, settings (as a dict) and state (with the stacked params under "params"; None unless
    `with_state`) of a checkpoint."""
    config = validate(json.loads((path / rundir.CONFIG_JSON).read_text()))
    settings = json.loads((path / SETTINGS).read_text())
    if not with_state:
        return config, settings, None
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
