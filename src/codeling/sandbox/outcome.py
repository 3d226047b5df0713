"""How a sandboxed run ended: the RunResult every caller gets, and the rules that classify it.

Statuses:
    ok            the program (and its tests, if given) ran to the end
    failed        the tests raised AssertionError, or exited non-zero (unittest.main)
    error         any other uncaught exception, a non-zero exit, or an exit before the tests ran
    timeout       the wall clock or the CPU limit ran out (`limit` says which: "wall" or "cpu")
    memory        MemoryError under the address-space limit (`limit` = "memory")
    output_limit  stdout or stderr grew past limits.output_bytes (`limit` = "output")
    killed        ended by a signal no limit explains (e.g. it killed itself, or segfaulted);
                  SIGXFSZ from the file-size limit reads killed with `limit` = "file_size"
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass

from codeling.sandbox.policy import Limits

STATUSES = ("ok", "failed", "error", "timeout", "memory", "output_limit", "killed")


@dataclass(frozen=True)
class RunResult:
    status: str  # one of STATUSES
    exit_code: int | None  # the program's exit status; None when it ended by a signal
    signal: int | None  # the signal that ended it, if any
    stdout: str
    stderr: str
    duration_s: float  # wall clock, sandbox start-up included
    cpu_s: float = 0.0  # CPU time of the program's processes, as far as the kernel reports it
    limit: str | None = None  # which limit ended the run: wall, cpu, memory, output, file_size
    exception: str | None = None  # the uncaught exception's type name, if the program raised one

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def classify_exit(
    returncode: int,
    report: str,
    limit: str | None,
    limits: Limits,
    has_tests: bool,
    signal_offset: int | None,
    stdout: bytes,
    stderr: bytes,
    duration: float,
) -> RunResult:
    """Turn how the run ended into a RunResult. `report` is the worker's line ("<wait status>
    <cpu seconds> <verdict>", see bootstrap.py), empty when the worker itself died; then
    its exit status speaks: bwrap reports a signal death as 128 + signal (signal_offset=128),
    a plain child as -signal."""
    status_text, cpu_text, verdict = (report.split(" ", 2) + ["", "", ""])[:3] if report else ("", "", "")
    cpu_s = float(cpu_text) if cpu_text else 0.0
    if status_text:
        wait_status = int(status_text)
        signum = os.WTERMSIG(wait_status) if os.WIFSIGNALED(wait_status) else None
        exit_code = None if signum else os.WEXITSTATUS(wait_status)
    else:
        signum = None
        if returncode < 0:
            signum = -returncode
        elif signal_offset is not None and returncode > signal_offset:
            signum = returncode - signal_offset
        exit_code = None if signum else returncode
    word, _, detail = verdict.partition(" ")
    exception = detail if word in ("failed", "error", "memory") and detail else None
    if limit == "output":
        status = "output_limit"
    elif limit == "wall":
        status = "timeout"
    elif signum == signal.SIGXCPU or (signum == signal.SIGKILL and cpu_s >= limits.cpu_seconds):
        status, limit = "timeout", "cpu"
    elif word == "memory":
        status, limit = "memory", "memory"
    elif word in ("ok", "failed", "error"):
        status = word
    elif word == "exit":
        status, exit_code = "error", int(detail)
    elif signum == signal.SIGXFSZ:
        status, limit = "killed", "file_size"
    elif signum is not None:
        status = "killed"
    elif exit_code == 0 and not has_tests:
        status = "ok"  # os._exit(0): an abrupt but clean end, with no tests left to run
    else:
        # Ended without a verdict: os._exit before the tests ran, or a crash before the program.
        status = "error"
    return RunResult(
        status=status,
        exit_code=exit_code,
        signal=signum,
        stdout=stdout.decode(errors="replace"),
        stderr=stderr.decode(errors="replace"),
        duration_s=duration,
        cpu_s=cpu_s,
        limit=limit,
        exception=exception,
    )
