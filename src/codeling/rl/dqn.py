"""The deep Q-network of the course's ai.py, with its hidden layers a setting: the Q-network,
action selection (softmax with a true temperature, or epsilon-greedy), the replay memory, and
one learning step. As in cleanrl's dqn.py, every hyper-parameter is named in one place
(DQNSettings) and the whole algorithm reads top to bottom.

Temperature: the course samples softmax(Q * 100) and calls 100 "T"; a factor that *multiplies*
Q is an inverse temperature, so its T=100 is tau = 1/100 = 0.01 here, and lowering its T makes
the car *more* random (tau larger). Here softmax(Q / tau): tau -> 0 is greedy, tau -> inf uniform.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from codeling.rl.settings import DQNSettings


class QNetwork(nn.Module):
    """5 -> hidden... -> 3, ReLU between layers (the course's: 5 -> 30 -> 3)."""

    def __init__(self, hidden: list[int], n_obs: int = 5, n_actions: int = 3):
        super().__init__()
        layers, width = [], n_obs
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, n_actions))
        self.net = nn.Sequential(*layers)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.net(obs)


def action_probs(q: torch.Tensor, tau: float) -> torch.Tensor:
    """softmax(Q / tau) over the last axis; tau = 0 is the greedy one-hot (ties to the first)."""
    if tau == 0:
        return F.one_hot(q.argmax(-1), q.shape[-1]).to(q.dtype)
    return torch.softmax(q / tau, dim=-1)


def epsilon_at(s: DQNSettings, car_steps: int) -> float:
    return s.epsilon_end + (s.epsilon_start - s.epsilon_end) * max(0.0, 1 - car_steps / s.epsilon_steps)


def select_actions(q: torch.Tensor, s: DQNSettings, rng: np.random.Generator, car_steps: int = 0):
    """Actions for a batch of Q rows and the entropy (nats) of the distribution they were drawn from."""
    n, k = q.shape
    if s.policy == "epsilon":
        eps = epsilon_at(s, car_steps)
        probs = np.full((n, k), eps / k)
        probs[np.arange(n), q.argmax(-1).numpy()] += 1 - eps
    else:
        probs = action_probs(q, s.tau).double().numpy()
    # Inverse-CDF sampling of all rows at once (one uniform draw a row).
    cdf = np.cumsum(probs, axis=1)
    actions = np.minimum((rng.random(n)[:, None] * cdf[:, -1:] > cdf).sum(axis=1), k - 1)
    entropy = -(probs * np.log(np.clip(probs, 1e-12, None))).sum(axis=1)
    return actions, entropy


class Replay:
    """A ring buffer of transitions (obs, action, reward, next obs) as numpy arrays: when full, each
    new transition overwrites the oldest (the course's memory pops index 0)."""

    def __init__(self, capacity: int, n_obs: int = 5):
        self.capacity = capacity
        self.obs = np.zeros((capacity, n_obs), dtype=np.float32)
        self.next_obs = np.zeros((capacity, n_obs), dtype=np.float32)
        self.action = np.zeros(capacity, dtype=np.int64)
        self.reward = np.zeros(capacity, dtype=np.float32)
        self.size = 0
        self.head = 0  # where the next transition goes

    def add(self, obs, action, reward, next_obs) -> None:
        n = len(action)
        at = (self.head + np.arange(n)) % self.capacity
        self.obs[at], self.action[at], self.reward[at], self.next_obs[at] = obs, action, reward, next_obs
        self.head = int((self.head + n) % self.capacity)
        self.size = min(self.size + n, self.capacity)

    def ordered(self) -> dict[str, np.ndarray]:
        """The stored transitions oldest first."""
        order = (self.head - self.size + np.arange(self.size)) % self.capacity
        return {
            "obs": self.obs[order],
            "action": self.action[order],
            "reward": self.reward[order],
            "next_obs": self.next_obs[order],
        }

    def sample(self, batch: int, rng: np.random.Generator):
        i = rng.integers(0, self.size, batch)
        return (
            torch.from_numpy(self.obs[i]),
            torch.from_numpy(self.action[i]),
            torch.from_numpy(self.reward[i]),
            torch.from_numpy(self.next_obs[i]),
        )

    def state(self) -> dict[str, np.ndarray]:
        return {
            "obs": self.obs[: self.size],
            "next_obs": self.next_obs[: self.size],
            "action": self.action[: self.size],
            "reward": self.reward[: self.size],
            "head": np.array([self.head]),
        }

    def load(self, state: dict[str, np.ndarray]) -> None:
        n = len(state["action"])
        self.obs[:n], self.next_obs[:n] = state["obs"], state["next_obs"]
        self.action[:n], self.reward[:n] = state["action"], state["reward"]
        self.size, self.head = n, int(state["head"][0])


def make_optimizer(net: QNetwork, lr: float) -> torch.optim.Optimizer:
    """Adam; the fused kernel where this torch has it on CPU (one call for all tensors: on a
    5-30-30-3 network the per-tensor bookkeeping costs more than the arithmetic)."""
    try:
        return torch.optim.Adam(net.parameters(), lr=lr, fused=True)
    except (RuntimeError, TypeError):
        return torch.optim.Adam(net.parameters(), lr=lr)


def learn(net: QNetwork, target: QNetwork | None, optimizer, batch, gamma: float) -> float:
    """One DQN step: smooth-L1 between Q(s, a) and r + gamma max_a' Q_target(s', a') (the network
    itself when there is no target network, as in the course). No terminal states: the car's task
    never ends, truncation is not an end."""
    obs, action, reward, next_obs = batch
    if target is None:  # s and s' in one forward pass; the target side detached
        both = net(torch.cat([obs, next_obs]))
        q, next_q = both[: len(obs)], both[len(obs) :].detach().max(1).values
    else:
        q = net(obs)
        with torch.no_grad():
            next_q = target(next_obs).max(1).values
    loss = F.smooth_l1_loss(q.gather(1, action[:, None]).squeeze(1), reward + gamma * next_q)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.item()
