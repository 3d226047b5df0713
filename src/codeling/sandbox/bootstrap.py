"""The first code that runs inside the sandbox (passed to `python -S -I -c`), before the program.

It forks; the child sets the resource limits on itself (hard limits the program cannot raise), runs
the program, then the tests in the program's namespace, and hands its verdict to the parent: `ok`,
`failed <Exception>` (the tests raised AssertionError or exited non-zero), `memory <Exception>`,
`error <Exception>` or `exit <code>`; nothing if it ended early (a signal, os._exit). The parent
waits for it and writes one line to the report pipe: "<wait status> <cpu seconds> <verdict>".
No report means the program killed its parent, and the caller classifies by bwrap's exit status.

Stdlib only, and as few imports as possible: every millisecond here is paid by every program.

Usage: python -S -I -c "$(cat bootstrap.py)" RLIMITS MAIN_PATH TESTS_PATH REPORT_FD
"""

import os
import resource
import sys


def set_limits(spec):
    # spec: "RLIMIT_CPU=2:3,RLIMIT_AS=536870912:536870912,..."
    for item in spec.split(","):
        name, values = item.split("=")
        soft, hard = values.split(":")
        resource.setrlimit(getattr(resource, name), (int(soft), int(hard)))


def print_traceback(error):
    import traceback

    # Skip this file's frame: the user should see their own code only.
    traceback.print_exception(type(error), error, error.__traceback__.tb_next)


def run(main_path, tests_path):
    # A real __main__ module, so that unittest.main(), pickle and friends find the program's names.
    module = type(sys)("__main__")
    module.__file__ = main_path
    module.__builtins__ = __builtins__
    sys.modules["__main__"] = module
    namespace = module.__dict__
    sys.argv = [main_path]
    phase = "program"
    try:
        with open(main_path, encoding="utf-8") as f:
            source = f.read()
        try:
            exec(compile(source, main_path, "exec"), namespace)
        except SystemExit as e:
            # sys.exit(0) ends a script normally; the tests still run.
            if e.code not in (None, 0):
                return f"exit {e.code if isinstance(e.code, int) else 1}"
        if tests_path:
            phase = "tests"
            with open(tests_path, encoding="utf-8") as f:
                tests = f.read()
            try:
                exec(compile(tests, tests_path, "exec"), namespace)
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


def main():
    spec, main_path, tests_path, report_fd = sys.argv[1:5]
    report_fd = int(report_fd)
    verdict_r, verdict_w = os.pipe()
    # The program runs in a forked child so that this process can see how it ended (signal, CPU
    # time) even when it ends by SIGKILL, and report that to the caller.
    pid = os.fork()
    if pid == 0:
        os.close(verdict_r)
        os.close(report_fd)
        set_limits(spec)
        outcome = run(main_path, tests_path)
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
    os.close(verdict_w)
    _, status, usage = os.wait4(pid, 0)
    # The program's own children may still hold the pipe open: read what is there, do not wait.
    os.set_blocking(verdict_r, False)
    try:
        outcome = os.read(verdict_r, 4096).decode(errors="replace")
    except BlockingIOError:
        outcome = ""
    report = "%d %.3f %s" % (status, usage.ru_utime + usage.ru_stime, outcome)
    os.write(report_fd, report.encode())
    os._exit(0)


if __name__ == "__main__":
    main()
