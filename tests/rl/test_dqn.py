"""The DQN's pieces: the softmax's limits, epsilon-greedy's rate, the replay memory's order, the
network's layers, one learning step against a hand-computed target."""

import numpy as np
import pytest
import torch

from codeling.rl.dqn import QNetwork, Replay, action_probs, learn, select_actions
from codeling.rl.settings import DQNSettings

Q = torch.tensor([[1.0, 1.2, 0.7], [0.0, -0.5, 0.3]])


def test_softmax_is_greedy_as_tau_goes_to_zero_and_uniform_as_it_grows():
    greedy = torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    torch.testing.assert_close(action_probs(Q, 0.0), greedy)
    torch.testing.assert_close(action_probs(Q, 1e-4), greedy)
    torch.testing.assert_close(action_probs(Q, 1e6), torch.full((2, 3), 1 / 3), atol=1e-6, rtol=0)
    # tau is a true temperature: the course's "T=100" multiplies Q by 100, which is tau = 0.01.
    torch.testing.assert_close(action_probs(Q, 0.01), torch.softmax(Q * 100, dim=-1))


def test_sampled_actions_follow_the_softmax():
    rng = np.random.default_rng(0)
    q = torch.tensor([[0.0, np.log(2.0), np.log(3.0)]]).repeat(30_000, 1).float()
    actions, entropy = select_actions(q, DQNSettings(tau=1.0), rng)
    shares = np.bincount(actions, minlength=3) / len(actions)
    np.testing.assert_allclose(shares, [1 / 6, 2 / 6, 3 / 6], atol=0.01)
    p = np.array([1, 2, 3]) / 6
    assert entropy[0] == pytest.approx(-(p * np.log(p)).sum())
    greedy, entropy = select_actions(Q, DQNSettings(tau=0.0), rng)
    assert greedy.tolist() == [1, 2] and entropy.max() < 1e-9


def test_epsilon_greedy_rate_and_decay():
    rng = np.random.default_rng(1)
    s = DQNSettings(policy="epsilon", epsilon_start=0.3, epsilon_end=0.3)
    actions, _ = select_actions(torch.tensor([[0.0, 5.0, 0.0]]).repeat(20_000, 1), s, rng)
    # Not greedy with probability epsilon, then uniform: action 1 with 1 - 0.3 + 0.1.
    assert np.mean(actions != 1) == pytest.approx(0.2, abs=0.01)
    decaying = DQNSettings(policy="epsilon", epsilon_start=1.0, epsilon_end=0.0, epsilon_steps=100)
    _, entropy = select_actions(Q, decaying, rng, car_steps=100)
    assert entropy.max() < 1e-9  # fully decayed: greedy


def test_replay_drops_the_oldest_first():
    replay = Replay(capacity=5)
    for start in (0, 3, 6):  # 9 transitions into 5 places: 0..3 fall out
        ids = np.arange(start, start + 3)
        replay.add(np.repeat(ids[:, None], 5, 1), ids % 3, ids.astype(np.float32), np.zeros((3, 5)))
    assert replay.size == 5
    assert replay.ordered()["reward"].tolist() == [4, 5, 6, 7, 8]
    # Saved and loaded, it keeps that order and goes on overwriting the oldest.
    other = Replay(capacity=5)
    other.load(replay.state())
    other.add(np.zeros((1, 5)), np.array([0]), np.array([9.0]), np.zeros((1, 5)))
    assert other.ordered()["reward"].tolist() == [5, 6, 7, 8, 9]


def test_hidden_layers_are_a_setting():
    linear = [m for m in QNetwork([30, 30]).modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linear] == [(5, 30), (30, 30), (30, 3)]
    linear = [m for m in QNetwork([30]).modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linear] == [(5, 30), (30, 3)]


def test_one_learning_step_moves_q_towards_r_plus_gamma_max_q_next():
    torch.manual_seed(0)
    net = QNetwork([8])
    obs, next_obs = torch.randn(4, 5), torch.randn(4, 5)
    action, reward = torch.tensor([0, 1, 2, 0]), torch.tensor([1.0, -1.0, 0.1, -0.2])
    with torch.no_grad():
        target = reward + 0.9 * net(next_obs).max(1).values
        q = net(obs).gather(1, action[:, None]).squeeze(1)
        before = (q - target).abs().mean()
        expected = torch.nn.functional.smooth_l1_loss(q, target).item()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    loss = learn(net, None, optimizer, (obs, action, reward, next_obs), 0.9)
    assert loss == pytest.approx(expected, rel=1e-6)  # the loss before the step, no target network
    with torch.no_grad():
        after = (net(obs).gather(1, action[:, None]).squeeze(1) - target).abs().mean()
    assert after < before
