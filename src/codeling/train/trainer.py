"""The training loop: one function, `train`, that every codeling recipe goes through.

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
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from codeling import atomic
from codeling.config import Config, to_yaml
from codeling.data.batches import BatchSampler
from codeling.data.shards import Shards
from codeling.errors import CodelingError
from codeling.model import GPT
from codeling.train import checkpoint as ckpt
from codeling.train import distributed
from codeling.train.distributed import World, from_env, pick_device
from codeling.train.metrics import MetricsLog, peak_flops
from codeling.train.optim import make_optimizer
from codeling.train.schedule import learning_rate


@dataclass
class Event:
    """Progress the trainer reports: kind is start, step, eval, checkpoint, skipped or end."""

    kind: str
    step: int
    data: dict = field(default_factory=dict)


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


def precision_context(precision: str, device: torch.device):
    """The autocast context for a precision setting, and whether fp16 needs a gradient scaler."""
    if precision == "auto":
        if device.type == "cuda":
            precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        else:
            precision = "fp32"  # CPU autocast is slower than fp32 for small models; ask for bf16 to get it
    if precision == "fp32":
        return contextlib.nullcontext(), False, precision
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype), precision == "fp16", precision


class StopFlag:
    """Turns SIGINT/SIGTERM into a flag the loop checks between steps."""

    def __init__(self):
        self.signal: int | None = None
        self.previous: dict = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame):
        self.signal = signum

    def __exit__(self, *exc):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


def train(
    config: Config,
    run_dir: str | Path,
    resume: bool = False,
    on_event: Callable[[Event], None] | None = None,
    world: World | None = None,
) -> TrainResult:
    world = world or from_env()
    device = pick_device(config.train.device, world)
    with distributed.process_group(world, device):
        return _train(config, Path(run_dir), resume, on_event, world, device)


def _restore_rng(states: list[dict], world: World, seed: int, step: int) -> None:
    """Each rank continues its own random streams; with a new number of ranks, rank 0 continues and
    the others start fresh, distinct ones (they only feed dropout)."""
    if len(states) == world.size:
        ckpt.set_rng_state(states[world.rank])
        return
    ckpt.set_rng_state(states[0])
    if world.rank:
        torch.manual_seed(seed + world.rank + step)


def _curriculum(config: Config, shards: Shards, train_data: BatchSampler) -> BatchSampler:
    """The sampler of the first data.curriculum_steps steps: data.curriculum's train split (easier
    examples, so circuits such as variable look-up form on clean signal before the full mix)."""
    if not config.data.curriculum:
        return train_data
    first = Shards(config.data.curriculum)
    if first.manifest["tokenizer"] != shards.manifest["tokenizer"]:
        raise CodelingError(
            f"data.curriculum {first.dir} was tokenized differently from data.dir {shards.dir}; "
            "build both with the same tokenizer (e.g. both with `codeling tinypy data`)."
        )
    return BatchSampler(first.split("train"), config.model.block_size, train_data.seed)


def _train(config: Config, run_dir: Path, resume: bool, on_event, world: World, device: torch.device) -> TrainResult:
    emit = on_event if (on_event is not None and world.is_main) else (lambda event: None)
    tcfg = config.train
    if config.data.dir is None:
        raise CodelingError("No training data given; pass --data DIR (make one with `codeling data text` or `codeling tinypy data`).")
    shards = Shards(config.data.dir)
    tokenizer = shards.tokenizer()
    provenance = shards.manifest.get("provenance", {})
    if "task" in provenance:
        config.task = {"name": provenance["task"], "mode": provenance.get("mode")}
    if config.model.vocab_size == 0:
        config.model.vocab_size = tokenizer.vocab_size
    elif config.model.vocab_size < tokenizer.vocab_size:
        raise CodelingError(
            f"model.vocab_size is {config.model.vocab_size} but the data's tokenizer has {tokenizer.vocab_size} "
            "tokens; leave model.vocab_size at 0 to take it from the data."
        )

    start_step, state, found = 0, None, None
    if resume:
        found, skipped = ckpt.latest_valid(run_dir)
        for path, problem in skipped:
            emit(Event("skipped", 0, {"path": str(path), "problem": problem}))
        found = distributed.broadcast(world, found)  # every rank resumes from rank 0's choice
        if found is None:
            raise CodelingError(f"{run_dir} holds no valid checkpoint to resume from; start without --resume.")
        if not found.is_dir():
            raise CodelingError(f"Process {world.rank} cannot see checkpoint {found}; put --out on storage every machine shares.")
    elif ckpt.list_checkpoints(run_dir):
        raise CodelingError(f"{run_dir} already holds a run; pass --resume to continue it, or choose another --out.")

    autocast, needs_scaler, precision = precision_context(tcfg.precision, device)
    # Every rank builds the same initial weights (FSDP shards them as they are; DDP would also
    # broadcast rank 0's), then other ranks take their own stream for dropout.
    torch.manual_seed(tcfg.seed)
    model = GPT(config.model).to(device)
    if world.rank:
        torch.manual_seed(tcfg.seed + world.rank)
    scaler = torch.amp.GradScaler(device.type, enabled=needs_scaler)
    best_val, best_step, elapsed_before = None, None, 0.0
    if resume:
        loaded = ckpt.load_checkpoint(found, device=device, with_state=True)
        shards.check_tokenizer(loaded.tokenizer.identity())
        model.load_state_dict(loaded.model.state_dict())
        state = loaded.trainer_state or {}
        scaler.load_state_dict(state["scaler"])
        start_step = state["step"]
        _restore_rng(state.get("rng_ranks", [state["rng"]]), world, tcfg.seed, start_step)
        best_val, best_step = state.get("best_val"), state.get("best_step")
        elapsed_before = state.get("seconds", 0.0)
    parallel = distributed.parallelize(model, tcfg.parallel, world, device, precision)
    optimizer = make_optimizer(parallel.model, tcfg, device)  # after sharding: FSDP replaces the parameters
    if resume:
        parallel.load_optimizer_state(optimizer, state["optimizer"])
    step_model = torch.compile(parallel.module) if tcfg.compile else parallel.module

    train_data = BatchSampler(shards.split("train"), config.model.block_size, tcfg.seed)
    first_data = _curriculum(config, shards, train_data)
    val_data = BatchSampler(shards.split("val"), config.model.block_size, tcfg.seed)
    micro_batch = config.data.batch_size
    if config.data.grad_accum % world.size:
        raise CodelingError(
            f"data.grad_accum ({config.data.grad_accum}) must be a multiple of the number of processes "
            f"({world.size}) so that the global batch stays the same; change one of them."
        )
    local_accum = config.data.grad_accum // world.size
    global_batch = micro_batch * config.data.grad_accum
    tokens_per_step = global_batch * train_data.block_size
    peak = peak_flops(device)
    flops_per_step = model.flops_per_token(train_data.block_size) * tokens_per_step

    log = None
    if world.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
        atomic.write_text(run_dir / "config.yaml", to_yaml(config))
        log = MetricsLog(run_dir, config.log, start_step if resume else None, run_dir.name, config.model_dump())

    def evaluate() -> float:
        model.eval()
        losses = []
        with torch.no_grad(), autocast:
            for k in range(tcfg.eval_batches):
                x, y = val_data.batch(val_data.offsets(k, micro_batch, stream=1))
                losses.append(step_model(x.to(device), y.to(device))[1].item())
        model.train()
        return sum(losses) / len(losses)

    last_saved: Path | None = found
    last_save_time = time.monotonic()

    def save(step: int, is_best: bool) -> None:
        nonlocal last_saved, last_save_time
        # Every rank takes part (FSDP gathers the shards, each rank hands in its RNG state); rank 0 writes.
        full_model, optimizer_state = parallel.full_state(optimizer, world)
        rng = distributed.gather(world, ckpt.rng_state())
        path = run_dir / "checkpoints" / ckpt.step_dir_name(step)
        if world.is_main:
            state = {
                "step": step,
                "optimizer": optimizer_state,
                "scaler": scaler.state_dict(),
                "rng": rng[0],
                "best_val": best_val,
                "best_step": best_step,
                "seconds": elapsed_before + (time.monotonic() - t0),
                "data": {"seed": tcfg.seed, "next_step": step},
            }
            if world.size > 1:
                state["rng_ranks"] = rng
            ckpt.save_checkpoint(path, full_model, config, tokenizer, state)
            ckpt.point(run_dir, "latest", path)
            if is_best:
                ckpt.point(run_dir, "best", path)
            ckpt.prune(run_dir, config.checkpoint.keep_last)
        distributed.barrier(world)  # no rank moves on (or exits) before the checkpoint is in place
        last_saved, last_save_time = path, time.monotonic()
        emit(Event("checkpoint", step, {"path": str(path), "best": is_best}))

    # A time-scheduled run ends with its budget, so progress is shown in seconds of it.
    budget_s = tcfg.max_minutes * 60 if tcfg.schedule == "time" else None
    emit(Event("start", start_step, {"max_steps": tcfg.max_steps, "params": model.num_params(), "device": str(device),
                                     "precision": precision, "tokens_per_step": tokens_per_step, "budget_s": budget_s,
                                     "seconds": elapsed_before}))
    t0 = time.monotonic()
    step, stopped, loss_value = start_step, "finished", None
    # Share of max_minutes used, as of the last step; agreed across ranks so they share one lr.
    time_spent = lambda: (elapsed_before + time.monotonic() - t0) / (tcfg.max_minutes * 60) if tcfg.max_minutes else 0.0
    spent = time_spent()
    model.train()
    with StopFlag() as stop:
        while step < tcfg.max_steps:
            step_start = time.monotonic()
            lr = learning_rate(step, tcfg, spent)
            for group in optimizer.param_groups:
                group["lr"] = lr
            data = first_data if step < config.data.curriculum_steps else train_data
            offsets = data.offsets(step, global_batch)
            loss_sum = 0.0
            for micro in range(local_accum):
                x, y = data.batch(offsets[distributed.batch_rows(world, micro, local_accum, micro_batch)])
                with parallel.sync_gradients(micro == local_accum - 1):
                    with autocast:
                        _, loss = step_model(x.to(device), y.to(device))
                    scaler.scale(loss / local_accum).backward()
                loss_sum += loss.item()
            # One all-reduce gives every rank the global loss and the same stop/save decisions, so a
            # non-finite loss or a signal stops all of them at the same step.
            (loss_value, spent), (interrupted, overdue, out_of_time) = distributed.agree(world, [loss_sum / local_accum, time_spent()], [
                stop.signal is not None,
                time.monotonic() - last_save_time > config.checkpoint.every_minutes * 60,
                tcfg.max_minutes is not None and time.monotonic() - t0 > tcfg.max_minutes * 60,
            ])
            if not math.isfinite(loss_value):
                if log is not None:
                    log.close()
                kept = f"its last good checkpoint {last_saved} is kept" if last_saved else "no checkpoint had been saved yet"
                raise CodelingError(
                    f"The training loss became {loss_value} at step {step + 1}, so the run stopped; {kept}. "
                    "Lower train.lr or raise train.warmup_steps, then --resume."
                )
            scaler.unscale_(optimizer)
            grad_norm = parallel.clip_gradients(tcfg.grad_clip)
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
            step += 1

            seconds = time.monotonic() - step_start
            row = {"step": step, "split": "train", "loss": loss_value, "lr": lr, "tokens": step * tokens_per_step,
                   "time": elapsed_before + time.monotonic() - t0}
            info = {**row, "grad_norm": grad_norm, "tokens_per_s": tokens_per_step / seconds}
            if peak:
                info["mfu"] = flops_per_step / seconds / peak
            if log is not None and (step % config.log.every_steps == 0 or step == tcfg.max_steps):
                log.log({**row, "grad_norm": info["grad_norm"]})
            emit(Event("step", step, info))

            is_best = False
            last_step = step == tcfg.max_steps or out_of_time
            if step % tcfg.eval_every == 0 or last_step:
                val = evaluate()
                is_best = best_val is None or val < best_val
                if is_best:
                    best_val, best_step = val, step
                if log is not None:
                    log.log({"step": step, "split": "val", "loss": val, "ppl": math.exp(min(val, 50)), "lr": lr,
                             "tokens": step * tokens_per_step, "time": elapsed_before + time.monotonic() - t0})
                emit(Event("eval", step, {"loss": val, "best": is_best}))
            due = step % config.checkpoint.every_steps == 0 or overdue or last_step
            if interrupted or out_of_time:
                stopped = "interrupted" if interrupted else "time budget"
                save(step, is_best)
                break
            if due or is_best:
                save(step, is_best)

    if log is not None:
        log.close()
    seconds = elapsed_before + time.monotonic() - t0
    emit(Event("end", step, {"stopped": stopped, "seconds": seconds}))
    return TrainResult(run_dir, step, stopped, loss_value, best_val, best_step, step * tokens_per_step, seconds, last_saved)
