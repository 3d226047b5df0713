"""QLearningAgent: the update rule on known transitions, terminal states, random tie-breaking, the
epsilon-greedy rate, seeding; and learning the book grid."""

from __future__ import annotations

from collections import Counter

import pytest

from codeling.errors import CodelingError
from codeling.rl.qlearning import QLearningAgent, learn_grid

# A hand-made MDP: "a" and "b" have two actions each, "end" none.
ACTIONS = {"a": ("left", "right"), "b": ("left", "right"), "end": ()}


def agent(**settings) -> QLearningAgent:
    return QLearningAgent(ACTIONS.__getitem__, **{"alpha": 0.5, "epsilon": 0.0, "gamma": 0.9, **settings})


def test_update_follows_the_rule_exactly_on_known_transitions():
    q = agent()
    q.update("b", "right", "end", 10.0)  # (1 - .5) 0 + .5 (10 + .9 * 0) = 5
    assert q.getQValue("b", "right") == 5.0
    q.update("a", "left", "b", -1.0)  # .5 * 0 + .5 (-1 + .9 * max(0, 5)) = 1.75
    assert q.getQValue("a", "left") == pytest.approx(1.75)
    q.update("a", "left", "b", -1.0)  # .5 * 1.75 + .5 * 3.5 = 2.625
    assert q.getQValue("a", "left") == pytest.approx(2.625)
    q.update("b", "right", "end", 0.0)  # .5 * 5 + .5 * 0 = 2.5
    assert q.computeValueFromQValues("b") == 2.5
    assert q.computeActionFromQValues("b") == "right" and q.getAction("b") == "right"
    assert q.getQValue("a", "right") == 0.0  # never updated


def test_value_is_the_best_q_even_when_all_are_negative():
    q = agent(alpha=1.0)
    q.update("a", "left", "end", -3.0)
    q.update("a", "right", "end", -2.0)
    assert q.computeValueFromQValues("a") == -2.0 and q.computeActionFromQValues("a") == "right"


def test_a_terminal_state_has_value_zero_and_no_action():
    q = agent(epsilon=1.0)
    assert q.computeValueFromQValues("end") == 0.0
    assert q.computeActionFromQValues("end") is None and q.getAction("end") is None


def test_ties_are_broken_at_random():
    q = QLearningAgent(lambda s: ("north", "east", "south", "west"), epsilon=0.0, seed=1)
    picks = Counter(q.computeActionFromQValues("s") for _ in range(4000))
    assert set(picks) == {"north", "east", "south", "west"}
    assert all(abs(n / 4000 - 0.25) < 0.03 for n in picks.values()), picks
    q.update("s", "south", "end-of-nothing", 1e-9)  # now one action is strictly best: no more ties
    assert {q.computeActionFromQValues("s") for _ in range(200)} == {"south"}


@pytest.mark.parametrize("epsilon", [0.0, 0.3, 1.0])
def test_get_action_explores_at_rate_epsilon(epsilon):
    q = QLearningAgent(lambda s: ("north", "east", "south", "west"), epsilon=epsilon, seed=2)
    q.update("s", "east", "t", 1.0)
    draws = [q.getAction("s") for _ in range(10_000)]
    # A random action is the greedy one a quarter of the time, so epsilon shows as 3/4 epsilon off-greedy.
    off_greedy = sum(a != "east" for a in draws) / len(draws)
    assert abs(off_greedy - 0.75 * epsilon) < 0.02
    if epsilon == 1.0:
        assert all(abs(n / 10_000 - 0.25) < 0.02 for n in Counter(draws).values())


def test_the_seed_fixes_every_choice():
    def choices(seed):
        q = QLearningAgent(lambda s: ("x", "y", "z"), epsilon=0.5, seed=seed)
        return [q.getAction("s") for _ in range(50)]

    assert choices(7) == choices(7) and choices(7) != choices(8)


@pytest.mark.parametrize("name, value", [("alpha", 1.5), ("epsilon", -0.1), ("gamma", 2.0)])
def test_settings_outside_zero_one_are_refused(name, value):
    with pytest.raises(CodelingError, match=f"{name} must lie in"):
        agent(**{name: value})


def test_learning_the_book_grid_finds_value_iterations_policy_and_approaches_its_values():
    result = learn_grid("book", episodes=3000, epsilon=0.5, seed=0, alpha_schedule=lambda n: 1 / (1 + n) ** 0.7)
    mdp, learned, solved = result.mdp, result.learned, result.solved
    assert learned.values[mdp.start] == pytest.approx(solved.values[mdp.start], abs=0.05)
    # Along the route the greedy agent takes, the learned policy is the optimal one.
    for cell in [(0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (3, 2)]:
        assert learned.policy[mdp.index[cell]] == solved.policy[mdp.index[cell]], cell
    assert result.max_difference() < 0.2
