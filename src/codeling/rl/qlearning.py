"""Tabular Q-learning, with the Berkeley Pacman/gridworld assignment's interface, and the loop that
runs it on a gridworld.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from codeling.errors import CodelingError
from codeling.rl.gridworld import GridWorldEnv


class QLearningAgent:
    """Q-learning as the course's assignment specifies it.

    The method names (`getQValue`, `computeValueFromQValues`, `computeActionFromQValues`,
    `getAction`, `update`) are the assignment's interface, kept exactly so that a student's
    solution and this one are interchangeable; hence the camelCase. `actionFn(state)` gives a state's
    legal actions (none at a terminal state). All randomness (exploration and tie-breaking) comes
    from one seeded RNG.
    """

    def __init__(
        self,
        actionFn: Callable[[Hashable], tuple],
        alpha: float = 0.5,
        epsilon: float = 0.3,
        gamma: float = 0.9,
        seed: int = 0,
    ):
        for name, value in (("alpha", alpha), ("epsilon", epsilon), ("gamma", gamma)):
            if not 0.0 <= value <= 1.0:
                raise CodelingError(f"{name} must lie in [0, 1] (got {value}).")
        self.actionFn = actionFn
        self.alpha = alpha
        self.epsilon = epsilon
        self.discount = gamma  # the course calls gamma `discount`
        self.rng = random.Random(seed)
        self.qvalues: dict[tuple[Hashable, object], float] = defaultdict(float)  # unseen pairs are 0.0

    def getLegalActions(self, state):
        return self.actionFn(state)

    def getQValue(self, state, action) -> float:
        return self.qvalues[(state, action)]

    def computeValueFromQValues(self, state) -> float:
        """max_a Q(s, a); 0.0 where there is no legal action (a terminal state)."""
        actions = self.getLegalActions(state)
        return max((self.getQValue(state, a) for a in actions), default=0.0)

    def computeActionFromQValues(self, state):
        """A best action, ties broken at random (so equal Q-values do not always favour the first
        action listed); None where there is no legal action."""
        actions = self.getLegalActions(state)
        if not actions:
            return None
        best = self.computeValueFromQValues(state)
        return self.rng.choice([a for a in actions if self.getQValue(state, a) == best])

    def getAction(self, state):
        """Epsilon-greedy: with probability epsilon a uniformly random legal action (which may be the
        greedy one, as in the course), else the greedy action."""
        actions = self.getLegalActions(state)
        if not actions:
            return None
        if self.rng.random() < self.epsilon:
            return self.rng.choice(actions)
        return self.computeActionFromQValues(state)

    def update(self, state, action, nextState, reward: float) -> None:
        """Q(s, a) <- (1 - alpha) Q(s, a) + alpha (r + gamma V(s'))."""
        sample = reward + self.discount * self.computeValueFromQValues(nextState)
        self.qvalues[(state, action)] = (1 - self.alpha) * self.getQValue(state, action) + self.alpha * sample


@dataclass
class Learned:
    values: list[float]  # state index -> max_a Q(s, a)
    policy: list[str | None]  # state index -> the greedy action (ties broken by the agent's RNG)
    returns: list[float]  # each episode's undiscounted return
    steps: int  # updates made


def run_episodes(
    env: GridWorldEnv,
    agent: QLearningAgent,
    episodes: int,
    seed: int = 0,
    alpha_schedule: Callable[[int], float] | None = None,
    after_episode: Callable[[int, QLearningAgent], None] | None = None,
) -> Learned:
    """Train `agent` for `episodes` episodes on `env` (seeded once with `seed`).

    `alpha_schedule(n)`, if given, sets alpha before each update from n, how many times that
    (state, action) pair has been updated before: a decaying rate lets the estimates settle on the
    exact values despite the noisy transitions, which a constant alpha keeps shaking.
    `after_episode(episode, agent)` is called after each episode (a benchmark measures there).
    """
    if episodes < 0:
        raise CodelingError(f"episodes must be 0 or more (got {episodes}).")
    visits: dict[tuple, int] = defaultdict(int)
    returns, steps = [], 0
    for episode in range(episodes):
        state, _ = env.reset(seed=seed if episode == 0 else None)
        total, done = 0.0, False
        while not done:
            action = agent.getAction(state)
            nxt, reward, terminated, truncated, _ = env.step_named(action)
            if alpha_schedule is not None:
                agent.alpha = alpha_schedule(visits[(state, action)])
                visits[(state, action)] += 1
            agent.update(state, action, nxt, reward)
            total, state, steps = total + reward, nxt, steps + 1
            done = terminated or truncated
        returns.append(total)
        if after_episode is not None:
            after_episode(episode, agent)
    return Learned(*greedy(agent, env.mdp.n_states), returns, steps)


def greedy(agent: QLearningAgent, n_states: int) -> tuple[list[float], list]:
    """The agent's values and greedy policy over states 0 .. n_states - 1."""
    values = [agent.computeValueFromQValues(s) for s in range(n_states)]
    return values, [agent.computeActionFromQValues(s) for s in range(n_states)]


@dataclass
class Comparison:
    """Q-learning's values and policy beside value iteration's, on one grid."""

    mdp: object  # the GridMDP both ran on
    learned: Learned
    solved: object  # value_iteration.Solved

    def max_difference(self) -> float:
        """The largest |V_learned(s) - V*(s)| over the open cells."""
        cells = range(len(self.mdp.cells))
        return max(abs(self.learned.values[s] - self.solved.values[s]) for s in cells)


def learn_grid(
    grid: str = "book",
    episodes: int = 100,
    alpha: float = 0.5,
    epsilon: float = 0.3,
    gamma: float = 0.9,
    noise: float = 0.2,
    living_reward: float = 0.0,
    seed: int = 0,
    alpha_schedule: Callable[[int], float] | None = None,
) -> Comparison:
    """Q-learning for `episodes` episodes and value iteration on the same grid; every setting is
    checked (one CodelingError sentence) before either runs."""
    from codeling.rl.value_iteration import value_iteration

    env = GridWorldEnv(grid, noise=noise, living_reward=living_reward)
    agent = QLearningAgent(env.mdp.legal_actions, alpha=alpha, epsilon=epsilon, gamma=gamma, seed=seed)
    learned = run_episodes(env, agent, episodes, seed=seed, alpha_schedule=alpha_schedule)
    return Comparison(env.mdp, learned, value_iteration(env.mdp, gamma))
