"""The greedy car driving: a rollout's every position, and the figures `codeling drive eval`
reports (targets reached per 1,000 steps, route efficiency, road share, wall hits, the order)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from codeling.rl import route
from codeling.rl.car import Cars, CarSettings
from codeling.rl.dqn import select_actions
from codeling.rl.maps import World
from codeling.rl.settings import DQNSettings
from codeling.rl.train import CarPolicy, world_of


@dataclass
class Rollout:
    """T steps of one car. positions/angles/sensors/goals have T+1 rows (the start, then after each
    step); on_road/wall/rewards T rows; reached lists (step, target index) in the order reached."""

    positions: np.ndarray  # (T+1, 2) x, y px (y runs down)
    angles: np.ndarray  # (T+1,) degrees, counter-clockwise on the image
    sensors: np.ndarray  # (T+1, 3, 2): the sensors' (x, y): ahead, left (+angle), right (-angle)
    goals: np.ndarray  # (T+1,) the current target's index
    on_road: np.ndarray  # (T,) bool
    wall: np.ndarray  # (T,) bool
    rewards: np.ndarray  # (T,)
    reached: list[tuple[int, int]]


def greedy_rollout(
    policy: CarPolicy,
    world: World | None = None,
    steps: int = 1000,
    seed: int = 0,
    car: CarSettings | None = None,
    tau: float | None = None,
) -> Rollout:
    """Drive `policy`'s greedy car (argmax Q) for `steps` steps on `world` (None: the map and
    targets it was trained on), starting on the last target facing a random direction (from
    `seed`) with goal A1, so it should visit A1, A2, A3, A1, ... `car` overrides the car's
    settings (e.g. another boundary_signal); by default the ones it was trained with. `tau`: drive
    by sampling softmax(Q / tau) (seeded by `seed`) instead of greedily, as the course's car drives.
    Draw it with rl/draw.py's rollout_frames."""
    world = world or world_of(policy.settings)
    cars = Cars(world, car or policy.settings.car, 1)
    rng = np.random.default_rng(seed)
    obs = cars.place(np.array([0]), world.targets[-1:], rng.uniform(0, 360, 1), np.array([0]))
    positions, angles, sensors, goals = [cars.pos[0].copy()], [cars.angle[0]], [cars.sensor_points()[0]], [0]
    on_road, wall, rewards, reached = [], [], [], []
    for t in range(steps):
        if tau is None:
            action = policy.act(obs)
        else:
            action, _ = select_actions(torch.from_numpy(policy.q(obs)), DQNSettings(tau=tau), rng)
        r = cars.step(action)
        obs = r.obs
        positions.append(cars.pos[0].copy())
        angles.append(cars.angle[0])
        sensors.append(cars.sensor_points()[0])
        goals.append(int(cars.goal[0]))
        on_road.append(bool(r.on_road[0]))
        wall.append(bool(r.wall[0]))
        rewards.append(float(r.reward[0]))
        if r.reached[0] >= 0:
            reached.append((t + 1, int(r.reached[0])))
    return Rollout(
        np.array(positions),
        np.array(angles),
        np.array(sensors),
        np.array(goals),
        np.array(on_road, dtype=bool),
        np.array(wall, dtype=bool),
        np.array(rewards),
        reached,
    )


def rollout_figures(rollout: Rollout, world: World, fields: np.ndarray, road_speed: float) -> dict:
    """One rollout's figures. A leg runs from the start (or the last target reached) to the next
    target reached; its shortest time is the road distance from where it began to within reach of
    that target, at road speed."""
    steps = len(rollout.on_road)
    legs, begun = [], 0
    for t, k in rollout.reached:
        legs.append((k, tuple(rollout.positions[begun]), t - begun))
        begun = t
    return {
        "steps": steps,
        "targets_reached": len(rollout.reached),
        "targets_per_1000": 1000 * len(rollout.reached) / max(steps, 1),
        "route_efficiency": route.route_efficiency(fields, legs, road_speed),
        "road_share": float(rollout.on_road.mean()) if steps else 0.0,
        "wall_hits": int(rollout.wall.sum()),
        "order": [f"A{k + 1}" for _, k in rollout.reached],
    }


def evaluate_car(
    policy: CarPolicy, world: World | None = None, steps: int = 1000, seeds: int = 3, tau: float | None = None
) -> dict:
    """The greedy car (or with `tau`, the softmax car) on `world` (None: its own map), one rollout
    per seed 0..seeds-1: each seed's
    figures (rollout_figures) and their means. `in_order` is True when every seed reached the
    targets as A1, A2, A3, A1, ... (the goal only moves on in order, so this checks the bookkeeping)."""
    world = world or world_of(policy.settings)
    car = policy.settings.car
    fields = route.road_fields(world, car.goal_distance)
    route.check_connected(world, fields)
    per_seed = [
        rollout_figures(greedy_rollout(policy, world, steps, seed, tau=tau), world, fields, car.road_speed)
        for seed in range(seeds)
    ]
    k = len(world.targets)
    mean = {
        key: float(np.mean([r[key] for r in per_seed]))
        for key in ("targets_per_1000", "route_efficiency", "road_share", "wall_hits")
    }
    in_order = all(r["order"] == [f"A{i % k + 1}" for i in range(len(r["order"]))] for r in per_seed)
    return {
        "map": world.name,
        "targets": world.targets.tolist(),
        "steps": steps,
        "seeds": per_seed,
        "mean": mean,
        "in_order": in_order,
        "checkpoint": str(policy.checkpoint),
        "trained_steps": policy.step,
    }
