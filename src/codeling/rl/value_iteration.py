"""Value iteration on a gridworld's MDP: the exact values Q-learning is measured against.

Batch updates, as the course's ValueIterationAgent: every V_{k+1}(s) is computed from V_k alone,
V_{k+1}(s) = max_a sum_s' T(s, a, s') [R(s, a, s') + gamma V_k(s')].
"""

from __future__ import annotations

from dataclasses import dataclass

from codeling.rl.gridworld import GridMDP


@dataclass
class Solved:
    values: list[float]  # state index -> V*(s)
    policy: list[str | None]  # state index -> a greedy action (None at the terminal state)
    iterations: int


def q_value(mdp: GridMDP, values: list[float], state: int, action: str, gamma: float) -> float:
    return sum(p * (mdp.reward(state, action, nxt) + gamma * values[nxt]) for nxt, p in mdp.transitions(state, action))


def value_iteration(mdp: GridMDP, gamma: float = 0.9, iterations: int = 10_000, tolerance: float = 1e-12) -> Solved:
    """Iterate until no value moves by more than `tolerance` (or `iterations` sweeps)."""
    values = [0.0] * mdp.n_states
    done = 0
    while done < iterations:
        done += 1
        new = [
            max((q_value(mdp, values, s, a, gamma) for a in mdp.legal_actions(s)), default=0.0)
            for s in range(mdp.n_states)
        ]
        change = max(abs(a - b) for a, b in zip(new, values))
        values = new
        if change <= tolerance:
            break
    policy = [
        max(mdp.legal_actions(s), key=lambda a, s=s: q_value(mdp, values, s, a, gamma), default=None)
        for s in range(mdp.n_states)
    ]
    return Solved(values, policy, done)
