"""Statuses of ordinary programs, batches (order, isolation), output caps, the process mode, and
the clear error when the requested mode cannot run."""

from __future__ import annotations

import pytest

from codeling.errors import CodelingError
from codeling.sandbox import Limits, Program, SandboxConfig, UnsafeSandboxWarning, run_batch, run_program
from codeling.sandbox.outcome import classify

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
    ("import unittest\nclass T(unittest.TestCase):\n    def test(self):\n        self.assertEqual(1, 2)\n",
     "", "unittest.main()", "failed", "SystemExit", 1),
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
def test_batch_keeps_input_order():
    # Later programs finish first: order must come from the input, not from completion.
    programs = [Program(f"import time\ntime.sleep({0.05 * (5 - i)})\nprint({i})") for i in range(6)]
    results = run_batch(programs, limits=QUICK, workers=3)
    assert [r.stdout for r in results] == [f"{i}\n" for i in range(6)]


WRITER = Program("import os, time\nopen('/tmp/mine', 'w').write('secret of one')\nprint('written', flush=True)\n"
                 "time.sleep(2)")
# Looks for the writer's file and for any process but its own sandbox's, for 1.5 s.
READER = Program("import os, time\nseen = set()\nours = (1, os.getppid(), os.getpid())\nend = time.time() + 1.5\nwhile time.time() < end:\n"
                 "    seen.update(os.listdir('/tmp'))\n"
                 "    seen.update(p for p in os.listdir('/proc') if p.isdigit() and int(p) not in ours)\n"
                 "    time.sleep(0.05)\nprint(sorted(seen))")


@pytest.mark.usefixtures("bwrap")
@pytest.mark.parametrize("workers", [2, 1], ids=["side-by-side", "one-after-the-other"])
def test_programs_of_one_batch_cannot_see_each_other(workers):
    # bwrap's init is pid 1, the worker the reader's parent: any other pid would be someone else's.
    writer, reader = run_batch([WRITER, READER], limits=Limits(timeout_s=5.0), workers=workers)
    assert writer.stdout == "written\n" and reader.ok, reader.stderr
    assert reader.stdout == "[]\n"


@pytest.mark.usefixtures("bwrap")
def test_batch_reports_progress():
    seen = []
    run_batch([Program("pass")] * 3, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_missing_bwrap_is_a_clear_error_not_a_fallback():
    config = SandboxConfig(bwrap_path="/nonexistent/bwrap")
    with pytest.raises(CodelingError, match="needs bubblewrap.*not found.*apt-get install bubblewrap"):
        run_program("print(1)", config=config)
    with pytest.raises(CodelingError, match="needs bubblewrap"):
        run_batch([Program("print(1)")], config=config)


def test_bad_settings_are_clear_errors():
    with pytest.raises(CodelingError, match="unknown sandbox mode"):
        SandboxConfig(mode="docker")
    with pytest.raises(CodelingError, match="timeout_s must be positive"):
        Limits(timeout_s=0)


@pytest.mark.parametrize("source, tests, status", [
    ("print('hi')", None, "ok"),
    ("raise ValueError", None, "error"),
    ("x = 1", "assert x == 2", "failed"),
    ("while True:\n    pass", None, "timeout"),
])
def test_process_mode_runs_and_warns(source, tests, status):
    with pytest.warns(UnsafeSandboxWarning, match="does NOT isolate"):
        result = run_program(source, tests=tests, limits=Limits(timeout_s=1.5),
                             config=SandboxConfig(mode="process"))
    assert result.status == status


@pytest.mark.parametrize("returncode, report, limit, expected", [
    (0, "0 0.010 ok", None, ("ok", None)),
    (0, "9 2.100 ", None, ("timeout", "cpu")),  # SIGKILL at the hard CPU limit
    (0, "9 0.100 ", None, ("killed", None)),  # SIGKILL with CPU to spare: someone else
    (0, "24 0.990 ", None, ("timeout", "cpu")),  # SIGXCPU
    (0, "25 0.100 ", None, ("killed", "file_size")),  # SIGXFSZ
    (137, "", None, ("killed", None)),  # the bootstrap itself was killed
    (0, "", "wall", ("timeout", "wall")),
    (0, "", "output", ("output_limit", "output")),
])
def test_classify(returncode, report, limit, expected):
    result = classify(returncode, report, limit, Limits(timeout_s=1), False, 128, b"", b"", 0.1)
    assert (result.status, result.limit) == expected
