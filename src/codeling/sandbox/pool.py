"""Run many programs on a pool of workers, results in input order.

Each program still gets its own fresh sandbox: the pool shares threads, never namespaces, files or
interpreters, so one program of a batch cannot see or touch another. Threads suffice because the
work happens in the sandboxed processes; a worker thread only waits and copies output.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from codeling.errors import CodelingError
from codeling.sandbox.policy import Limits, SandboxConfig
from codeling.sandbox.runner import RunResult, require_bwrap, run_program


@dataclass(frozen=True)
class Program:
    source: str
    stdin: bytes | str = b""
    tests: str | None = None


def run_batch(programs: Sequence[Program], *, limits: Limits | None = None,
              config: SandboxConfig | None = None, workers: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> list[RunResult]:
    """Run every program in its own sandbox, `workers` at a time (default: one per CPU core, plus
    one to hide start-up latency). `progress(done, total)` is called as programs finish."""
    config = config or SandboxConfig()
    workers = workers or (os.cpu_count() or 1) + 1
    if workers < 1:
        raise CodelingError(f"workers must be at least 1, got {workers}; pass a positive number.")
    if config.mode == "bwrap":
        require_bwrap(config)  # fail once, clearly, before starting the batch
    results: list[RunResult | None] = [None] * len(programs)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sandbox") as pool:
        futures = {pool.submit(run_program, p.source, stdin=p.stdin, tests=p.tests, limits=limits,
                               config=config): i for i, p in enumerate(programs)}
        for done, future in enumerate(as_completed(futures), 1):
            results[futures[future]] = future.result()
            if progress:
                progress(done, len(programs))
    return results  # type: ignore[return-value]
