"""Harness proofs: the canonical solutions pass, empty bodies and planted wrong solutions do not."""

import time

import pytest

from codeling.evals.humaneval import load_humaneval
from codeling.evals.run import execute, score_pass_at_k
from codeling.sandbox import Limits

pytestmark = pytest.mark.usefixtures("bwrap")
LIMITS = Limits(timeout_s=10.0)  # generous: the test machine is shared and loaded


@pytest.fixture(scope="module")
def problems():
    return load_humaneval()


def test_data_file_has_all_164_problems(problems):
    assert len(problems) == 164
    assert len({p.task_id for p in problems}) == 164
    assert problems[0].task_id == "HumanEval/0" and problems[-1].task_id == "HumanEval/163"
    assert len(load_humaneval(limit=5)) == 5


def test_canonical_solutions_score_100_percent(problems):
    start = time.perf_counter()
    results = execute([p.problem() for p in problems], [[p.canonical_solution] for p in problems], LIMITS)
    elapsed = time.perf_counter() - start
    failures = [(r.task_id, r.status, r.exception) for r in results if not r.passed]
    assert failures == []
    assert score_pass_at_k(results).overall.pass_at_k == {1: 1.0}
    print(f"164 canonical solutions through the sandbox in {elapsed:.1f}s")


def test_empty_bodies_score_0_percent(problems):
    results = execute([p.problem() for p in problems], [[""] for p in problems], LIMITS)
    assert [r.task_id for r in results if r.passed] == []
    assert score_pass_at_k(results).overall.pass_at_k == {1: 0.0}
    assert all(r.outcome in ("failed_test", "runtime_error") for r in results)


def test_planted_wrong_solutions_fail(problems):
    by_id = {p.task_id: p for p in problems}
    first, longest = by_id["HumanEval/0"], by_id["HumanEval/12"]
    # HumanEval/0 answers a yes/no question: always "no" is wrong on some tests. HumanEval/12 wants
    # the *first* of the longest strings: returning the last one is right only sometimes.
    planted = [[first.canonical_solution, "    return False\n"], ["    return strings[-1] if strings else None\n"]]
    results = execute([first.problem(), longest.problem()], planted, LIMITS)
    assert [r.outcome for r in results] == ["passed", "failed_test", "failed_test"]
    assert score_pass_at_k(results).overall.pass_at_k == {1: pytest.approx(0.25)}
