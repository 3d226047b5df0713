"""`codeling sandbox run`: output passes through, the exit status reflects the run's status."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from codeling.cli.sandbox import EXIT_CODES, app

pytestmark = pytest.mark.usefixtures("bwrap")


@pytest.mark.parametrize(
    "source, status",
    [
        ("print(input() * 2)", "ok"),
        ("raise ValueError('bad')", "error"),
        ("while True:\n    pass", "timeout"),
    ],
)
def test_run_prints_output_and_exits_with_the_status(tmp_path, source, status):
    program = tmp_path / "prog.py"
    program.write_text(source)
    (tmp_path / "in.txt").write_text("ab\n")
    result = CliRunner().invoke(app, ["run", str(program), "--stdin", str(tmp_path / "in.txt"), "--timeout", "1.5"])
    assert result.exit_code == EXIT_CODES[status]
    assert status in result.output
    if status == "ok":
        assert "abab" in result.output


def test_tests_option_and_failed_status(tmp_path):
    (tmp_path / "prog.py").write_text("def f(x):\n    return x\n")
    (tmp_path / "tests.py").write_text("assert f(1) == 2\n")
    result = CliRunner().invoke(app, ["run", str(tmp_path / "prog.py"), "--tests", str(tmp_path / "tests.py")])
    assert result.exit_code == EXIT_CODES["failed"] == 1
    assert "AssertionError" in result.output


def test_process_mode_warns_loudly(tmp_path):
    (tmp_path / "prog.py").write_text("print('hi')")
    result = CliRunner().invoke(app, ["run", str(tmp_path / "prog.py"), "--mode", "process"])
    assert result.exit_code == 0
    assert "WARNING" in result.output and "does NOT isolate" in result.output
