"""The one object every phase of a round works on, and the one way a phase does chunked work.

`ImproveRun` holds what the phases share (the run directory, its store, settings, held-out tasks,
logs, the backend, the stop flag); the phases take it typed and read only its fields.
`map_chunks` is the loop each phase runs: jobs -> the backend (this process or Ray) -> each result
stored in one transaction as it arrives -> progress -> stop between chunks when a signal came.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from codeling import rundir
from codeling.evals.tasks import Task
from codeling.generate import Sampling
from codeling.improve.settings import ImproveSettings
from codeling.improve.store import Store
from codeling.rundir import JsonlLog
from codeling.train.metrics import MetricsLog
from codeling.train.progress import Progress, Report
from codeling.train.skeleton import StopFlag

CHECK_TIMEOUT_S = 5.0  # a sample and its tests, in the sandbox
SEED_STRIDE = 100_000  # chunk seeds of one round: (seed * 1000 + round) * SEED_STRIDE + offset + chunk


class Interrupted(Exception):
    """A signal arrived: the current phase saved what it had; the run stops and --resume continues."""


@dataclass
class ImproveRun:
    out: Path
    settings: ImproveSettings
    store: Store
    held_out: dict[str, list[Task]]  # split name -> tasks never trained on
    log: JsonlLog  # rounds.jsonl
    tensorboard: MetricsLog  # RUN/tensorboard: each round's scalars
    progress: Report  # counts, the trainer's events, and one "round" event a measured round
    backend: object  # backends.Local or backends.Ray
    stop: StopFlag = field(default_factory=StopFlag)

    def interrupted(self) -> None:
        if self.stop.signal is not None:
            raise Interrupted

    def chunk_sampling(self, r: int, chunk: int, max_new_tokens: int, offset: int = 0) -> Sampling:
        """Sampling settings of one chunk of round r: the seed depends only on (run seed, round,
        offset + chunk), so a chunk draws the same wherever and whenever it runs."""
        s = self.settings
        seed = (s.seed * 1000 + r) * SEED_STRIDE + offset + chunk
        return Sampling(max_new_tokens, s.temperature, top_p=s.top_p, seed=seed)


def map_chunks(
    run: ImproveRun,
    fn: Callable,
    jobs: list[tuple],
    store: Callable[[int, object], int],
    stage: str,
    total: int,
    done: int = 0,
) -> None:
    """fn(*job) for every job on the run's backend; `store(job index, result)` writes a result in one
    transaction and returns how many items it held. Progress counts items; a signal stops the phase
    between two stored chunks."""
    for n, result in run.backend.map(fn, jobs):
        done += store(n, result)
        run.progress(Progress.count(stage, done, total))
        run.interrupted()


def chunks(items: list, size: int) -> Iterable[tuple[int, list]]:
    """(index, chunk) pairs of `size` items each; a chunk's index fixes its sampling seed."""
    return enumerate(items[i : i + size] for i in range(0, len(items), size))


def model_sha256(checkpoint: Path) -> str:
    """The weights' sha256 from the checkpoint's manifest: which model made a sample."""
    return json.loads((Path(checkpoint) / rundir.MANIFEST).read_text())["sha256"]["model.safetensors"]
