"""Statuses of ordinary programs, batches (order, isolation), output caps, the process mode, and
the clear error when the requested mode cannot run."""

from __future__ import annotations

import threading

import pytest

from codeling.errors import CodelingError
from codeling.sandbox import Limits, SandboxConfig, SandboxJob, UnsafeSandboxWarning, run_batch, run_program
from codeling.sandbox import worker as worker_module
from codeling.sandbox.outcome import classify_exit
from codeling.sandbox.worker import Worker

QUICK = Limits(timeout_s=3.0)

NORMAL_PROGRAMS = [
    # (source, stdin, tests, status, exception, exit_code)
    ("print(input()[::-1])", "abc\n", None, "ok", None, 0),
    ("def f(x):\n    return 2 * x\n", "", "assert f(2) == 4", "ok", None, 0),
    ("def f(x):\n    return x\n", "", "assert f(2) == 4", "failed", "AssertionError", 1),
    ("1 / 0", "", None, "error", "ZeroDivisionError", 1),
    ("assert False", "", "assert True", "error", "AssertionError", 1),  # the program's own assert
    ("import sys\nsys.exit(3)", "", None, "error", None, 3),
    ("import sys\nprint('done')\nsys.exit(0)", "", "assert True", "ok", None, 0),
    ("import os\nos._exit(0)", "", "assert False", "error", None, 0),  # exits before its tests
    (
        "import unittest\nclass T(unittest.TestCase):\n    def test(self):\n        self.assertEqual(1, 2)\n",
        "",
        "unittest.main()",
        "failed",
        "SystemExit",
        1,
    ),
    ("x = [0] * (10 ** 9)", "", None, "memory", "MemoryError", 1),
]


@pytest.mark.usefixtures("bwrap")
@pytest.mark.parametrize("source, stdin, tests, status, exception, exit_code", NORMAL_PROGRAMS)
def test_statuses_of_normal_programs(source, stdin, tests, status, exception, exit_code):
    result = run_program(source, stdin=stdin, tests=tests, limits=Limits(timeout_s=3.0, memory_mb=256))
    assert (result.status, result.exception, result.exit_code) == (status, exception, exit_code), result.stderr


@pytest.mark.usefixtures("bwrap")
def test_timeout_reports_the_wall_clock_and_keeps_output_so_far():
    result = run_program("import time\nprint('started', flush=True)\ntime.sleep(60)", limits=Limits(timeout_s=1.0))
    assert (result.status, result.limit, result.stdout) == ("timeout", "wall", "started\n")
    assert 1.0 <= result.duration_s < 3.0


@pytest.mark.usefixtures("bwrap")
def test_traceback_shows_the_program_not_the_harness():
    result = run_program("def f():\n    raise KeyError('k')\nf()")
    assert 'File "/sandbox/main.py", line 2, in f' in result.stderr
    assert "bootstrap" not in result.stderr and "exec(" not in result.stderr


@pytest.mark.usefixtures("bwrap")
def test_large_stdin_reaches_the_program():
    data = "x" * 300_000 + "\n"
    result = run_program("import sys\nprint(len(sys.stdin.read()))", stdin=data)
    assert result.stdout == f"{len(data)}\n"


@pytest.mark.usefixtures("bwrap")
@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_output_is_capped(stream):
    result = run_program(f"import sys\nsys.{stream}.write('a' * 10_000)", limits=Limits(output_bytes=1000))
    assert (result.status, result.limit) == ("output_limit", "output")
    assert getattr(result, stream) == "a" * 1000


@pytest.mark.usefixtures("bwrap")
def test_output_at_the_cap_is_fine():
    result = run_program("print('a' * 999)", limits=Limits(output_bytes=1000))
    assert result.status == "ok" and len(result.stdout) == 1000


@pytest.mark.usefixtures("bwrap")
def test_batch_keeps_input_order(monkeypatch):
    # The first program is held back until the second has finished, so they complete in reverse
    # order: the order of the results must come from the input, not from completion.
    second_done = threading.Event()
    completed = []
    real_run = Worker.run

    def run(self, files, stdin, limits):
        if files["main.py"] == "print(0)":
            assert second_done.wait(60), "the second program never finished"
        result = real_run(self, files, stdin, limits)
        completed.append(result.stdout)
        if files["main.py"] == "print(1)":
            second_done.set()
        return result

    monkeypatch.setattr(Worker, "run", run)
    results = run_batch([SandboxJob("print(0)"), SandboxJob("print(1)")], limits=QUICK, workers=2)
    assert completed == ["1\n", "0\n"]
    assert [r.stdout for r in results] == ["0\n", "1\n"]


# The writer leaves a file in its /tmp, then reads its stdin to the end. Its stdin is larger than a
# pipe holds, so the host has written all of it only once the writer is reading, i.e. after the file
# exists; from then on the writer lives until the host ends its input.
WRITER_STDIN = b"x" * (4 << 20)
WRITER = SandboxJob(
    "import sys\nopen('/tmp/mine', 'w').write('secret of one')\nprint('written', flush=True)\nsys.stdin.buffer.read()",
    stdin=WRITER_STDIN,
)
# Lists /tmp and every process but its own sandbox's (bwrap's init is pid 1, the worker its parent).
READER = SandboxJob(
    "import os\nours = (1, os.getppid(), os.getpid())\n"
    "seen = os.listdir('/tmp') + [p for p in os.listdir('/proc') if p.isdigit() and int(p) not in ours]\n"
    "print(sorted(seen))"
)


@pytest.mark.usefixtures("bwrap")
@pytest.mark.parametrize("workers", [2, 1], ids=["side-by-side", "one-after-the-other"])
def test_programs_of_one_batch_cannot_see_each_other(workers, monkeypatch):
    # Side by side, the host holds the writer's input open (its last _end_input) until the reader
    # has looked, and starts the reader only once the writer's input is all written: the reader
    # certainly looks while the writer is alive with its file. One after the other, nothing is held.
    # Other runs (bwrap's start-up probe) pass through untouched.
    side_by_side = workers == 2
    role = threading.local()
    writer_ready, reader_done = threading.Event(), threading.Event()
    real_run, real_end_input = Worker.run, worker_module._end_input

    def run(self, files, stdin, limits):
        role.reader, role.writer = files["main.py"] == READER.source, files["main.py"] == WRITER.source
        if role.reader and side_by_side:
            assert writer_ready.wait(60), "the writer never read its input"
        try:
            return real_run(self, files, stdin, limits)
        finally:
            if role.reader:
                reader_done.set()

    def end_input(fd):
        if getattr(role, "writer", False) and side_by_side:
            writer_ready.set()
            assert reader_done.wait(60), "the reader never finished"
        real_end_input(fd)

    monkeypatch.setattr(Worker, "run", run)
    monkeypatch.setattr(worker_module, "_end_input", end_input)
    writer, reader = run_batch([WRITER, READER], limits=Limits(timeout_s=30.0), workers=workers)
    assert writer.stdout == "written\n" and writer.ok, writer.stderr
    assert reader.ok, reader.stderr
    assert reader.stdout == "[]\n"


@pytest.mark.usefixtures("bwrap")
def test_batch_reports_progress():
    seen = []
    run_batch([SandboxJob("pass")] * 3, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_missing_bwrap_is_a_clear_error_not_a_fallback():
    config = SandboxConfig(bwrap_path="/nonexistent/bwrap")
    with pytest.raises(CodelingError, match="needs bubblewrap.*not found.*apt-get install bubblewrap"):
        run_program("print(1)", config=config)
    with pytest.raises(CodelingError, match="needs bubblewrap"):
        run_batch([SandboxJob("print(1)")], config=config)


def test_bad_settings_are_clear_errors():
    with pytest.raises(CodelingError, match="unknown sandbox mode"):
        SandboxConfig(mode="docker")
    with pytest.raises(CodelingError, match="timeout_s must be positive"):
        Limits(timeout_s=0)


@pytest.mark.parametrize(
    "source, tests, status",
    [
        ("print('hi')", None, "ok"),
        ("raise ValueError", None, "error"),
        ("x = 1", "assert x == 2", "failed"),
        ("while True:\n    pass", None, "timeout"),
    ],
)
def test_process_mode_runs_and_warns(source, tests, status):
    with pytest.warns(UnsafeSandboxWarning, match="does NOT isolate"):
        result = run_program(source, tests=tests, limits=Limits(timeout_s=1.5), config=SandboxConfig(mode="process"))
    assert result.status == status


@pytest.mark.parametrize(
    "returncode, report, limit, expected",
    [
        (0, "0 0.010 ok", None, ("ok", None)),
        (0, "9 2.100 ", None, ("timeout", "cpu")),  # SIGKILL at the hard CPU limit
        (0, "9 0.100 ", None, ("killed", None)),  # SIGKILL with CPU to spare: someone else
        (0, "24 0.990 ", None, ("timeout", "cpu")),  # SIGXCPU
        (0, "25 0.100 ", None, ("killed", "file_size")),  # SIGXFSZ
        (137, "", None, ("killed", None)),  # the bootstrap itself was killed
        (0, "", "wall", ("timeout", "wall")),
        (0, "", "output", ("output_limit", "output")),
    ],
)
def test_classify(returncode, report, limit, expected):
    result = classify_exit(returncode, report, limit, Limits(timeout_s=1), False, 128, b"", b"", 0.1)
    assert (result.status, result.limit) == expected
