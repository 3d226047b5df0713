"""The pieces every training loop is built from: the single-model trainer (train/trainer.py), the
population loop (evolve/loop.py), the Ray trainable (evolve/ray_backend.py), and any loop to come.

    run_config         a run's Config: preset, YAML, --set; a resumed run continues with its own
    prepare_data       the data, its tokenizer, and a config completed from them (the caller's is never changed)
    resume_or_refuse   the checkpoint to resume from, or a refusal to write over an existing run
    precision_context  the autocast context for train.precision
    split_batch        each process's share of the global batch under torchrun
    open_run_dir       config.yaml and metrics.jsonl (truncated to the resumed step)
    StopFlag           SIGINT/SIGTERM as a flag checked between steps
    Progress           what every loop reports as it goes (train/progress.py; the CLI draws it)
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from dataclasses import dataclass
from pathlib import Path

import torch

from codeling import atomic, rundir
from codeling.config import Config, LogConfig, load_config, to_yaml
from codeling.data.shards import Shards
from codeling.errors import CodelingError
from codeling.tokenizers import Tokenizer
from codeling.train import distributed
from codeling.train.distributed import World
from codeling.train.metrics import MetricsLog
from codeling.train.progress import Progress, Report, ignore


@dataclass(frozen=True)
class RunData:
    config: Config  # a copy of the caller's, with model.vocab_size and task filled in from the data
    shards: Shards
    tokenizer: Tokenizer


def run_config(run_dir: Path, resume: bool, preset: str | None, path: Path | None, overrides: list[str]) -> Config:
    """A fresh run's Config (preset < YAML < overrides). A resumed run given neither a preset nor a
    file continues with its own, from its newest valid checkpoint, plus the overrides."""
    base = None
    if resume and preset is None and path is None:
        found = resume_or_refuse(Path(run_dir) / rundir.CHECKPOINTS, run_dir, True, ignore)
        base = json.loads((found / rundir.CONFIG_JSON).read_text())
    return load_config(preset, path, overrides, base)


def prepare_data(config: Config) -> RunData:
    """Open data.dir and complete a copy of `config` from it: the vocabulary size (when left at 0)
    and what the data is (`task`, so evaluators know how to prompt the model)."""
    if config.data.dir is None:
        raise CodelingError(
            "No training data given; pass --data DIR (make one with `codeling data text` or `codeling tinypy data`)."
        )
    config = config.model_copy(deep=True)
    shards = Shards(config.data.dir)
    tokenizer = shards.tokenizer()
    provenance = shards.manifest.get("provenance", {})
    if "task" in provenance:
        config.task = {"name": provenance["task"], "mode": provenance.get("mode")}
        generator = (
            (provenance.get("source") or {}).get("generator") if isinstance(provenance.get("source"), dict) else None
        )
        if isinstance(generator, dict):  # how its programs were drawn: the app draws new ones alike
            config.task["generator"] = generator
    if config.model.vocab_size == 0:
        config.model.vocab_size = tokenizer.vocab_size
    elif config.model.vocab_size < tokenizer.vocab_size:
        raise CodelingError(
            f"model.vocab_size is {config.model.vocab_size} but the data's tokenizer has {tokenizer.vocab_size} "
            "tokens; leave model.vocab_size at 0 to take it from the data."
        )
    return RunData(config, shards, tokenizer)


def resume_or_refuse(
    folder: Path, run_dir: Path, resume: bool, report: Report, world: World = World(), occupied: bool = False
) -> Path | None:
    """The newest valid step directory in `folder` to resume from, or None for a fresh run.

    A fresh run refuses a run_dir that already holds one (`occupied`, or any step directory), so
    nothing is written over; every rank resumes from rank 0's choice."""
    if not resume:
        if occupied or rundir.step_dirs(folder):
            raise CodelingError(
                f"{run_dir} already holds a run; pass --resume to continue it, or choose another --out."
            )
        return None
    found, skipped = rundir.newest_valid(folder)
    for path, problem in skipped:
        report(Progress("skipped", 0, {"path": str(path), "problem": problem}))
    found = distributed.broadcast(world, found)
    if found is None:
        raise CodelingError(f"{run_dir} holds no valid checkpoint to resume from; start without --resume.")
    if not found.is_dir():
        raise CodelingError(
            f"Process {world.rank} cannot see checkpoint {found}; put --out on storage every machine shares."
        )
    return found


def precision_context(precision: str, device: torch.device):
    """The autocast context for a precision setting, whether fp16 needs a gradient scaler, and the
    precision that `auto` resolved to."""
    if precision == "auto":
        if device.type == "cuda":
            precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        else:
            precision = "fp32"  # CPU autocast is slower than fp32 for small models; ask for bf16 to get it
    if precision == "fp32":
        return contextlib.nullcontext(), False, precision
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype), precision == "fp16", precision


@dataclass(frozen=True)
class BatchSplit:
    micro_batch: int  # rows one forward pass sees on one process
    local_accum: int  # micro-steps per optimizer step on one process
    notice: str | None  # set when the split differs from the config's, to tell the user

    def global_batch(self, world: World) -> int:
        return self.micro_batch * self.local_accum * world.size


def split_batch(config: Config, world: World) -> BatchSplit:
    """Each process's share of the global batch (batch_size x grad_accum rows), which stays the same
    for any number of processes: the accumulation steps are shared out when they divide evenly,
    otherwise each micro-batch is."""
    batch, accum, n = config.data.batch_size, config.data.grad_accum, world.size
    if accum % n == 0:
        return BatchSplit(batch, accum // n, None)
    if batch % n == 0:
        notice = (
            f"data.grad_accum ({accum}) does not divide among {n} processes, so each takes "
            f"{batch // n} of every micro-batch's {batch} rows; the global batch stays {batch * accum}."
        )
        return BatchSplit(batch // n, accum, notice)
    raise CodelingError(
        f"Neither data.grad_accum ({accum}) nor data.batch_size ({batch}) is a multiple of the number of "
        f"processes ({n}), so the global batch cannot be shared out evenly; make one of them a multiple of {n}."
    )


def open_run_dir(run_dir: Path, config: Config, resume_step: int | None, log: LogConfig | None = None) -> MetricsLog:
    """Write config.yaml and open metrics.jsonl (rows past resume_step dropped; None starts it empty)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic.write_text(run_dir / rundir.CONFIG_YAML, to_yaml(config))
    return MetricsLog(run_dir, log or config.log, resume_step, run_dir.name, config.model_dump())


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
