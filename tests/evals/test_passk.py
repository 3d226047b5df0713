import math
import random

import pytest

from codeling.errors import CodelingError
from codeling.evals.passk import mean_pass_at_k, pass_at_k


@pytest.mark.parametrize(
    "n, c, k, expected",
    [
        (1, 1, 1, 1.0),
        (1, 0, 1, 0.0),
        (10, 1, 1, 0.1),
        (10, 1, 10, 1.0),  # every draw of 10 out of 10 includes the correct one
        (5, 2, 2, 0.7),  # 1 - C(3,2)/C(5,2) = 1 - 3/10
        (20, 3, 10, 1 - 720 / 6840),  # 1 - C(17,10)/C(20,10) = 1 - (10*9*8)/(20*19*18)
        (200, 0, 100, 0.0),
        (100, 1, 1, 0.01),
    ],
)
def test_hand_computed_values(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


def test_matches_the_binomial_formula():
    rng = random.Random(0)
    for _ in range(200):
        n = rng.randint(1, 60)
        c, k = rng.randint(0, n), rng.randint(1, n)
        assert pass_at_k(n, c, k) == pytest.approx(1 - math.comb(n - c, k) / math.comb(n, k), abs=1e-9)


def test_stable_where_binomials_overflow_floats():
    # C(2000, 100) is far beyond a float; the product form still gives the right answer.
    value = pass_at_k(2000, 1, 100)
    assert value == pytest.approx(100 / 2000)


def test_mean_reports_only_k_the_sample_count_allows():
    assert mean_pass_at_k([5, 5], [5, 0]) == {1: 0.5}
    result = mean_pass_at_k([20, 20], [1, 0])
    assert set(result) == {1, 10}
    assert result[1] == pytest.approx(0.025) and result[10] == pytest.approx(0.25)
    assert set(mean_pass_at_k([100, 120], [0, 0])) == {1, 10, 100}
    assert set(mean_pass_at_k([100, 9], [0, 0])) == {1}  # the fewest samples decides
    assert mean_pass_at_k([], []) == {}


@pytest.mark.parametrize("n, c, k", [(5, 6, 1), (5, -1, 1), (5, 1, 0), (5, 1, 6)])
def test_rejects_impossible_counts(n, c, k):
    with pytest.raises(CodelingError):
        pass_at_k(n, c, k)
