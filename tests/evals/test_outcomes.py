"""Each way a sample can end is told apart: passed, wrong answer, exception, syntax error, timeout."""

import pytest

from codeling.evals.run import Problem, classify, execute, score
from codeling.sandbox import Limits, RunResult

PROBLEM = Problem("demo/add", 'def add(a, b):\n    """Return a + b."""\n',
                  "\ndef check(candidate):\n    assert candidate(2, 3) == 5\n    assert candidate(-1, 1) == 0\n\ncheck(add)\n",
                  {"family": "demo", "level": "1"})

COMPLETIONS = {
    "passed": "    return a + b\n",
    "failed_test": "    return a - b\n",
    "runtime_error": "    return a + undefined_name\n",
    "compile_error": "    return a +\n",
    "timeout": "    while True:\n        pass\n",
}


@pytest.mark.usefixtures("bwrap")
def test_outcomes_through_the_sandbox():
    results = execute([PROBLEM], [list(COMPLETIONS.values())], Limits(timeout_s=2.0))
    assert [r.outcome for r in results] == list(COMPLETIONS)
    assert results[2].exception == "NameError" and results[3].exception == "SyntaxError"
    assert [r.sample for r in results] == [0, 1, 2, 3, 4]
    report = score(results)
    assert report.overall.pass_at_k == {1: pytest.approx(0.2)}
    assert report.overall.outcomes == {o: 1 for o in COMPLETIONS}
    assert report.by_group["family"]["demo"].problems == 1


def _result(status, exception=None):
    return RunResult(status, 1, None, "", "", 0.1, exception=exception)


@pytest.mark.parametrize("status, exception, outcome", [
    ("ok", None, "passed"),
    ("failed", "AssertionError", "failed_test"),
    ("error", "SyntaxError", "compile_error"),
    ("error", "IndentationError", "compile_error"),
    ("error", "ZeroDivisionError", "runtime_error"),
    ("timeout", None, "timeout"),
    ("memory", "MemoryError", "runtime_error"),
    ("output_limit", None, "runtime_error"),
    ("killed", None, "runtime_error"),
])
def test_classify(status, exception, outcome):
    assert classify(_result(status, exception)) == outcome
