"""Run untrusted Python programs, isolated and limited. Depends on nothing else in codeling but
codeling.errors. See docs/SANDBOX.md for what each mode isolates.

    from codeling.sandbox import run_program, run_batch, SandboxJob, Limits
    run_program("print(1 + 1)").stdout            # "2\\n"
    run_batch([SandboxJob("assert f(2) == 4", tests=None)], limits=Limits(timeout_s=2))
"""

from codeling.sandbox.outcome import STATUSES, RunResult
from codeling.sandbox.policy import Limits, SandboxConfig
from codeling.sandbox.pool import SandboxJob, run_batch
from codeling.sandbox.runner import UnsafeSandboxWarning, require_bwrap, run_program

__all__ = [
    "Limits",
    "SandboxJob",
    "RunResult",
    "STATUSES",
    "SandboxConfig",
    "UnsafeSandboxWarning",
    "require_bwrap",
    "run_batch",
    "run_program",
]
