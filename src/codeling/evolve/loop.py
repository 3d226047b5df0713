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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import torch

from codeling import atomic
from codeling.config import Config, LogConfig, to_yaml
from codeling.data.batches import BatchSampler
from codeling.data.shards import Shards
from codeling.errors import CodelingError
from codeling.evolve import checkpoint as pckpt
from codeling.evolve.pbt import Hyper, Mode, Range, default_space, generation_rng, initial_hypers, ranking, select
from codeling.evolve.population import Population
from codeling.tokenizers import load_tokenizer
from codeling.train import checkpoint as ckpt
from codeling.train.distributed import World, pick_device
from codeling.train.metrics import MetricsLog
from codeling.train.schedule import learning_rate
from codeling.train.trainer import Event, StopFlag, precision_context


@dataclass
class EvolveSettings:
    population: int = 8
    mode: Mode = "pbt"
    generation_steps: int = 100
    fraction: float = 0.25  # pbt: the bottom fraction copies the top fraction
    resample_probability: float = 0.25  # explore: chance a hyperparameter is redrawn, not scaled
    noise_scale: float = 1e-3  # evolve: std of the Gaussian noise added to a clone's weights
    mutate: bool = True  # evolve: explore the clones' hyperparameters too

    def check(self) -> None:
        if self.population < 1:
            raise CodelingError(f"--population must be at least 1 (got {self.population}).")
        if self.mode not in ("pbt", "evolve", "none"):
            raise CodelingError(f"Unknown mode {self.mode!r}; choose pbt, evolve or none.")
        if self.generation_steps < 1:
            raise CodelingError(f"--generation-steps must be at least 1 (got {self.generation_steps}).")
        if not 0 < self.fraction <= 0.5:
            raise CodelingError(f"The truncation fraction must be in (0, 0.5] so top and bottom never overlap (got {self.fraction}).")
        if not 0 <= self.resample_probability <= 1:
            raise CodelingError(f"resample_probability must be between 0 and 1 (got {self.resample_probability}).")
        if self.noise_scale < 0:
            raise CodelingError(f"--noise-scale must be 0 or more (got {self.noise_scale}).")


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


class _JsonLines:
    """Append-only JSONL; on resume, rows past the resumed step are dropped first."""

    def __init__(self, path: Path, resume_step: int | None):
        self.path = path
        kept = []
        if resume_step is not None and path.exists():
            kept = [r for r in path.read_text().splitlines() if r.strip() and json.loads(r)["step"] <= resume_step]
        atomic.write_text(path, "".join(r + "\n" for r in kept))
        self.rows = [json.loads(r) for r in kept]
        self.file = open(path, "a", buffering=1)

    def write(self, row: dict) -> None:
        self.file.write(json.dumps(row) + "\n")
        self.rows.append(row)

    def close(self) -> None:
        self.file.close()


def _stack_batches(samplers: list[BatchSampler], step: int, rows: slice, global_batch: int) -> tuple[torch.Tensor, torch.Tensor]:
    xs, ys = zip(*(s.batch(s.offsets(step, global_batch)[rows]) for s in samplers))
    return torch.stack(xs), torch.stack(ys)


def train_population(
    config: Config,
    settings: EvolveSettings,
    run_dir: str | Path,
    resume: bool = False,
    on_event: Callable[[Event], None] | None = None,
    space: dict[str, Range] | None = None,
) -> EvolveResult:
    """Train a population; events: start, step (losses per member), eval (scores, decisions), checkpoint, end."""
    run_dir = Path(run_dir)
    emit = on_event or (lambda event: None)
    settings.check()
    tcfg = config.train
    P, G = settings.population, settings.generation_steps
    if tcfg.optimizer != "adamw":
        raise CodelingError(f"A population trains with AdamW (its members share one batched AdamW step); drop train.optimizer={tcfg.optimizer}.")
    if config.data.curriculum:
        raise CodelingError("A population trains on data.dir alone (no curriculum yet); drop data.curriculum and data.curriculum_steps.")
    if config.data.dir is None:
        raise CodelingError("No training data given; pass --data DIR (make one with `codeling data text` or `codeling tinypy data`).")
    shards = Shards(config.data.dir)
    tokenizer = shards.tokenizer()
    if config.model.vocab_size == 0:
        config.model.vocab_size = tokenizer.vocab_size
    elif config.model.vocab_size < tokenizer.vocab_size:
        raise CodelingError(f"model.vocab_size is {config.model.vocab_size} but the data's tokenizer has "
                            f"{tokenizer.vocab_size} tokens; leave model.vocab_size at 0 to take it from the data.")
    found = None
    if resume:
        found, skipped = pckpt.latest_population(run_dir)
        for path, problem in skipped:
            emit(Event("skipped", 0, {"path": str(path), "problem": problem}))
        if found is None:
            raise CodelingError(f"{run_dir} holds no valid population checkpoint to resume from; start without --resume.")
    elif pckpt.latest_population(run_dir)[0] is not None or (run_dir / "lineage.jsonl").exists():
        raise CodelingError(f"{run_dir} already holds a population run; pass --resume to continue it, or choose another --out.")

    device = pick_device(tcfg.device, World())
    autocast, needs_scaler, precision = precision_context(tcfg.precision, device)
    if needs_scaler:
        raise CodelingError("Populations train in fp32 or bf16, not fp16 (no per-member loss scaling); set train.precision=bf16 or fp32.")
    space = space or default_space(tcfg)
    seeds = [tcfg.seed + i for i in range(P)]
    population = Population(config.model, seeds, device)
    hypers = initial_hypers(Hyper.of(tcfg), space, P, tcfg.seed)
    step, generation, scores, elapsed_before = 0, 0, [math.nan] * P, 0.0
    if found is not None:
        _, saved_settings, state = pckpt.read_population(found)
        if saved_settings["population"] != P:
            raise CodelingError(f"{found} holds a population of {saved_settings['population']}, not {P}; resume with --population {saved_settings['population']}.")
        shards.check_tokenizer(load_tokenizer(found / "tokenizer.json").identity())
        population.load_state_dict(state)
        hypers = [Hyper(**h) for h in state["hypers"]]
        step, generation, scores = state["step"], state["generation"], list(state["scores"])
        elapsed_before = state.get("seconds", 0.0)
        ckpt.set_rng_state(state["rng"])

    train_data = [BatchSampler(shards.split("train"), config.model.block_size, seed) for seed in seeds]
    val_data = BatchSampler(shards.split("val"), config.model.block_size, tcfg.seed)
    micro, accum = config.data.batch_size, config.data.grad_accum
    global_batch = micro * accum
    tokens_per_step = global_batch * train_data[0].block_size
    val_batches = [val_data.batch(val_data.offsets(k, micro, stream=1)) for k in range(tcfg.eval_batches)]

    run_dir.mkdir(parents=True, exist_ok=True)
    atomic.write_text(run_dir / "config.yaml", to_yaml(config))
    atomic.write_text(run_dir / "evolve.json", json.dumps(asdict(settings), indent=2) + "\n")
    resume_step = step if found is not None else None
    log = MetricsLog(run_dir, LogConfig(every_steps=config.log.every_steps, tensorboard=False), resume_step, run_dir.name, {})
    lineage = _JsonLines(run_dir / "lineage.jsonl", resume_step)
    if found is None:
        for i, h in enumerate(hypers):
            lineage.write({"generation": 0, "step": 0, "member": i, "parent": None, "action": "init", "hyper": asdict(h), "score": None})

    def member_cfgs():
        return [h.apply(tcfg, seed) for h, seed in zip(hypers, seeds)]

    def save() -> Path:
        state = {"step": step, "generation": generation, "hypers": [asdict(h) for h in hypers], "scores": scores,
                 "rng": ckpt.rng_state(), "seconds": elapsed_before + time.monotonic() - t0}
        path = pckpt.save_population(run_dir, population, config, settings, tokenizer, state)
        emit(Event("checkpoint", step, {"path": str(path)}))
        return path

    emit(Event("start", step, {"max_steps": tcfg.max_steps, "population": P, "mode": settings.mode, "device": str(device),
                               "precision": precision, "params": population.template.num_params(), "tokens_per_step": tokens_per_step}))
    t0 = time.monotonic()
    stopped = "finished"
    with StopFlag() as stop:
        while step < tcfg.max_steps:
            step_start = time.monotonic()
            cfgs = member_cfgs()
            lrs = torch.tensor([learning_rate(step, c) for c in cfgs], dtype=torch.float64)
            losses = torch.zeros(P)
            for m in range(accum):
                x, y = _stack_batches(train_data, step, slice(m * micro, (m + 1) * micro), global_batch)
                losses += population.forward_backward(x, y, 1.0 / accum, autocast).float().cpu() / accum
            if not torch.isfinite(losses).any():
                log.close()
                lineage.close()
                raise CodelingError(f"Every member's training loss became non-finite at step {step + 1}; lower train.lr "
                                    "or raise train.warmup_steps, then --resume from the last population checkpoint.")
            clip = torch.tensor([c.grad_clip if c.grad_clip > 0 else math.inf for c in cfgs])
            norms = population.clip_grads(clip)
            population.adamw_step(lrs, torch.tensor([c.weight_decay for c in cfgs], dtype=torch.float64), tcfg.beta1, tcfg.beta2)
            step += 1
            now = elapsed_before + time.monotonic() - t0
            if step % config.log.every_steps == 0 or step == tcfg.max_steps:
                for i in range(P):
                    log.log({"step": step, "split": "train", "loss": float(losses[i]), "lr": float(lrs[i]),
                             "tokens": step * tokens_per_step, "time": now, "member": i, "grad_norm": float(norms[i])})
            emit(Event("step", step, {"losses": losses.tolist(), "lrs": lrs.tolist(),
                                      "tokens_per_s": P * tokens_per_step / (time.monotonic() - step_start)}))

            if step % G == 0 or step == tcfg.max_steps:
                scores = population.evaluate(val_batches, autocast).tolist()
                for i in range(P):
                    log.log({"step": step, "split": "val", "loss": scores[i], "lr": float(lrs[i]), "tokens": step * tokens_per_step,
                             "time": now, "member": i})
                generation += 1
                evolving = step < tcfg.max_steps
                rng = generation_rng(tcfg.seed, generation)
                decisions = select(settings.mode if evolving else "none", scores, hypers, space, rng,
                                   settings.fraction, settings.resample_probability, settings.mutate)
                population.take([d.parent for d in decisions])
                clones = [d.member for d in decisions if d.action == "clone"]
                if clones and settings.noise_scale > 0:
                    population.add_noise(clones, settings.noise_scale, torch.Generator().manual_seed(int(rng.integers(2**62))))
                hypers = [d.hyper for d in decisions]
                for d in decisions:
                    lineage.write({"generation": generation, "step": step, "member": d.member, "parent": d.parent,
                                   "action": d.action, "hyper": asdict(d.hyper), "score": scores[d.member]})
                emit(Event("eval", step, {"generation": generation, "scores": scores, "decisions": decisions}))
                save()
            if stop.signal is not None and step < tcfg.max_steps:
                stopped = "interrupted"
                if step % G:  # a generation boundary has just saved
                    save()
                break

    log.close()
    lineage.close()
    seconds = elapsed_before + time.monotonic() - t0
    best_member = ranking(scores)[0]
    best = None
    if stopped == "finished":
        member_cfg = config.model_copy(deep=True)
        member_cfg.train = member_cfgs()[best_member]
        best = pckpt.save_member(run_dir / "best", population, best_member, member_cfg, tokenizer,
                                 {"step": step, "best_val": scores[best_member], "best_step": step, "seconds": seconds,
                                  "member": best_member, "generation": generation})
    emit(Event("end", step, {"stopped": stopped, "seconds": seconds, "best_member": best_member}))
    return EvolveResult(run_dir, step, generation, stopped, scores, hypers, best_member, scores[best_member], best, seconds,
                        lineage.rows)
