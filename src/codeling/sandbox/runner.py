"""Run one untrusted Python program and say what happened.

    result = run_program("print(input()[::-1])", stdin=b"abc\\n")
    result.status  # "ok"; result.stdout == "cba\\n"

Statuses:
    ok            the program (and its tests, if given) ran to the end
    failed        the tests raised AssertionError, or exited non-zero (unittest.main)
    error         any other uncaught exception, a non-zero exit, or an exit before the tests ran
    timeout       the wall clock or the CPU limit ran out (`limit` says which: "wall" or "cpu")
    memory        MemoryError under the address-space limit (`limit` = "memory")
    output_limit  stdout or stderr grew past limits.output_bytes (`limit` = "output")
    killed        ended by a signal no limit explains (e.g. it killed itself, or segfaulted);
                  SIGXFSZ from the file-size limit reads killed with `limit` = "file_size"

In bwrap mode each program gets fresh namespaces; `process` mode (see docs/SANDBOX.md) isolates
nothing but resources and warns so on every use.
"""

from __future__ import annotations

import json
import os
import select
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from codeling.errors import CodelingError
from codeling.sandbox import staging
from codeling.sandbox.policy import PROGRAM_DIR, Limits, SandboxConfig, bwrap_argv, find_interpreter

STATUSES = ("ok", "failed", "error", "timeout", "memory", "output_limit", "killed")

_BOOTSTRAP = (Path(__file__).parent / "bootstrap.py").read_text()
_CHUNK = 1 << 16


class UnsafeSandboxWarning(UserWarning):
    """Issued on every run in `process` mode."""


PROCESS_MODE_WARNING = (
    "sandbox mode 'process' does NOT isolate the program: it runs as your user and can read and write "
    "your files, use the network, signal your other processes and read their /proc entries "
    "(environments included); only rlimits, a new session and the timeout apply, and as root "
    "RLIMIT_NPROC does not. Use mode 'bwrap' for code you do not trust.")


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


def run_program(source: str, *, stdin: bytes | str = b"", tests: str | None = None,
                limits: Limits | None = None, config: SandboxConfig | None = None) -> RunResult:
    """Run `source` (then `tests`, in the program's namespace) under `limits`, isolated per `config`."""
    limits = limits or Limits()
    config = config or SandboxConfig()
    if isinstance(stdin, str):
        stdin = stdin.encode()
    files = {"main.py": source, **({"tests.py": tests} if tests is not None else {})}
    if config.mode == "process":
        warnings.warn(PROCESS_MODE_WARNING, UnsafeSandboxWarning, stacklevel=2)
        return _run_process(files, stdin, limits, config)
    return _run_bwrap(files, stdin, limits, config)


# ----------------------------------------------------------------------------- bwrap mode


def _run_bwrap(files: dict[str, str], stdin: bytes, limits: Limits, config: SandboxConfig) -> RunResult:
    bwrap = require_bwrap(config)
    interpreter = find_interpreter(config.python)
    staged = staging.staging_for(interpreter.paths)
    prefix = staged.prefix() if staged else []
    info_r, info_w = os.pipe()
    report_r, report_w = os.pipe()
    data_fds = {name: _memfd(name, text) for name, text in files.items()}
    command = [interpreter.executable, "-S", "-I", "-c", _BOOTSTRAP, _rlimit_spec(limits),
               f"{PROGRAM_DIR}/main.py", f"{PROGRAM_DIR}/tests.py" if "tests.py" in files else "",
               str(report_w)]
    argv = prefix + bwrap_argv(bwrap, interpreter, limits, staged.sources if staged else {},
                               data_fds, info_w, command)
    started = time.monotonic()
    try:
        # env={}: bwrap itself starts from an empty environment, so not even /proc/1/environ
        # inside shows the caller's variables.
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env={}, start_new_session=True,
                                pass_fds=(info_w, report_w, *data_fds.values()))
    except OSError:
        os.close(info_r)
        os.close(report_r)
        raise
    finally:
        for fd in (info_w, report_w, *data_fds.values()):
            os.close(fd)
    sandbox_init = _sandbox_init_pidfd(info_r)

    def kill() -> None:
        # SIGKILL to the namespace's init ends every process in the pid namespace at once.
        if sandbox_init is not None:
            _pidfd_kill(sandbox_init)
        _kill_child(proc.pid)

    try:
        return _supervise(proc, stdin, limits, "tests.py" in files, started, report_r, kill,
                          signal_offset=128)
    finally:
        if sandbox_init is not None:
            os.close(sandbox_init)


def _sandbox_init_pidfd(info_r: int) -> int | None:
    """bwrap writes the host pid of the sandbox's init to --info-fd before the program starts; a
    pidfd on it lets us kill exactly that namespace later, with no pid-reuse race."""
    data = _read_all(info_r)
    os.close(info_r)
    try:
        return os.pidfd_open(json.loads(data)["child-pid"])
    except (ValueError, KeyError, OSError):
        return None  # bwrap failed before starting the sandbox: there is nothing to kill


_probed: dict[tuple[str, str | None], str] = {}


def require_bwrap(config: SandboxConfig) -> str:
    """The bwrap executable, checked once by running a trivial program in a full sandbox. Raises
    CodelingError when bwrap is missing or cannot create namespaces here: never a silent fallback."""
    key = (config.bwrap_path, config.python)
    if key in _probed:
        return _probed[key]
    path = shutil.which(config.bwrap_path)
    if path is None:
        raise CodelingError(
            f"sandbox mode 'bwrap' needs bubblewrap, but {config.bwrap_path!r} was not found; install it "
            "(apt-get install bubblewrap) or choose mode 'process', which does not isolate the program.")
    _probed[key] = path
    try:
        probe = _run_bwrap({"main.py": "print('ready')"}, b"", Limits(timeout_s=20), config)
    except OSError as e:  # e.g. nsenter or unshare (util-linux) missing when running as root
        del _probed[key]
        raise CodelingError(f"cannot start bubblewrap ({e}); install util-linux and bubblewrap, or choose mode 'process', which does not isolate the program.") from e
    except BaseException:
        del _probed[key]
        raise
    if probe.status != "ok" or probe.stdout != "ready\n":
        del _probed[key]
        reason = (probe.stderr.strip().splitlines() or [probe.status])[-1]
        raise CodelingError(
            f"bubblewrap at {path} cannot run a sandbox here ({reason}); enable unprivileged user "
            "namespaces (sysctl kernel.unprivileged_userns_clone=1) or choose mode 'process', which does not isolate the program.")
    return path


# ----------------------------------------------------------------------------- process mode


def _run_process(files: dict[str, str], stdin: bytes, limits: Limits, config: SandboxConfig) -> RunResult:
    interpreter = find_interpreter(config.python)
    report_r, report_w = os.pipe()
    with tempfile.TemporaryDirectory(prefix="codeling-sandbox-") as work:
        for name, text in files.items():
            Path(work, name).write_text(text)
        command = [interpreter.executable, "-S", "-I", "-c", _BOOTSTRAP, _rlimit_spec(limits),
                   str(Path(work, "main.py")), str(Path(work, "tests.py")) if "tests.py" in files else "",
                   str(report_w)]
        started = time.monotonic()
        try:
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, cwd=work, start_new_session=True,
                                    env={"PATH": os.defpath}, pass_fds=(report_w,))
        finally:
            os.close(report_w)

        def kill() -> None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the session's group; setsid escapes it
            except ProcessLookupError:
                pass

        result = _supervise(proc, stdin, limits, "tests.py" in files, started, report_r, kill,
                            signal_offset=None)
        kill()  # leftovers in the group that outlived the program
        return result


# ----------------------------------------------------------------------------- shared


def _supervise(proc: subprocess.Popen, stdin: bytes, limits: Limits, has_tests: bool, started: float,
               report_r: int, kill, signal_offset: int | None) -> RunResult:
    """Feed stdin, read capped output, enforce the wall clock, then classify the ending."""
    deadline = started + limits.timeout_s
    stdout, stderr, limit = _exchange(proc, stdin, limits.output_bytes, deadline)
    if limit is not None or not _wait_until(proc, deadline):
        limit = limit or "wall"
        kill()
    proc.wait()
    duration = time.monotonic() - started
    report = _read_all(report_r).decode(errors="replace")
    os.close(report_r)
    return classify(proc.returncode, report, limit, limits, has_tests, signal_offset, stdout, stderr,
                    duration)


def classify(returncode: int, report: str, limit: str | None, limits: Limits, has_tests: bool,
             signal_offset: int | None, stdout: bytes, stderr: bytes, duration: float) -> RunResult:
    """Turn how the run ended into a RunResult. `report` is the bootstrap's line ("<wait status>
    <cpu seconds> <verdict>", see bootstrap.py), empty when the bootstrap itself was killed; then
    the outer exit status speaks: bwrap reports a signal death as 128 + signal (signal_offset=128),
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
    return RunResult(status=status, exit_code=exit_code, signal=signum,
                     stdout=stdout.decode(errors="replace"), stderr=stderr.decode(errors="replace"),
                     duration_s=duration, cpu_s=cpu_s, limit=limit, exception=exception)


def _exchange(proc: subprocess.Popen, stdin: bytes, cap: int, deadline: float) -> tuple[bytes, bytes, str | None]:
    """Write stdin and read stdout/stderr until both close, the deadline passes ("wall"), or one
    stream passes `cap` bytes ("output"). Output beyond the cap is never kept."""
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    chunks = {out_fd: bytearray(), err_fd: bytearray()}
    pending = memoryview(stdin)
    limit = None
    with selectors.DefaultSelector() as sel:
        for fd in chunks:
            sel.register(fd, selectors.EVENT_READ)
        if pending:
            os.set_blocking(proc.stdin.fileno(), False)
            sel.register(proc.stdin.fileno(), selectors.EVENT_WRITE)
        else:
            proc.stdin.close()
        while sel.get_map() and limit is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                limit = "wall"
                break
            for key, _ in sel.select(remaining):
                if key.fd in chunks:
                    data = os.read(key.fd, _CHUNK)
                    if not data:
                        sel.unregister(key.fd)
                    chunks[key.fd] += data
                    if len(chunks[key.fd]) > cap:
                        limit = "output"
                else:
                    try:
                        pending = pending[os.write(key.fd, pending[:select.PIPE_BUF]):]
                    except BrokenPipeError:  # the program stopped reading: fine
                        pending = pending[:0]
                    if not pending:
                        sel.unregister(key.fd)
                        proc.stdin.close()
    out, err = bytes(chunks[out_fd][:cap]), bytes(chunks[err_fd][:cap])
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        stream.close()
    return out, err, limit


def _wait_until(proc: subprocess.Popen, deadline: float) -> bool:
    """Wait for the process to exit by `deadline`, without reaping it: until we reap it, its pid
    cannot be reused, so killing it by pid stays safe."""
    fd = os.pidfd_open(proc.pid)
    try:
        return bool(select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0])
    finally:
        os.close(fd)


def _pidfd_kill(pidfd: int) -> None:
    try:
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _kill_child(pid: int) -> None:
    # Our own unreaped child: its pid cannot be reused before we wait for it.
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _memfd(name: str, text: str) -> int:
    fd = os.memfd_create(name, 0)  # bwrap copies it into the sandbox as a read-only file
    with open(fd, "wb", closefd=False) as f:
        f.write(text.encode())
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _read_all(fd: int) -> bytes:
    data = b""
    while chunk := os.read(fd, 4096):
        data += chunk
    return data


def _rlimit_spec(limits: Limits) -> str:
    return ",".join(f"{name}={soft}:{hard}" for name, (soft, hard) in limits.rlimits().items())
