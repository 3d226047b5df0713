"""A warm worker: one sandboxed process that runs programs one at a time, seen from the host.
bootstrap.py is the other side of the conversation; read its docstring first.

In bwrap mode the worker lives in one bubblewrap sandbox for many programs and wipes what each
leaves behind. The sandbox is killed whole (its pid namespace's init, through a pidfd) and the next
program gets a fresh one whenever the worker could not wipe, a program ended by a limit only the
host enforces (the wall clock, the output cap), or the worker died. In process mode a worker runs
one program and is then killed with its process group.
"""

from __future__ import annotations

import json
import os
import select
import selectors
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from codeling.errors import CodelingError
from codeling.sandbox import staging
from codeling.sandbox.outcome import RunResult, classify_exit
from codeling.sandbox.policy import Limits, SandboxConfig, bwrap_argv, find_interpreter

_BOOTSTRAP = (Path(__file__).parent / "bootstrap.py").read_text()
_CHUNK = 1 << 16
START_TIMEOUT_S = 30.0  # bwrap and an interpreter starting on a busy machine


class Worker:
    def __init__(self, config: SandboxConfig, work_dir_mb: int = Limits.work_dir_mb):
        self.config = config
        self.work_dir_mb = work_dir_mb
        self._proc: subprocess.Popen | None = None  # bwrap, or the worker itself in process mode
        self._control: socket.socket | None = None
        self._init_pidfd: int | None = None  # the sandbox's init: killing it ends the namespace
        self._work_dir: str | None = None  # process mode's temporary cwd
        self.starts = 0  # how many sandboxes this worker has started (a measure of reuse)

    # ------------------------------------------------------------------ running programs

    def run(self, files: dict[str, str], stdin: bytes, limits: Limits) -> RunResult:
        """Run `files["main.py"]` (then `files["tests.py"]`, when given) under `limits`."""
        if self._proc is None or limits.work_dir_mb != self.work_dir_mb:
            self.close()
            self.work_dir_mb = limits.work_dir_mb
            self._start()
        stdin_r, stdin_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        sources = [_memfd(name, files[name]) for name in ("main.py", "tests.py") if name in files]
        header = _rlimit_spec(limits).encode()  # tests or not: the worker counts the fds
        theirs = [stdin_r, out_w, err_w, *sources]
        started = time.monotonic()
        try:
            socket.send_fds(self._control, [header], theirs)
            sent = True
        except OSError:  # the worker died between programs (e.g. killed from outside)
            sent = False
        finally:
            for fd in theirs:  # the worker has its own copies now; ours would hold the pipes open
                os.close(fd)
        if sent:
            stdout, stderr, report, limit = _exchange(
                stdin_w, out_r, err_r, self._control, stdin, limits.output_bytes, started + limits.timeout_s
            )
        else:
            os.close(stdin_w)
            stdout, stderr, report, limit = b"", b"", "", None
        os.close(out_r)
        os.close(err_r)
        clean, _, report = report.partition(" ")
        returncode = 0
        if limit is not None or clean != "1" or self.config.mode == "process":
            # A missing report means the worker itself ended: its exit status tells how.
            returncode = self._stop(wait_until=None if limit or report else started + limits.timeout_s)
        duration = time.monotonic() - started
        return classify_exit(
            returncode,
            report,
            limit,
            limits,
            "tests.py" in files,
            128 if self.config.mode == "bwrap" else None,
            stdout,
            stderr,
            duration,
        )

    def close(self) -> None:
        if self._proc is not None:
            self._stop(wait_until=None)

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ starting and stopping

    def _start(self) -> None:
        control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        interpreter = find_interpreter(self.config.python)
        command = [interpreter.executable, "-S", "-I", "-c", _BOOTSTRAP, str(theirs.fileno())]
        mode = "contained" if self.config.mode == "bwrap" else "once"
        command += [mode, *self.config.import_paths()]
        try:
            if self.config.mode == "bwrap":
                self._proc, self._init_pidfd = _start_bwrap(
                    self.config, interpreter, self.work_dir_mb, command, theirs.fileno()
                )
            else:
                self._work_dir = tempfile.mkdtemp(prefix="codeling-sandbox-")
                self._proc = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    cwd=self._work_dir,
                    env={"PATH": os.defpath, **dict(self.config.env)},
                    start_new_session=True,
                    pass_fds=(theirs.fileno(),),
                )
        except BaseException:
            control.close()
            raise
        finally:
            theirs.close()
        self._control = control
        self.starts += 1
        ready = select.select([control], [], [], START_TIMEOUT_S)[0] and control.recv(16) == b"ready"
        if not ready:
            reason = self._failure_reason()
            self._stop(wait_until=None)
            raise CodelingError(
                f"the sandbox did not start ({reason}); if bubblewrap cannot create namespaces here, enable "
                "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) or choose mode "
                "'process', which does not isolate the program."
            )

    def _failure_reason(self) -> str:
        if self._proc.poll() is None:
            return f"no answer within {START_TIMEOUT_S:.0f} s"
        err = self._proc.stderr.read().decode(errors="replace").strip().splitlines()
        return err[-1] if err else f"exit status {self._proc.returncode}"

    def _stop(self, wait_until: float | None) -> int:
        """End the worker and everything it started; its exit status. With `wait_until`, first give a
        worker that is already ending until then to end by itself, so its own status is seen."""
        proc = self._proc
        if wait_until is not None:
            try:
                proc.wait(max(0.0, wait_until - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        if self._init_pidfd is not None:
            # SIGKILL to the namespace's init ends every process in the pid namespace at once.
            try:
                signal.pidfd_send_signal(self._init_pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.close(self._init_pidfd)
        if proc.returncode is None:
            # Our own unreaped child (or its process group, in process mode, where a setsid double
            # fork escapes it): its pid cannot be reused before we wait for it.
            kill = os.kill if self.config.mode == "bwrap" else os.killpg
            try:
                kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        returncode = proc.wait()
        if self.config.mode == "process":
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # leftovers in the group that outlived it
            except ProcessLookupError:
                pass
        proc.stderr.close()
        self._control.close()
        if self._work_dir is not None:
            shutil.rmtree(self._work_dir, ignore_errors=True)
        self._proc, self._control, self._init_pidfd, self._work_dir = None, None, None, None
        return returncode


def find_bwrap(config: SandboxConfig) -> str:
    path = shutil.which(config.bwrap_path)
    if path is None:
        raise CodelingError(
            f"sandbox mode 'bwrap' needs bubblewrap, but {config.bwrap_path!r} was not found; install it "
            "(apt-get install bubblewrap) or choose mode 'process', which does not isolate the program."
        )
    return path


def _start_bwrap(
    config: SandboxConfig, interpreter, work_dir_mb: int, command: list[str], control_fd: int
) -> tuple[subprocess.Popen, int | None]:
    bwrap = find_bwrap(config)
    try:
        packages = tuple(os.path.realpath(p) for p in config.packages)
        staged = staging.staging_for(interpreter.paths + packages)
    except OSError as e:  # nsenter or unshare (util-linux) missing when running as root
        raise CodelingError(
            f"cannot start bubblewrap ({e}); "
            "install util-linux and bubblewrap, or choose mode 'process', which does not isolate the program."
        ) from e
    info_r, info_w = os.pipe()
    argv = (staged.prefix() if staged else []) + bwrap_argv(
        bwrap, interpreter, work_dir_mb, staged.sources if staged else {}, info_w, command, config
    )
    try:
        # env={}: bwrap itself starts from an empty environment, so not even /proc/1/environ
        # inside shows the caller's variables.
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={},
            start_new_session=True,
            pass_fds=(info_w, control_fd),
        )
    except OSError as e:
        os.close(info_r)
        raise CodelingError(
            f"cannot start bubblewrap ({e}); "
            "install util-linux and bubblewrap, or choose mode 'process', which does not isolate the program."
        ) from e
    finally:
        os.close(info_w)
    return proc, _sandbox_init_pidfd(info_r)


def _sandbox_init_pidfd(info_r: int) -> int | None:
    """bwrap writes the host pid of the sandbox's init to --info-fd before the worker starts; a
    pidfd on it lets us kill exactly that namespace later, with no pid-reuse race."""
    data = b""
    while chunk := os.read(info_r, 4096):
        data += chunk
    os.close(info_r)
    try:
        return os.pidfd_open(json.loads(data)["child-pid"])
    except (ValueError, KeyError, OSError):
        return None  # bwrap failed before starting the sandbox: there is nothing to kill


def _exchange(
    stdin_w: int, out_r: int, err_r: int, control: socket.socket, stdin: bytes, cap: int, deadline: float
) -> tuple[bytes, bytes, str, str | None]:
    """Write stdin and read stdout/stderr until both close and the worker's report has come (an
    empty report: the worker died), the deadline passes ("wall"), or one stream passes `cap` bytes
    ("output"). Output beyond the cap is never kept."""
    try:
        return _exchange_until_done(stdin_w, out_r, err_r, control, stdin, cap, deadline)
    finally:
        os.close(stdin_w)  # EOF for a program that reads all its input


def _exchange_until_done(stdin_w, out_r, err_r, control, stdin, cap, deadline):
    chunks = {out_r: bytearray(), err_r: bytearray()}
    pending = memoryview(stdin)
    report: str | None = None
    limit = None
    with selectors.DefaultSelector() as sel:
        for fd in chunks:
            sel.register(fd, selectors.EVENT_READ)
        sel.register(control, selectors.EVENT_READ)
        if pending:
            os.set_blocking(stdin_w, False)
            sel.register(stdin_w, selectors.EVENT_WRITE)
        else:
            _end_input(stdin_w)
        while limit is None and (report is None or out_r in sel.get_map() or err_r in sel.get_map()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                limit = "wall"
                break
            for key, _ in sel.select(remaining):
                if key.fileobj is control:
                    report = control.recv(4096).decode(errors="replace")
                    sel.unregister(control)
                elif key.fd in chunks:
                    data = os.read(key.fd, _CHUNK)
                    if not data:
                        sel.unregister(key.fd)
                    chunks[key.fd] += data
                    if len(chunks[key.fd]) > cap:
                        limit = "output"
                else:
                    try:
                        pending = pending[os.write(key.fd, pending[: select.PIPE_BUF]) :]
                    except BrokenPipeError:  # the program stopped reading: fine
                        pending = pending[:0]
                    if not pending:
                        sel.unregister(key.fd)
                        _end_input(key.fd)
    return bytes(chunks[out_r][:cap]), bytes(chunks[err_r][:cap]), report or "", limit


def _end_input(fd: int) -> None:
    """Give the program EOF on stdin now, but keep the descriptor number ours until the one close in
    _exchange: in a threaded pool, closing a number twice could close another thread's file."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _memfd(name: str, text: str) -> int:
    fd = os.memfd_create(name, 0)
    view = memoryview(text.encode())
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _rlimit_spec(limits: Limits) -> str:
    return ",".join(f"{name}={soft}:{hard}" for name, (soft, hard) in limits.rlimits().items())
