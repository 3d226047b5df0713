"""Run one untrusted Python program and say what happened.

    result = run_program("print(input()[::-1])", stdin=b"abc\\n")
    result.status  # "ok"; result.stdout == "cba\\n"

Statuses and how they are decided: outcome.py. In bwrap mode the program gets a sandbox of its own,
started for it and killed after it; `process` mode (see docs/SANDBOX.md) isolates nothing but
resources and warns so on every use. Many programs: pool.run_batch, which keeps sandboxes warm.
"""

from __future__ import annotations

import warnings

from codeling.errors import CodelingError
from codeling.sandbox.outcome import RunResult
from codeling.sandbox.policy import Limits, SandboxConfig
from codeling.sandbox.worker import Worker, find_bwrap


class UnsafeSandboxWarning(UserWarning):
    """Issued on every run in `process` mode."""


PROCESS_MODE_WARNING = (
    "sandbox mode 'process' does NOT isolate the program: it runs as your user and can read and write "
    "your files, use the network, signal your other processes and read their /proc entries "
    "(environments included); only rlimits, a new session and the timeout apply, and as root "
    "RLIMIT_NPROC does not. Use mode 'bwrap' for code you do not trust."
)


def program_files(source: str, tests: str | None) -> dict[str, str]:
    return {"main.py": source, **({"tests.py": tests} if tests is not None else {})}


def encode_stdin(stdin: bytes | str) -> bytes:
    return stdin.encode() if isinstance(stdin, str) else stdin


def run_program(
    source: str,
    *,
    stdin: bytes | str = b"",
    tests: str | None = None,
    limits: Limits | None = None,
    config: SandboxConfig | None = None,
) -> RunResult:
    """Run `source` (then `tests`, in the program's namespace) under `limits`, isolated per `config`."""
    limits = limits or Limits()
    config = config or SandboxConfig()
    if config.mode == "process":
        warnings.warn(PROCESS_MODE_WARNING, UnsafeSandboxWarning, stacklevel=2)
    else:
        require_bwrap(config)
    with Worker(config, limits.work_dir_mb) as worker:
        return worker.run(program_files(source, tests), encode_stdin(stdin), limits)


_probed: set[tuple[str, str | None]] = set()


def require_bwrap(config: SandboxConfig) -> str:
    """The bwrap executable, checked once by running a trivial program in a full sandbox. Raises
    CodelingError when bwrap is missing or cannot create namespaces here: never a silent fallback."""
    path = find_bwrap(config)
    key = (config.bwrap_path, config.python)
    if key not in _probed:
        with Worker(config) as worker:
            probe = worker.run({"main.py": "print('ready')"}, b"", Limits(timeout_s=20))
        if probe.status != "ok" or probe.stdout != "ready\n":
            reason = (probe.stderr.strip().splitlines() or [probe.status])[-1]
            raise CodelingError(
                f"bubblewrap at {path} cannot run a sandbox here ({reason}); enable unprivileged user "
                "namespaces (sysctl kernel.unprivileged_userns_clone=1) or "
                "choose mode 'process', which does not isolate the program."
            )
        _probed.add(key)
    return path
