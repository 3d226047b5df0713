"""Speed of the car, alternately in one process (A B A B ...):

1. environment steps per second: 64 cars stepped as one array operation (rl/car.py's Cars) against
   one car (the CityCar Gymnasium env) stepped 64 times; random actions, the shipped map.
2. DQN training steps per second against Stable-Baselines3's DQN on the same environment (one
   CityCar), the same network (5-30-30-3 ReLU), replay 100,000, batch 100, Adam 1e-3, gamma 0.9,
   smooth-L1, one learning step per environment step after 1,000, a target network copied every
   1,000 learning steps, epsilon-greedy; one torch thread each. A timed run is the whole
   `train_car(steps=N)` (its setup and final checkpoint included) against SB3's `learn(N)` (its
   model built beforehand, untimed). Also ours with 16 cars at once (one learning step per step of
   all 16), in car steps per second.

    python benchmarks/drive_speed.py                  # about 3 minutes on an idle 2-core machine

Stable-Baselines3 is a benchmark-only dependency: pip install -c constraints.txt -e ".[bench]".
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import alternate, save  # noqa: E402
from codeling.rl.car import Cars, CarSettings, CityCar  # noqa: E402
from codeling.rl.maps import load_world  # noqa: E402
from codeling.rl.settings import load_drive_settings  # noqa: E402
from codeling.rl.train import train_car  # noqa: E402
from drive_common import provenance  # noqa: E402


def env_contenders(reps: int):
    world, settings = load_world(), CarSettings()
    rng = np.random.default_rng(0)
    many = Cars(world, settings, 64)
    many.spawn(np.arange(64), rng)
    env = CityCar(world, settings)
    env.reset(seed=0)
    actions = rng.integers(0, 3, (reps, 64))

    def batched() -> float:
        t0 = time.perf_counter()
        for a in actions:
            many.step(a)
        return reps * 64 / (time.perf_counter() - t0)

    def one_by_one() -> float:
        t0 = time.perf_counter()
        for a in actions:
            for x in a:
                env.step(int(x))
        return reps * 64 / (time.perf_counter() - t0)

    return {"64 cars batched": batched, "1 car x 64": one_by_one}


SHARED = [
    "dqn.policy=epsilon",
    "dqn.target_update=1000",
    "dqn.learning_starts=1000",
    "tensorboard=false",
    "log_every=100000",
    "save_every_s=100000",
]


def dqn_contenders(steps: int, folder: Path):
    from stable_baselines3 import DQN

    counter = iter(range(10_000))

    def ours(cars: int):
        def run() -> float:
            settings = load_drive_settings(overrides=[*SHARED, f"cars={cars}"])
            t0 = time.perf_counter()
            result = train_car(settings, folder / f"ours-{next(counter)}", steps=steps // cars)
            return result.car_steps / (time.perf_counter() - t0)

        return run

    def sb3() -> float:
        model = DQN(
            "MlpPolicy",
            CityCar(),
            learning_rate=1e-3,
            buffer_size=100_000,
            learning_starts=1000,
            batch_size=100,
            gamma=0.9,
            train_freq=1,
            gradient_steps=1,
            target_update_interval=1000,
            policy_kwargs={"net_arch": [30, 30]},
            device="cpu",
            seed=0,
            verbose=0,
        )
        t0 = time.perf_counter()
        model.learn(steps)
        return steps / (time.perf_counter() - t0)

    return {"codeling 1 car": ours(1), "SB3 DQN": sb3, "codeling 16 cars": ours(16)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--env-reps", type=int, default=300, help="steps of the 64 cars a timed env round")
    parser.add_argument("--dqn-steps", type=int, default=6000, help="environment steps a timed DQN round")
    args = parser.parse_args()
    try:
        import stable_baselines3
    except ImportError:
        sys.exit('Stable-Baselines3 is not installed; it is the benchmark-only extra: pip install -e ".[bench]"')
    torch.set_num_threads(1)
    # The first optimizer a process builds imports torch._dynamo (seconds): pay it before any timing.
    warm = torch.nn.Linear(5, 3)
    optimizer = torch.optim.Adam(warm.parameters())
    warm(torch.zeros(1, 5)).sum().backward()
    optimizer.step()
    env = alternate(env_contenders(args.env_reps), args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        dqn = alternate(dqn_contenders(args.dqn_steps, Path(tmp)), args.rounds)
    med = {k: statistics.median(v) for k, v in {**env, **dqn}.items()}
    env_ratio = med["64 cars batched"] / med["1 car x 64"]
    dqn_ratio = med["codeling 1 car"] / med["SB3 DQN"]
    vec_ratio = med["codeling 16 cars"] / med["SB3 DQN"]
    path = save(
        "drive_speed",
        {
            **provenance(),
            "stable_baselines3": stable_baselines3.__version__,
            "rounds": args.rounds,
            "env_steps_per_s": env,
            "dqn_env_steps_per_s": dqn,
            "median": med,
            "ratio": {"env_batched_vs_single": env_ratio, "dqn_vs_sb3": dqn_ratio, "dqn_16_cars_vs_sb3": vec_ratio},
        },
    )
    print(f"results in {path}")
    for name, value in med.items():
        print(f"{name:>18}: {value:,.0f} steps/s (median of {args.rounds})")
    print(f"64 cars batched vs one car x 64: {env_ratio:.1f}x")
    print(f"DQN training, one car: codeling {dqn_ratio:.2f}x SB3; 16 cars at once: {vec_ratio:.1f}x SB3")


if __name__ == "__main__":
    main()
