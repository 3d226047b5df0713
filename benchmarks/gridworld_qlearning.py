"""Q-learning against value iteration on the course's book grid, and the epsilon-greedy rate.

1. Accuracy: QLearningAgent learns the book grid (noise 0.2, gamma 0.9, living reward 0) for
   --episodes episodes, per seed; every --every episodes the largest |max_a Q(s, a) - V*(s)| over
   the open cells is measured against value iteration's V*. N is the first measurement from which
   every later one is below --tolerance (0.01). The learning rate decays per (state, action) pair,
   alpha_n = c / (c + n) after n earlier updates of that pair: the transitions are noisy, and a
   constant alpha keeps the estimates shaking by about sqrt(alpha / 2) times the spread of the
   targets (a -1 exit one slip away makes that spread large); the decaying rate averages the noise
   out. c = 2 rather than 1 because 1/n forgets the early, too-low targets only slowly (Q-learning's
   1/n rate converges as n^-(1 - gamma)). A constant alpha runs beside it on the first seed, as the
   reference that shows why.
2. Exploration: getAction's share of non-greedy actions over 10,000 draws at a state with one
   strictly best action of four; a random action is the greedy one a quarter of the time, so the
   exploration rate is that share times 4/3, and must lie within 0.025 of epsilon.

    .venv/bin/python benchmarks/gridworld_qlearning.py [--episodes 60000] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import sys
import time

from _common import save
from codeling.rl.gridworld import GridWorldEnv
from codeling.rl.qlearning import QLearningAgent, run_episodes
from codeling.rl.value_iteration import value_iteration


def error_curve(seed: int, episodes: int, every: int, epsilon: float, alpha_schedule, alpha: float = 0.5) -> dict:
    """Q-learning on the book grid; the largest value error every `every` episodes."""
    env = GridWorldEnv("book")
    mdp = env.mdp
    exact = value_iteration(mdp, gamma=0.9).values
    agent = QLearningAgent(mdp.legal_actions, alpha=alpha, epsilon=epsilon, gamma=0.9, seed=seed)
    curve = []

    def measure(episode: int, agent: QLearningAgent) -> None:
        if (episode + 1) % every == 0:
            errors = [abs(agent.computeValueFromQValues(s) - exact[s]) for s in range(len(mdp.cells))]
            curve.append([episode + 1, max(errors)])

    start = time.perf_counter()
    learned = run_episodes(env, agent, episodes, seed=seed, alpha_schedule=alpha_schedule, after_episode=measure)
    return {"seed": seed, "updates": learned.steps, "seconds": time.perf_counter() - start, "curve": curve}


def settled_after(curve: list, tolerance: float) -> int | None:
    """The first measured episode count from which every later error is below `tolerance`."""
    n = None
    for episodes, error in curve:
        if error >= tolerance:
            n = None
        elif n is None:
            n = episodes
    return n


def exploration_rate(epsilon: float, draws: int, seed: int) -> dict:
    agent = QLearningAgent(lambda s: ("north", "east", "south", "west"), epsilon=epsilon, seed=seed)
    agent.update("s", "east", "end", 1.0)  # east is now strictly best
    off_greedy = sum(agent.getAction("s") != "east" for _ in range(draws)) / draws
    rate = off_greedy * 4 / 3
    return {"epsilon": epsilon, "draws": draws, "off_greedy_share": off_greedy, "exploration_rate": rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=60_000)
    parser.add_argument("--every", type=int, default=1000, help="measure the error every this many episodes")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epsilon", type=float, default=1.0, help="exploration while learning (off-policy)")
    parser.add_argument("--c", type=float, default=2.0, help="alpha_n = c / (c + n)")
    parser.add_argument("--constant-alpha", type=float, default=0.05, help="the reference's fixed learning rate")
    parser.add_argument("--tolerance", type=float, default=0.01)
    args = parser.parse_args()

    c = args.c
    runs = []
    for seed in args.seeds:
        run = error_curve(seed, args.episodes, args.every, args.epsilon, lambda n: c / (c + n))
        run["settled_after_episodes"] = settled_after(run["curve"], args.tolerance)
        runs.append(run)
        print(f"seed {seed}: error {run['curve'][-1][1]:.4f} after {args.episodes} episodes, "
              f"below {args.tolerance} from episode {run['settled_after_episodes']} ({run['seconds']:.0f} s)",
              flush=True)  # fmt: skip
    reference = error_curve(args.seeds[0], args.episodes, args.every, args.epsilon, None, alpha=args.constant_alpha)
    reference["settled_after_episodes"] = settled_after(reference["curve"], args.tolerance)
    rates = [exploration_rate(eps, 10_000, seed=i) for i, eps in enumerate((0.1, 0.3, 0.5))]

    settled = [r["settled_after_episodes"] for r in runs]
    n = None if None in settled else max(settled)
    rate_ok = all(abs(r["exploration_rate"] - r["epsilon"]) <= 0.025 for r in rates)
    path = save(
        "gridworld_qlearning",
        {
            "command": "python benchmarks/gridworld_qlearning.py " + " ".join(sys.argv[1:]),
            "grid": "book",
            "settings": {
                "noise": 0.2,
                "gamma": 0.9,
                "living_reward": 0.0,
                "epsilon": args.epsilon,
                "alpha": f"{c:g} / ({c:g} + n), n = earlier updates of the (state, action) pair",
                "tolerance": args.tolerance,
            },
            "episodes_until_within_tolerance": n,
            "runs": runs,
            "constant_alpha_reference": {"alpha": args.constant_alpha, **reference},
            "exploration": rates,
            "exploration_within_0.025": rate_ok,
        },
    )
    print(f"results in {path}")
    print(f"constant alpha {args.constant_alpha}: error {reference['curve'][-1][1]:.4f} after {args.episodes} episodes")
    for r in rates:
        print(f"epsilon {r['epsilon']}: exploration rate {r['exploration_rate']:.4f} over {r['draws']} draws")
    print(f"values within {args.tolerance} of value iteration on every open cell after N = {n} episodes "
          f"(the largest over seeds {args.seeds}); exploration rates within 0.025: {rate_ok}")  # fmt: skip


if __name__ == "__main__":
    main()
