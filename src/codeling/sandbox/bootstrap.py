"""The code that runs inside the sandbox (passed to `python -S -I -c`): a warm worker that runs
programs one at a time, each in a child it forks, and reports how each one ended.

Forking a warm interpreter costs about a millisecond; starting a fresh one costs tens. That is the
whole reason this worker exists, and what it must not cost is isolation between programs.

Protocol, over the SOCK_SEQPACKET socket whose fd is argv[1]:

    worker -> caller  b"ready"
    caller -> worker  b"RLIMITS" with the fds [stdin, stdout, stderr, main, (tests)]
    worker -> caller  b"<clean> <wait status> <cpu seconds> <verdict>"

and again, until the caller closes the socket. The child applies the rlimits (hard limits it
cannot raise), runs the program and then the tests in one `__main__` module, and passes its verdict
up a pipe: `ok`, `failed <Exception>` (the tests raised AssertionError or exited non-zero),
`memory <Exception>`, `error <Exception>` or `exit <code>`; nothing if it ended early (a signal,
os._exit). The worker never reads a program, its input or its output: the caller hands those over
as file descriptors, so no program can find an earlier one's data in memory it inherits.

With argv[2] == "contained" (bwrap mode: the worker is pid 2 of a pid namespace of its own, the only
writable place is the work directory) the worker wipes everything a program may leave behind before
it reports: it kills every other process in the namespace, empties the work directory and the
user's kernel keyrings, and checks that no SysV IPC object is left (POSIX message queues are
ruled out by RLIMIT_MSGQUEUE=0). `<clean>` is 0 when something could not be wiped; the worker then
exits and the caller starts a fresh sandbox. With "once" (process mode) it runs one program and
exits; the caller kills what is left.

Stdlib only. The worker imports once what every run needs (linecache, traceback), so that no
program pays for it; every module imported here is already imported in every program.

Usage: python -S -I -c "$(cat bootstrap.py)" SOCKET_FD contained|once [IMPORT_PATH ...]

Each IMPORT_PATH (read-only package directories the caller chose to expose) goes on sys.path.
"""

import gc
import linecache
import os
import resource
import signal
import socket
import sys
import time
import traceback

PROGRAM_PATH = "/sandbox/main.py"  # the names tracebacks show; the sources never touch the disk
TESTS_PATH = "/sandbox/tests.py"
WORK_DIR = "/tmp"


def set_limits(spec):
    # spec: "RLIMIT_CPU=2:3,RLIMIT_AS=536870912:536870912,..."
    for item in spec.split(","):
        name, values = item.split("=")
        soft, hard = values.split(":")
        resource.setrlimit(getattr(resource, name), (int(soft), int(hard)))


def print_traceback(error):
    # Skip this file's frame: the user should see their own code only.
    traceback.print_exception(type(error), error, error.__traceback__.tb_next)


def load(fd, path):
    with open(fd, encoding="utf-8") as f:
        source = f.read()
    # Tracebacks and inspect read source lines through linecache: register the text under its name.
    linecache.cache[path] = (len(source), None, source.splitlines(True), path)
    return source


def run(main_fd, tests_fd):
    # A real __main__ module, so that unittest.main(), pickle and friends find the program's names.
    module = type(sys)("__main__")
    module.__file__ = PROGRAM_PATH
    module.__builtins__ = __builtins__
    sys.modules["__main__"] = module
    namespace = module.__dict__
    sys.argv = [PROGRAM_PATH]
    phase = "program"
    try:
        source = load(main_fd, PROGRAM_PATH)
        tests = load(tests_fd, TESTS_PATH) if tests_fd is not None else None
        try:
            exec(compile(source, PROGRAM_PATH, "exec"), namespace)
        except SystemExit as e:
            # sys.exit(0) ends a script normally; the tests still run.
            if e.code not in (None, 0):
                return f"exit {e.code if isinstance(e.code, int) else 1}"
        if tests is not None:
            phase = "tests"
            try:
                exec(compile(tests, TESTS_PATH, "exec"), namespace)
            except SystemExit as e:
                # unittest.main() exits 0 on success and 1 on failure.
                if e.code not in (None, 0):
                    return "failed SystemExit"
        return "ok"
    except MemoryError as e:
        print_traceback(e)
        return "memory MemoryError"
    except BaseException as e:
        print_traceback(e)
        kind = "failed" if phase == "tests" and isinstance(e, AssertionError) else "error"
        return f"{kind} {type(e).__name__}"


def child(spec, fds, keep_open, libc):
    """In the forked child: take the program's stdio, drop every other descriptor the worker holds,
    apply the limits, run, and pass the verdict up. Never returns."""
    stdin, stdout, stderr, main_fd, *rest = fds
    tests_fd = rest[0] if rest else None
    verdict_w = keep_open[0]
    for target, fd in enumerate((stdin, stdout, stderr)):
        os.dup2(fd, target)
    keep = {0, 1, 2, main_fd, verdict_w} | ({tests_fd} if tests_fd is not None else set())
    for name in os.listdir("/proc/self/fd"):
        if int(name) not in keep:
            try:
                os.close(int(name))
            except OSError:
                pass  # the descriptor listdir itself used
    if libc is not None:
        libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # the program may read its own /proc/self files
    set_limits(spec)
    outcome = run(main_fd, tests_fd)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # the program may have closed or replaced its streams
            pass
    try:
        os.write(verdict_w, outcome.encode())
    except OSError:
        pass
    # os._exit: the program's atexit handlers and threads do not get to run past its verdict.
    os._exit(0 if outcome == "ok" else 1)


def run_one(message, fds, libc):
    spec = message.decode()
    verdict_r, verdict_w = os.pipe()
    # The program runs in a forked child so that this process sees how it ended (signal, CPU time)
    # even when it ends by SIGKILL.
    pid = os.fork()
    if pid == 0:
        os.close(verdict_r)
        try:
            child(spec, fds, [verdict_w], libc)
        finally:
            os._exit(1)
    os.close(verdict_w)
    for fd in fds:
        os.close(fd)
    _, status, usage = os.wait4(pid, 0)
    # The program's own children may still hold the pipe open: read what is there, do not wait.
    os.set_blocking(verdict_r, False)
    try:
        outcome = os.read(verdict_r, 4096).decode(errors="replace")
    except BlockingIOError:
        outcome = ""
    os.close(verdict_r)
    return f"{status:d} {usage.ru_utime + usage.ru_stime:.3f} {outcome}"


def kill_all_others(me, deadline):
    # kill(-1) reaches every process of the namespace but init (bwrap, which reaps them) and us.
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if all(not p.isdigit() or int(p) in (1, me) for p in os.listdir("/proc")):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.0005)


def empty_directory(path):
    for entry in os.scandir(path):
        if entry.is_dir(follow_symlinks=False):
            os.chmod(entry.path, 0o700)  # a program may have locked itself out of its own directory
            empty_directory(entry.path)
            os.rmdir(entry.path)
        else:
            os.unlink(entry.path)


KEYCTL = {"x86_64": 250, "aarch64": 219}.get(os.uname().machine)
KEYCTL_CLEAR, USER_KEYRING, USER_SESSION_KEYRING = 7, -4, -5
PR_SET_DUMPABLE = 4


def clear_keyrings(libc):
    # The user's keyrings outlive processes and are shared by every program of this uid here.
    for keyring in (USER_KEYRING, USER_SESSION_KEYRING):
        if libc.syscall(KEYCTL, KEYCTL_CLEAR, keyring) != 0:
            return False
    return True


def no_sysv_ipc():
    for kind in ("shm", "msg", "sem"):
        with open(f"/proc/sysvipc/{kind}") as f:
            if len(f.readlines()) > 1:  # a header line, then one line per object
                return False
    return True


def wipe(me, work_mode, libc):
    """Leave the sandbox as the next program must find it. False when something could not be wiped."""
    try:
        if not kill_all_others(me, time.monotonic() + 2.0):
            return False
        os.chmod(WORK_DIR, work_mode)
        empty_directory(WORK_DIR)
        return clear_keyrings(libc) and no_sysv_ipc()
    except (OSError, RecursionError):
        return False


def warm_up():
    """Pay once, here, what each forked child would otherwise pay again: the compiler's first use
    (about 3 ms) and the first traceback, with its source-line carets."""
    source = "def f(x):\n    return x / 0\nassert f(1) == 2\n"
    linecache.cache["<warm-up>"] = (len(source), None, source.splitlines(True), "<warm-up>")
    try:
        exec(compile(source, "<warm-up>", "exec"), {})
    except ZeroDivisionError as e:
        traceback.format_exception(e)
    del linecache.cache["<warm-up>"]
    # Objects alive now are never collected in a child: without this, a child's first collection
    # writes to every one of them and copies the whole heap page by page.
    gc.freeze()


def serve(control_fd, contained):
    control = socket.socket(fileno=control_fd)
    libc = None
    if contained:
        # Guard: kill(-1) must only ever run where it can reach nothing but this sandbox.
        if os.getpid() != 2 or KEYCTL is None:
            sys.exit(
                "the contained worker must be pid 2 of its own pid namespace on x86_64 or aarch64 "
                f"(pid {os.getpid()}, {os.uname().machine})"
            )
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        # Not dumpable: programs (same uid) can neither ptrace this process nor open its /proc files.
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        os.chdir(WORK_DIR)
        work_mode = os.stat(WORK_DIR).st_mode & 0o7777
    warm_up()
    control.send(b"ready")
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 4096, 8)
        except OSError:
            return
        if not message:
            return  # the caller closed the socket
        report = run_one(message, fds, libc)
        clean = contained and wipe(os.getpid(), work_mode, libc)
        control.send(f"{clean:d} {report}".encode())
        if not clean:
            return


if __name__ == "__main__":
    sys.path[:0] = sys.argv[3:]
    serve(int(sys.argv[1]), sys.argv[2] == "contained")
