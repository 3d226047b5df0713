"""Run many programs on a pool of warm workers, results in input order.

Each thread owns one worker (worker.py): in bwrap mode a sandbox that runs the thread's programs one
after another and wipes what each leaves behind before the next starts (processes, files, keyrings,
IPC), or is replaced by a fresh sandbox when it cannot. Sandboxes of different threads share no
namespace, file or process, so programs running side by side cannot see or touch each other either.
Threads suffice because the work happens in the sandboxed processes; a thread only waits and copies
output.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from codeling.errors import CodelingError
from codeling.sandbox.outcome import RunResult
from codeling.sandbox.policy import Limits, SandboxConfig
from codeling.sandbox.runner import (
    PROCESS_MODE_WARNING,
    UnsafeSandboxWarning,
    encode_stdin,
    program_files,
    require_bwrap,
)
from codeling.sandbox.worker import Worker


@dataclass(frozen=True)
class SandboxJob:
    source: str
    stdin: bytes | str = b""
    tests: str | None = None


def run_batch(
    programs: Sequence[SandboxJob],
    *,
    limits: Limits | None = None,
    config: SandboxConfig | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[RunResult]:
    """Run every program isolated, `workers` at a time (default: one per CPU core, plus one to hide
    the wait on each program's pipes). `progress(done, total)` is called as programs finish."""
    limits = limits or Limits()
    config = config or SandboxConfig()
    workers = workers or (os.cpu_count() or 1) + 1
    if workers < 1:
        raise CodelingError(f"workers must be at least 1, got {workers}; pass a positive number.")
    if config.mode == "bwrap":
        require_bwrap(config)  # fail once, clearly, before starting the batch
    elif programs:
        warnings.warn(PROCESS_MODE_WARNING, UnsafeSandboxWarning, stacklevel=2)
    own = threading.local()
    started: list[Worker] = []

    def run(job: SandboxJob) -> RunResult:
        if not hasattr(own, "worker"):
            own.worker = Worker(config, limits.work_dir_mb)
            started.append(own.worker)
        return own.worker.run(program_files(job.source, job.tests), encode_stdin(job.stdin), limits)

    results: list[RunResult | None] = [None] * len(programs)
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sandbox") as pool:
            futures = {pool.submit(run, p): i for i, p in enumerate(programs)}
            for done, future in enumerate(as_completed(futures), 1):
                results[futures[future]] = future.result()
                if progress:
                    progress(done, len(programs))
    finally:
        for worker in started:
            worker.close()
    return results  # type: ignore[return-value]
