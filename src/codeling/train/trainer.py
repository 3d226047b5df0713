"""The single-model training loop: `train`, which every codeling recipe goes through.

What it guarantees:
  - batches are a pure function of (seed, step) (see data/batches.py), so a resumed run, or one with
    another number of processes, sees exactly the data it would have seen;
  - SIGINT / SIGTERM finish the current step, save, and return; `resume=True` continues from the
    newest checkpoint whose files match their manifest, and logs the same losses as a run that was
    never stopped;
  - a non-finite loss stops the run before anything is saved, so the last good checkpoint stays;
  - under torchrun every process trains its slice of each global batch (DDP or FSDP, see
    train/distributed.py); rank 0 alone logs and writes checkpoints, and they are the same
    single-process files, so any number of processes can resume them.

The loop in `run_loop` reads top to bottom: a step, its log row, an evaluation when due, a save when
due. Everything a step needs lives in one `TrainState`, handed to each piece explicitly.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from codeling import rundir
from codeling.config import Config
from codeling.data.batches import BatchSampler
from codeling.data.shards import Shards
from codeling.errors import CodelingError
from codeling.model import GPT
from codeling.train import checkpoint as ckpt
from codeling.train import distributed, skeleton
from codeling.train.distributed import Parallel, World, from_env, pick_device
from codeling.train.metrics import MetricsLog, peak_flops
from codeling.train.optim import make_optimizer
from codeling.train.policy import policy_loss
from codeling.train.progress import Progress, Report
from codeling.train.schedule import learning_rate
from codeling.train.skeleton import BatchSplit, RunData, StopFlag

__all__ = ["Progress", "TrainResult", "train"]


@dataclass
class TrainResult:
    run_dir: Path
    step: int
    stopped: str  # "finished", "interrupted" or "time budget" (train.max_minutes ran out)
    train_loss: float | None
    best_val_loss: float | None
    best_step: int | None
    tokens: int
    seconds: float
    checkpoint: Path | None


@dataclass
class TrainState:
    """One run between steps: what it trains, on what, and how far it has come."""

    config: Config
    run_dir: Path
    world: World
    device: torch.device
    data: RunData
    model: GPT
    parallel: Parallel
    forward: torch.nn.Module  # the parallel module, compiled when train.compile is on
    reference: GPT | None  # the policy objective's KL reference: init_from's model, frozen
    optimizer: torch.optim.Optimizer
    scaler: torch.amp.GradScaler
    autocast: object
    split: BatchSplit
    batches: BatchSampler
    curriculum: BatchSampler  # the first data.curriculum_steps steps draw from here
    val_batches: BatchSampler
    log: MetricsLog | None
    clock: Callable[[], float]
    step: int = 0
    best_val: float | None = None
    best_step: int | None = None
    seconds_before: float = 0.0  # time spent before this process resumed the run
    started: float = 0.0
    last_saved: Path | None = None
    last_save_time: float = 0.0
    spent: float = 0.0  # share of train.max_minutes used, as agreed by all ranks at the last step

    def seconds(self) -> float:
        return self.seconds_before + self.clock() - self.started

    def budget_share(self) -> float:
        minutes = self.config.train.max_minutes
        return self.seconds() / (minutes * 60) if minutes else 0.0

    def tokens_per_step(self) -> int:
        return self.split.global_batch(self.world) * self.batches.block_size


@dataclass
class StepOutcome:
    loss: float
    lr: float
    grad_norm: float
    seconds: float
    interrupted: bool  # a signal arrived on some rank
    overdue: bool  # checkpoint.every_minutes has passed since the last save
    out_of_time: bool  # train.max_minutes has run out
    policy: dict = field(default_factory=dict)  # the policy objective's statistics (train/policy.py)


def train(
    config: Config,
    run_dir: str | Path,
    resume: bool = False,
    progress: Report | None = None,
    world: World | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> TrainResult:
    """Train one model on config.data.dir into run_dir (resuming it when asked), reporting Progress;
    `clock` is the time source of time budgets and save intervals."""
    world = world or from_env()
    device = pick_device(config.train.device, world)
    report = progress if (progress is not None and world.is_main) else skeleton.ignore
    with distributed.process_group(world, device):
        state = start(config, Path(run_dir), resume, report, world, device, clock)
        return run_loop(state, report)


def start(
    config: Config,
    run_dir: Path,
    resume: bool,
    report: Report,
    world: World,
    device: torch.device,
    clock: Callable[[], float],
) -> TrainState:
    """Prepare the data, build (or restore) the model and optimizer, and open the run directory."""
    data = skeleton.prepare_data(config)
    config = data.config
    found = skeleton.resume_or_refuse(run_dir / rundir.CHECKPOINTS, run_dir, resume, report, world)
    autocast, needs_scaler, precision = skeleton.precision_context(config.train.precision, device)
    model = build_model(config, device, world)
    scaler = torch.amp.GradScaler(device.type, enabled=needs_scaler)
    saved = restore(found, model, scaler, data, world, device) if found else {}
    if not found and config.train.init_from:
        start_from(config.train.init_from, model, data, device)
    parallel = distributed.parallelize(model, config.train.parallel, world, device, precision)
    optimizer = make_optimizer(parallel.model, config.train, device)  # after sharding: FSDP replaces the parameters
    if found:
        parallel.load_optimizer_state(optimizer, saved["optimizer"])
    split = skeleton.split_batch(config, world)
    if split.notice:
        report(Progress("notice", 0, {"message": split.notice}))
    batches = BatchSampler(data.shards.split("train"), config.model.block_size, config.train.seed)
    step = saved.get("step", 0)
    state = TrainState(
        config=config,
        run_dir=run_dir,
        world=world,
        device=device,
        data=data,
        model=model,
        parallel=parallel,
        forward=torch.compile(parallel.module) if config.train.compile else parallel.module,
        reference=reference_model(config, device) if config.train.kl else None,
        optimizer=optimizer,
        scaler=scaler,
        autocast=autocast,
        split=split,
        batches=batches,
        curriculum=curriculum_batches(config, data, batches),
        val_batches=BatchSampler(data.shards.split("val"), config.model.block_size, config.train.seed),
        log=skeleton.open_run_dir(run_dir, config, step if found else None) if world.is_main else None,
        clock=clock,
        step=step,
        best_val=saved.get("best_val"),
        best_step=saved.get("best_step"),
        seconds_before=saved.get("seconds", 0.0),
        started=clock(),
        last_saved=found,
        last_save_time=clock(),
    )
    state.spent = state.budget_share()
    announce(state, precision, report)
    return state


def announce(state: TrainState, precision: str, report: Report) -> None:
    """The start event: what trains, where, and from which step (the CLI prints it as one line)."""
    tcfg = state.config.train
    budget_s = tcfg.max_minutes * 60 if tcfg.schedule == "time" else None  # the bar then counts time
    what = {"params": state.model.num_params(), "device": str(state.device), "precision": precision}
    size = {"tokens_per_step": state.tokens_per_step(), "budget_s": budget_s, "seconds": state.seconds_before}
    report(Progress("start", state.step, {"max_steps": tcfg.max_steps, **what, **size}))


def build_model(config: Config, device: torch.device, world: World) -> GPT:
    """Every rank builds the same initial weights (FSDP shards them as they are; DDP would also
    broadcast rank 0's); then the other ranks take their own random stream, for dropout."""
    torch.manual_seed(config.train.seed)
    model = GPT(config.model).to(device)
    if world.rank:
        torch.manual_seed(config.train.seed + world.rank)
    return model


def restore(
    found: Path, model: GPT, scaler: torch.amp.GradScaler, data: RunData, world: World, device: torch.device
) -> dict:
    """Load a checkpoint's weights, scaler and random streams; return its trainer state."""
    loaded = ckpt.load_checkpoint(found, device=device, with_state=True)
    data.shards.check_tokenizer(loaded.tokenizer.identity())
    model.load_state_dict(loaded.model.state_dict())
    saved = loaded.trainer_state or {}
    scaler.load_state_dict(saved["scaler"])
    # Each rank continues its own random streams; with a new number of ranks, rank 0 continues and
    # the others start fresh, distinct ones (they only feed dropout).
    streams = saved.get("rng_ranks", [saved["rng"]])
    ckpt.set_rng_state(streams[world.rank] if len(streams) == world.size else streams[0])
    if len(streams) != world.size and world.rank:
        torch.manual_seed(data.config.train.seed + world.rank + saved["step"])
    return saved


def start_from(checkpoint: str, model: GPT, data: RunData, device: torch.device) -> None:
    """Fine-tuning: a fresh run's weights come from `checkpoint` (optimizer and step start anew).
    The data must be tokenized as the checkpoint's model was trained, and the shapes must agree."""
    loaded = ckpt.load_checkpoint(checkpoint, device=device)
    data.shards.check_tokenizer(loaded.tokenizer.identity())
    ours, theirs = model.state_dict(), loaded.model.state_dict()
    different = [k for k in ours if k not in theirs or ours[k].shape != theirs[k].shape]
    if different:
        raise CodelingError(
            f"train.init_from {checkpoint} holds a model of another shape ({different[0]} differs); "
            "start from a checkpoint with the same model settings, or drop train.init_from."
        )
    model.load_state_dict(theirs)


def reference_model(config: Config, device: torch.device) -> GPT:
    """The frozen model a policy's KL is measured against: init_from's weights, also on resume."""
    model = ckpt.load_checkpoint(config.train.init_from, device=device).model
    model.eval().requires_grad_(False)
    return model


def curriculum_batches(config: Config, data: RunData, batches: BatchSampler) -> BatchSampler:
    """The sampler of the first data.curriculum_steps steps: data.curriculum's train split (easier
    examples, so circuits such as variable look-up form on clean signal before the full mix)."""
    if not config.data.curriculum:
        return batches
    first = Shards(config.data.curriculum)
    if first.manifest["tokenizer"] != data.shards.manifest["tokenizer"]:
        raise CodelingError(
            f"data.curriculum {first.dir} was tokenized differently from data.dir {data.shards.dir}; "
            "build both with the same tokenizer (e.g. both with `codeling tinypy data`)."
        )
    return BatchSampler(first.split("train"), config.model.block_size, batches.seed)


def run_loop(state: TrainState, report: Report) -> TrainResult:
    """Step until max_steps, the time budget or a signal; evaluate and save when due."""
    cfg = state.config
    stopped, outcome = "finished", None
    state.model.train()
    with StopFlag() as stop:
        while state.step < cfg.train.max_steps:
            outcome = train_step(state, stop)
            log_step(state, outcome, report)
            last_step = state.step == cfg.train.max_steps or outcome.out_of_time
            is_best = False
            if state.step % cfg.train.eval_every == 0 or last_step:
                is_best = record_eval(state, evaluate(state), outcome.lr, report)
            if outcome.interrupted or outcome.out_of_time:
                stopped = "interrupted" if outcome.interrupted else "time budget"
                save(state, is_best, report)
                break
            if state.step % cfg.checkpoint.every_steps == 0 or outcome.overdue or last_step or is_best:
                save(state, is_best, report)
    return finish(state, stopped, outcome.loss if outcome else None, report)


def train_step(state: TrainState, stop: StopFlag) -> StepOutcome:
    """One optimizer step over the global batch; all ranks agree on its loss and what comes next."""
    cfg, world, split = state.config, state.world, state.split
    began = state.clock()
    lr = learning_rate(state.step, cfg.train, state.spent)
    for group in state.optimizer.param_groups:
        group["lr"] = lr
    data = state.curriculum if state.step < cfg.data.curriculum_steps else state.batches
    offsets = data.offsets(state.step, split.global_batch(world))
    loss_sum, policy_stats = 0.0, Counter()
    for micro in range(split.local_accum):
        rows = offsets[distributed.batch_rows(world, micro, split.local_accum, split.micro_batch)]
        with state.parallel.sync_gradients(micro == split.local_accum - 1):
            with state.autocast:
                if cfg.train.objective == "policy":
                    x, y, advantage, old_logp = (t.to(state.device) for t in data.policy_batch(rows))
                    loss, stats = policy_loss(
                        state.forward, state.reference, x, y, advantage, old_logp, cfg.train, data.block_size
                    )
                    policy_stats.update({k: v / split.local_accum for k, v in stats.items()})
                else:
                    x, y = data.batch(rows)
                    positions = stretched_positions(x.shape, cfg.train.position_stretch, state.device)
                    _, loss = state.forward(x.to(state.device), y.to(state.device), positions=positions)
            state.scaler.scale(loss / split.local_accum).backward()
        loss_sum += loss.item()
    # One all-reduce gives every rank the global loss and the same stop/save decisions, so a
    # non-finite loss or a signal stops all of them at the same step.
    since_save, minutes = state.clock() - state.last_save_time, cfg.train.max_minutes
    (loss, state.spent), (interrupted, overdue, out_of_time) = distributed.agree(
        world,
        [loss_sum / split.local_accum, state.budget_share()],
        [
            stop.signal is not None,
            since_save > cfg.checkpoint.every_minutes * 60,
            minutes is not None and state.clock() - state.started > minutes * 60,
        ],
    )
    if not math.isfinite(loss):
        refuse_non_finite(state, loss)
    state.scaler.unscale_(state.optimizer)
    grad_norm = state.parallel.clip_gradients(cfg.train.grad_clip)
    state.scaler.step(state.optimizer)
    state.scaler.update()
    state.optimizer.zero_grad(set_to_none=True)
    state.step += 1
    seconds = state.clock() - began
    # The policy statistics are this rank's (entropy, clipped share, KL): a diagnostic, not agreed.
    return StepOutcome(loss, lr, grad_norm, seconds, interrupted, overdue, out_of_time, dict(policy_stats))


def stretched_positions(shape: torch.Size, stretch: float, device) -> torch.Tensor | None:
    """Each row's positions 0, s, 2s, ... with s uniform in [1, stretch] (the torch RNG the checkpoint
    saves, so a resumed run draws the same), or None (0 .. T - 1) when stretch is 1."""
    if stretch <= 1:
        return None
    rows, length = shape
    s = 1 + (stretch - 1) * torch.rand(rows, 1)
    return (torch.arange(length).float() * s).to(device)


def refuse_non_finite(state: TrainState, loss: float) -> None:
    if state.log is not None:
        state.log.close()
    kept = (
        f"its last good checkpoint {state.last_saved} is kept"
        if state.last_saved
        else "no checkpoint had been saved yet"
    )
    raise CodelingError(
        f"The training loss became {loss} at step {state.step + 1}, so the run stopped; {kept}. "
        "Lower train.lr or raise train.warmup_steps, then --resume."
    )


def log_step(state: TrainState, outcome: StepOutcome, report: Report) -> None:
    step, tokens_per_step = state.step, state.tokens_per_step()
    row = {
        "step": step,
        "split": "train",
        "loss": outcome.loss,
        "lr": outcome.lr,
        "tokens": step * tokens_per_step,
        "time": state.seconds(),
        **outcome.policy,
    }
    if state.log is not None and (step % state.config.log.every_steps == 0 or step == state.config.train.max_steps):
        state.log.log({**row, "grad_norm": outcome.grad_norm})
    info = {**row, "grad_norm": outcome.grad_norm, "tokens_per_s": tokens_per_step / max(outcome.seconds, 1e-9)}
    peak = peak_flops(state.device)
    if peak:
        info["mfu"] = state.model.flops_per_token(state.batches.block_size) * tokens_per_step / outcome.seconds / peak
    report(Progress("step", step, info))


def evaluate(state: TrainState) -> float:
    """Mean loss over train.eval_batches validation batches (the same ones every time)."""
    state.model.eval()
    losses = []
    with torch.no_grad(), state.autocast:
        for k in range(state.config.train.eval_batches):
            x, y = state.val_batches.batch(state.val_batches.offsets(k, state.split.micro_batch, stream=1))
            losses.append(state.forward(x.to(state.device), y.to(state.device))[1].item())
    state.model.train()
    return sum(losses) / len(losses)


def record_eval(state: TrainState, val: float, lr: float, report: Report) -> bool:
    """Log a validation loss; True when it is the best so far."""
    is_best = state.best_val is None or val < state.best_val
    if is_best:
        state.best_val, state.best_step = val, state.step
    if state.log is not None:
        state.log.log(
            {
                "step": state.step,
                "split": "val",
                "loss": val,
                "ppl": math.exp(min(val, 50)),
                "lr": lr,
                "tokens": state.step * state.tokens_per_step(),
                "time": state.seconds(),
            }
        )
    report(Progress("eval", state.step, {"loss": val, "best": is_best}))
    return is_best


def save(state: TrainState, is_best: bool, report: Report) -> None:
    """Every rank takes part (FSDP gathers the shards, each rank hands in its RNG state); rank 0 writes."""
    world, run_dir = state.world, state.run_dir
    full_model, optimizer_state = state.parallel.full_state(state.optimizer, world)
    rng = distributed.gather(world, ckpt.rng_state())
    path = run_dir / rundir.CHECKPOINTS / rundir.step_dir_name(state.step)
    if world.is_main:
        trainer_state = {
            "step": state.step,
            "optimizer": optimizer_state,
            "scaler": state.scaler.state_dict(),
            "rng": rng[0],
            "best_val": state.best_val,
            "best_step": state.best_step,
            "seconds": state.seconds(),
            "data": {"seed": state.config.train.seed, "next_step": state.step},
        }
        if world.size > 1:
            trainer_state["rng_ranks"] = rng
        ckpt.save_checkpoint(path, full_model, state.config, state.data.tokenizer, trainer_state)
        rundir.point(run_dir, rundir.LATEST, path)
        if is_best:
            rundir.point(run_dir, rundir.BEST, path)
        rundir.prune(run_dir / rundir.CHECKPOINTS, state.config.checkpoint.keep_last, run_dir)
    distributed.barrier(world)  # no rank moves on (or exits) before the checkpoint is in place
    state.last_saved, state.last_save_time = path, state.clock()
    report(Progress("checkpoint", state.step, {"path": str(path), "best": is_best}))


def finish(state: TrainState, stopped: str, loss: float | None, report: Report) -> TrainResult:
    if state.log is not None:
        state.log.close()
    seconds = state.seconds()
    report(Progress("end", state.step, {"stopped": stopped, "seconds": seconds}))
    return TrainResult(
        state.run_dir,
        state.step,
        stopped,
        loss,
        state.best_val,
        state.best_step,
        state.step * state.tokens_per_step(),
        seconds,
        state.last_saved,
    )
