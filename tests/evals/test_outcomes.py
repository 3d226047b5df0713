"""Each way a sample can end is told apart: passed, wrong answer, exception, syntax error, timeout."""

import pytest

from codeling.evals.run import BenchmarkProblem, classify_outcome, execute, score_pass_at_k
from codeling.sandbox import Limits, RunResult

PROBLEM = BenchmarkProblem(
    "demo/add",
    'def add(a, b):\n    """Return a + b."""\n',
    "\ndef check(candidate):\n    assert candidate(2, 3) == 5\n    assert candidate(-1, 1) == 0\n\ncheck(add)\n",
    {"family": "demo", "level": "1"},
)

CASES = [  # (completion, expected outcome)
    ("    return a + b\n", "passed"),
    ("    return a - b\n", "failed_test"),
    ("    return a + undefined_name\n", "runtime_error"),
    ("    return a +\n", "compile_error"),
    ("    while True:\n        pass\n", "timeout"),
    ("    return eval('a +')\n", "runtime_error"),  # a SyntaxError at run time is not a compile error
]


@pytest.mark.usefixtures("bwrap")
def test_outcomes_through_the_sandbox():
    results = execute([PROBLEM], [[completion for completion, _ in CASES]], Limits(timeout_s=2.0))
    assert [r.outcome for r in results] == [outcome for _, outcome in CASES]
    assert results[2].exception == "NameError" and results[3].exception == "SyntaxError" == results[5].exception
    assert [r.sample for r in results] == [0, 1, 2, 3, 4, 5]
    report = score_pass_at_k(results)
    assert report.overall.pass_at_k == {1: pytest.approx(1 / 6)}
    assert report.overall.outcomes == {
        "passed": 1,
        "failed_test": 1,
        "runtime_error": 2,
        "compile_error": 1,
        "timeout": 1,
    }
    assert report.by_group["family"]["demo"].problems == 1


def _result(status, exception=None):
    return RunResult(status, 1, None, "", "", 0.1, exception=exception)


@pytest.mark.parametrize(
    "status, exception, outcome",
    [
        ("ok", None, "passed"),
        ("failed", "AssertionError", "failed_test"),
        ("error", "SyntaxError", "compile_error"),
        ("error", "IndentationError", "compile_error"),
        ("error", "ZeroDivisionError", "runtime_error"),
        ("timeout", None, "timeout"),
        ("memory", "MemoryError", "runtime_error"),
        ("output_limit", None, "runtime_error"),
        ("killed", None, "runtime_error"),
    ],
)
def test_classify(status, exception, outcome):
    assert classify_outcome(_result(status, exception)) == outcome


def test_a_syntax_error_in_source_that_compiles_is_a_runtime_error():
    assert classify_outcome(_result("error", "SyntaxError"), "x = eval('1 +')\n") == "runtime_error"
    assert classify_outcome(_result("error", "SyntaxError"), "x = (\n") == "compile_error"
