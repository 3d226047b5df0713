"""The population loop: train P members together, and every G steps evaluate them and evolve.

Files in the run directory:
  metrics.jsonl   one row per member per logged step: step, split, loss, lr, tokens, time, member
  lineage.jsonl   one row per member per generation: generation, step, member, parent, action,
                  hyperparameters, score (the val loss that decided; null for generation 0)
  population/     population checkpoints (see evolve/checkpoint.py), one per generation
  best/           the member with the lowest final val loss, as an ordinary codeling checkpoint

Determinism: member i's initial weights and batches come from seed train.seed + i, the val batches
from train.seed, and every evolution choice from (train.seed, generation); so the same seed gives the
same run, and a resumed run continues exactly as the uninterrupted one (tests/evolve checks both).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from pydantic import BaseModel, ConfigDict, Field, field_validator

from codeling import atomic, rundir
from codeling.config import PRESETS, Config, LogConfig, TrainConfig, load_settings
from codeling.data.batches import BatchSampler
from codeling.errors import CodelingError
from codeling.evolve import checkpoint as pckpt
from codeling.evolve.pbt import Hyper, Range, default_space, generation_rng, initial_hypers, ranking, select
from codeling.evolve.population import Population
from codeling.rundir import JsonlLog, read_jsonl
from codeling.tokenizers import load_tokenizer
from codeling.train import checkpoint as ckpt
from codeling.train import skeleton
from codeling.train.distributed import World, pick_device
from codeling.train.metrics import MetricsLog
from codeling.train.progress import Progress, Report
from codeling.train.schedule import learning_rate
from codeling.train.skeleton import BatchSplit, RunData, StopFlag


class EvolveSettings(BaseModel):
    """How the population evolves: the `evolve` section of an evolve run's settings."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    population: int = Field(8, ge=1)
    mode: str = "pbt"  # pbt, evolve or none (see evolve/pbt.py)
    generation_steps: int = Field(100, ge=1)
    # pbt: the bottom fraction copies the top fraction; at most a half, so top and bottom never overlap.
    fraction: float = Field(0.25, gt=0, le=0.5)
    resample_probability: float = Field(0.25, ge=0, le=1)  # explore: chance a hyperparameter is redrawn, not scaled
    noise_scale: float = Field(1e-3, ge=0)  # evolve: std of the Gaussian noise added to a clone's weights
    mutate: bool = True  # evolve: explore the clones' hyperparameters too

    @field_validator("mode")
    @classmethod
    def _known_mode(cls, mode: str) -> str:
        if mode not in ("pbt", "evolve", "none"):
            raise ValueError(f"Unknown mode {mode!r}; choose pbt, evolve or none")
        return mode


class EvolveConfig(Config):
    """An evolve run's whole settings: the trainer's Config every member shares, and how they evolve.
    `--preset` names a trainer preset, since a population is that model N times."""

    evolve: EvolveSettings = EvolveSettings()

    def split(self) -> tuple[Config, EvolveSettings]:
        return Config.model_validate(self.model_dump(exclude={"evolve"})), self.evolve


def load_evolve_settings(
    run_dir: Path, resume: bool, preset: str | None, path: Path | None, overrides: list[str]
) -> tuple[Config, EvolveSettings]:
    """A fresh run's settings: preset, YAML, `--set` (as `codeling train`'s, plus `evolve.*`). A resumed
    run continues with its own evolve settings, and with its own Config when no preset or file is
    given; what the command line sets wins."""
    base: dict = {}
    if resume:
        found = skeleton.resume_or_refuse(pckpt.population_dir(run_dir), run_dir, True, skeleton.ignore)
        _, base["evolve"], _ = pckpt.read_population(found, with_state=False)
        if path is None and preset is None:
            base.update(json.loads((found / rundir.CONFIG_JSON).read_text()))
    loaded = load_settings(EvolveConfig, PRESETS, preset, path, overrides, base)
    return loaded.split()


@dataclass
class EvolveResult:
    run_dir: Path
    step: int
    generation: int
    stopped: str  # "finished" or "interrupted"
    scores: list[float]  # the last val loss of every member
    hypers: list[Hyper]
    best_member: int
    best_val_loss: float
    best: Path | None  # RUN_DIR/best, written when the run finished
    seconds: float
    lineage: list[dict] = field(default_factory=list)


@dataclass
class PopulationState:
    """A population run between steps, handed to each piece of the loop explicitly."""

    config: Config  # completed from the data (skeleton.prepare_data); the caller's stays as it was
    settings: EvolveSettings
    run_dir: Path
    data: RunData
    population: Population
    hypers: list[Hyper]
    space: dict[str, Range]
    autocast: object
    split: BatchSplit
    batches: list[BatchSampler]  # member i draws from seed train.seed + i
    val_batches: list[tuple[torch.Tensor, torch.Tensor]]
    log: MetricsLog
    lineage: JsonlLog
    clock: Callable[[], float]
    step: int = 0
    generation: int = 0
    scores: list[float] = field(default_factory=list)
    seconds_before: float = 0.0
    started: float = 0.0

    def seconds(self) -> float:
        return self.seconds_before + self.clock() - self.started

    def member_train_configs(self) -> list[TrainConfig]:
        return [h.apply(self.config.train, seed) for h, seed in zip(self.hypers, self.population.seeds)]

    def tokens_per_step(self) -> int:
        return self.split.micro_batch * self.split.local_accum * self.batches[0].block_size


def train_population(
    config: Config,
    settings: EvolveSettings,
    run_dir: str | Path,
    resume: bool = False,
    progress: Report | None = None,
    space: dict[str, Range] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> EvolveResult:
    """Train a population; events: start, step (losses per member), eval (scores, decisions), checkpoint, end."""
    report = progress or skeleton.ignore
    state = start_population(config, settings, Path(run_dir), resume, report, space, clock)
    stopped = "finished"
    with StopFlag() as stop:
        while state.step < state.config.train.max_steps:
            population_step(state, report)
            if state.step % settings.generation_steps == 0 or state.step == state.config.train.max_steps:
                end_generation(state, report)
            if stop.signal is not None and state.step < state.config.train.max_steps:
                stopped = "interrupted"
                if state.step % settings.generation_steps:  # a generation boundary has just saved
                    save(state, report)
                break
    return finish(state, stopped, report)


def refuse_unsupported(config: Config, settings: EvolveSettings) -> None:
    if config.train.optimizer != "adamw":
        raise CodelingError(
            f"A population trains with AdamW (its members share one batched AdamW step); "
            f"drop train.optimizer={config.train.optimizer}."
        )
    if config.data.curriculum:
        raise CodelingError(
            "A population trains on data.dir alone (no curriculum yet); drop data.curriculum and data.curriculum_steps."
        )


def start_population(
    config: Config,
    settings: EvolveSettings,
    run_dir: Path,
    resume: bool,
    report: Report,
    space: dict[str, Range] | None,
    clock: Callable[[], float],
) -> PopulationState:
    """Prepare the data, build (or restore) the population, and open the run directory."""
    refuse_unsupported(config, settings)
    data = skeleton.prepare_data(config)
    tcfg = data.config.train
    occupied = (run_dir / rundir.LINEAGE).exists()
    found = skeleton.resume_or_refuse(pckpt.population_dir(run_dir), run_dir, resume, report, occupied=occupied)
    device = pick_device(tcfg.device, World())
    autocast, needs_scaler, precision = skeleton.precision_context(tcfg.precision, device)
    if needs_scaler:
        raise CodelingError(
            "Populations train in fp32 or bf16, not fp16 (no per-member loss scaling); "
            "set train.precision=bf16 or fp32."
        )
    population = Population(data.config.model, [tcfg.seed + i for i in range(settings.population)], device)
    space = space or default_space(tcfg)
    if found is None:
        hypers = initial_hypers(Hyper.of(tcfg), space, settings.population, tcfg.seed)
        saved = {"hypers": hypers, "step": 0, "generation": 0, "scores": [math.nan] * settings.population}
    else:
        saved = restore(found, population, settings, data)
    state = open_population_run(data, settings, run_dir, population, saved, space, autocast, found is not None, clock)
    if found is None:
        for member, hyper in enumerate(state.hypers):
            state.lineage.write(lineage_row(0, 0, member, None, "init", hyper, None))
    facts = {"population": settings.population, "mode": settings.mode, "device": str(device), "precision": precision}
    size = {"params": population.template.num_params(), "tokens_per_step": state.tokens_per_step()}
    report(Progress("start", state.step, {"max_steps": tcfg.max_steps, **facts, **size}))
    return state


def open_population_run(
    data: RunData,
    settings: EvolveSettings,
    run_dir: Path,
    population: Population,
    saved: dict,
    space: dict[str, Range],
    autocast,
    resumed: bool,
    clock: Callable[[], float],
) -> PopulationState:
    """The run's state with its samplers and logs: metrics.jsonl and lineage.jsonl kept up to the
    resumed step, config.yaml and evolve.json written."""
    config = data.config
    block, seed = config.model.block_size, config.train.seed
    split = skeleton.split_batch(config, World())
    val = BatchSampler(data.shards.split("val"), block, seed)
    resume_step = saved["step"] if resumed else None
    log_config = LogConfig(every_steps=config.log.every_steps, tensorboard=False)
    state = PopulationState(
        config=config,
        settings=settings,
        run_dir=run_dir,
        data=data,
        population=population,
        hypers=saved["hypers"],
        space=space,
        autocast=autocast,
        split=split,
        batches=[BatchSampler(data.shards.split("train"), block, s) for s in population.seeds],
        val_batches=[val.batch(val.offsets(k, split.micro_batch, stream=1)) for k in range(config.train.eval_batches)],
        log=skeleton.open_run_dir(run_dir, config, resume_step, log_config),
        lineage=JsonlLog(run_dir / rundir.LINEAGE, resume_step),
        clock=clock,
        step=saved["step"],
        generation=saved["generation"],
        scores=saved["scores"],
        seconds_before=saved.get("seconds", 0.0),
        started=clock(),
    )
    atomic.write_text(run_dir / pckpt.SETTINGS, json.dumps(settings.model_dump(), indent=2) + "\n")
    return state


def lineage_row(generation: int, step: int, member: int, parent: int | None, action: str, hyper: Hyper, score):
    return {
        "generation": generation,
        "step": step,
        "member": member,
        "parent": parent,
        "action": action,
        "hyper": asdict(hyper),
        "score": score,
    }


def restore(found: Path, population: Population, settings: EvolveSettings, data: RunData) -> dict:
    """Load a population checkpoint into `population`; return its state (hypers as Hyper)."""
    _, saved_settings, saved = pckpt.read_population(found)
    if saved_settings["population"] != settings.population:
        raise CodelingError(
            f"{found} holds a population of {saved_settings['population']}, not "
            f"{settings.population}; resume with --population {saved_settings['population']}."
        )
    data.shards.check_tokenizer(load_tokenizer(found / rundir.TOKENIZER).identity())
    population.load_state_dict(saved)
    ckpt.set_rng_state(saved["rng"])
    return {**saved, "hypers": [Hyper(**h) for h in saved["hypers"]], "scores": list(saved["scores"])}


def population_step(state: PopulationState, report: Report) -> None:
    """One batched AdamW step of every member, each on its own batch, learning rate and clipping."""
    began, tcfg, split = state.clock(), state.config.train, state.split
    cfgs = state.member_train_configs()
    lrs = torch.tensor([learning_rate(state.step, c) for c in cfgs], dtype=torch.float64)
    losses = torch.zeros(state.population.size)
    global_batch = split.micro_batch * split.local_accum
    for m in range(split.local_accum):
        rows = slice(m * split.micro_batch, (m + 1) * split.micro_batch)
        xs, ys = zip(*(s.batch(s.offsets(state.step, global_batch)[rows]) for s in state.batches))
        losses += (
            state.population.forward_backward(torch.stack(xs), torch.stack(ys), 1.0 / split.local_accum, state.autocast)
            .float()
            .cpu()
            / split.local_accum
        )
    if not torch.isfinite(losses).any():
        state.log.close()
        state.lineage.close()
        raise CodelingError(
            f"Every member's training loss became non-finite at step {state.step + 1}; lower train.lr "
            "or raise train.warmup_steps, then --resume from the last population checkpoint."
        )
    norms = state.population.clip_grads(torch.tensor([c.grad_clip if c.grad_clip > 0 else math.inf for c in cfgs]))
    state.population.adamw_step(
        lrs, torch.tensor([c.weight_decay for c in cfgs], dtype=torch.float64), tcfg.beta1, tcfg.beta2
    )
    state.step += 1
    if state.step % state.config.log.every_steps == 0 or state.step == tcfg.max_steps:
        for i in range(state.population.size):
            state.log.log(
                {
                    "step": state.step,
                    "split": "train",
                    "loss": float(losses[i]),
                    "lr": float(lrs[i]),
                    "tokens": state.step * state.tokens_per_step(),
                    "time": state.seconds(),
                    "member": i,
                    "grad_norm": float(norms[i]),
                }
            )
    report(
        Progress(
            "step",
            state.step,
            {
                "losses": losses.tolist(),
                "lrs": lrs.tolist(),
                "tokens_per_s": state.population.size * state.tokens_per_step() / (state.clock() - began),
            },
        )
    )


def end_generation(state: PopulationState, report: Report) -> None:
    """Score every member on the same val batches, then select, clone and mutate, record, save."""
    tcfg, settings = state.config.train, state.settings
    lrs = [learning_rate(state.step - 1, c) for c in state.member_train_configs()]
    state.scores = state.population.val_losses(state.val_batches, state.autocast).tolist()
    for i, score in enumerate(state.scores):
        state.log.log(
            {
                "step": state.step,
                "split": "val",
                "loss": score,
                "lr": lrs[i],
                "tokens": state.step * state.tokens_per_step(),
                "time": state.seconds(),
                "member": i,
            }
        )
    state.generation += 1
    rng = generation_rng(tcfg.seed, state.generation)
    mode = settings.mode if state.step < tcfg.max_steps else "none"  # no evolving after the last evaluation
    decisions = select(
        mode,
        state.scores,
        state.hypers,
        state.space,
        rng,
        settings.fraction,
        settings.resample_probability,
        settings.mutate,
    )
    state.population.take([d.parent for d in decisions])
    clones = [d.member for d in decisions if d.action == "clone"]
    if clones and settings.noise_scale > 0:
        noise = torch.Generator().manual_seed(int(rng.integers(2**62)))
        state.population.add_noise(clones, settings.noise_scale, noise)
    state.hypers = [d.hyper for d in decisions]
    for d in decisions:
        row = lineage_row(state.generation, state.step, d.member, d.parent, d.action, d.hyper, state.scores[d.member])
        state.lineage.write(row)
    report(
        Progress("eval", state.step, {"generation": state.generation, "scores": state.scores, "decisions": decisions})
    )
    save(state, report)


def save(state: PopulationState, report: Report) -> Path:
    saved = {
        "step": state.step,
        "generation": state.generation,
        "hypers": [asdict(h) for h in state.hypers],
        "scores": state.scores,
        "rng": ckpt.rng_state(),
        "seconds": state.seconds(),
    }
    path = pckpt.save_population(
        state.run_dir, state.population, state.config, state.settings, state.data.tokenizer, saved
    )
    report(Progress("checkpoint", state.step, {"path": str(path)}))
    return path


def finish(state: PopulationState, stopped: str, report: Report) -> EvolveResult:
    """Close the logs; a finished run also writes its best member as an ordinary checkpoint."""
    state.log.close()
    state.lineage.close()
    seconds = state.seconds()
    best_member = ranking(state.scores)[0]
    best = None
    if stopped == "finished":
        member_cfg = state.config.model_copy(deep=True)
        member_cfg.train = state.member_train_configs()[best_member]
        best = pckpt.save_member(
            state.run_dir / rundir.BEST,
            state.population,
            best_member,
            member_cfg,
            state.data.tokenizer,
            {
                "step": state.step,
                "best_val": state.scores[best_member],
                "best_step": state.step,
                "seconds": seconds,
                "member": best_member,
                "generation": state.generation,
            },
        )
    report(Progress("end", state.step, {"stopped": stopped, "seconds": seconds, "best_member": best_member}))
    return EvolveResult(
        state.run_dir,
        state.step,
        state.generation,
        stopped,
        state.scores,
        state.hypers,
        best_member,
        state.scores[best_member],
        best,
        seconds,
        read_jsonl(state.lineage.path),
    )
