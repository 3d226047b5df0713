"""The course's self-driving car, headless: N cars on one map stepped as arrays, and `CityCar`,
the one-car Gymnasium environment over them.

What the car senses (5 numbers, as in the course's map.py):
  three sensors `sensor_distance` px ahead at the heading, +sensor_angle and -sensor_angle degrees,
  each the share of off-road pixels in a `sensor_window` square around it (`boundary_signal` when
  the sensor is within `edge_margin` of the map's edge); then o and -o, where o is the signed
  angle from the car's heading to the goal, divided by 180 (o > 0: the goal is to the car's left,
  the side of the +angle sensor, as seen on the image).
What it does (3 actions): turn by 0, +rotation (left, counter-clockwise on the image), -rotation,
  then move at the speed of the ground it stands on (road_speed or sand_speed).
What it gets: reward_sand off-road; on road reward_closer when it got closer to its goal, else
  reward_road; reward_edge when it hit the edge (it is kept `edge_margin` inside). Within
  goal_distance of its goal the goal becomes the next target (A1 -> A2 -> A3 -> A1).

Image rows run downward, so a heading of angle a moves the car by (cos a, -sin a) in (x, row).
The reward of a step is returned with that step (the course stored it one transition late).
"""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from codeling.rl.maps import World, load_world, map_image


class CarSettings(BaseModel):
    """Every constant of the car. Defaults are the original map.py's; presets in rl/settings.py."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sensor_distance: float = Field(30.0, gt=0, le=500, description="px from the car to each sensor")
    sensor_angle: float = Field(30.0, ge=0, le=180, description="degrees between the middle and the side sensors")
    sensor_window: int = Field(20, ge=1, le=200, description="side in px of the square each sensor reads")
    boundary_signal: float = Field(1.0, ge=0, le=1000, description="what a sensor reads off the map")
    rotation: float = Field(20.0, ge=0, le=180, description="degrees a turning action turns")
    road_speed: float = Field(6.0, gt=0, le=100, description="px a step on road")
    sand_speed: float = Field(1.0, gt=0, le=100, description="px a step off road")
    goal_distance: float = Field(100.0, gt=0, le=10_000, description="px within which a target counts as reached")
    reward_sand: float = -1.0
    reward_road: float = -0.2
    reward_closer: float = 0.1
    reward_edge: float = -1.0
    edge_margin: float = Field(10.0, ge=0, le=100, description="px the car is kept from the map's edge")
    episode_steps: int = Field(1000, ge=1, le=10_000_000, description="steps before an episode is truncated")


@dataclass
class StepResult:
    """What N cars' step returns, one row per car."""

    obs: np.ndarray  # (N, 5) float32
    reward: np.ndarray  # (N,) float32
    on_road: np.ndarray  # (N,) bool
    wall: np.ndarray  # (N,) bool: hit the edge this step
    reached: np.ndarray  # (N,) int: the target reached this step, -1 for none


class Cars:
    """N cars on one World, their state as arrays: pos (N, 2) x,y; angle (N,) degrees; goal (N,)
    index into world.targets; last_dist (N,). Every method works on all N at once."""

    def __init__(self, world: World, settings: CarSettings, n: int):
        self.world, self.s, self.n = world, settings, n
        self.pos = np.zeros((n, 2))
        self.angle = np.zeros(n)
        self.goal = np.zeros(n, dtype=np.int64)
        self.last_dist = np.zeros(n)
        self.steps = np.zeros(n, dtype=np.int64)
        self.offsets = np.radians(np.array([0.0, settings.sensor_angle, -settings.sensor_angle]))
        self.turns = np.array([0.0, settings.rotation, -settings.rotation])
        self.road_pixels = np.argwhere(world.road)  # (M, 2) row, col: where a car may be spawned

    # Placing cars.

    def place(self, which: np.ndarray, pos: np.ndarray, angle: np.ndarray, goal: np.ndarray) -> np.ndarray:
        """Put cars `which` (indices) at pos/angle with their goal; returns all N observations."""
        self.pos[which], self.angle[which], self.goal[which] = pos, angle, goal
        self.steps[which] = 0
        self.last_dist[which] = self.distance()[which]
        return self.observe()

    def spawn(self, which: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Cars `which` to random road pixels, random headings and random goals (training's reset)."""
        k = len(which)
        rows = self.road_pixels[rng.integers(0, len(self.road_pixels), k)]
        pos = rows[:, ::-1] + 0.5
        return self.place(which, pos, rng.uniform(0, 360, k), rng.integers(0, len(self.world.targets), k))

    # What the cars sense.

    def sensor_points(self) -> np.ndarray:
        """(N, 3, 2): where each car's three sensors are (x, y), in the order 0, +angle, -angle."""
        a = np.radians(self.angle)[:, None] + self.offsets[None, :]
        d = self.s.sensor_distance
        return np.stack([self.pos[:, 0:1] + d * np.cos(a), self.pos[:, 1:2] - d * np.sin(a)], axis=-1)

    def sensors(self) -> np.ndarray:
        """(N, 3): the share of off-road pixels around each sensor, from the integral image."""
        pts = self.sensor_points()
        w, h, m = self.world.width, self.world.height, self.s.edge_margin
        x, y = pts[..., 0], pts[..., 1]
        inside = (x >= m) & (x < w - m) & (y >= m) & (y < h - m)
        half = self.s.sensor_window / 2
        x0 = np.clip(np.floor(x - half), 0, w).astype(np.int64)
        x1 = np.clip(np.floor(x + half), 0, w).astype(np.int64)
        y0 = np.clip(np.floor(y - half), 0, h).astype(np.int64)
        y1 = np.clip(np.floor(y + half), 0, h).astype(np.int64)
        table = self.world.offroad_sum
        count = table[y1, x1] - table[y0, x1] - table[y1, x0] + table[y0, x0]
        area = np.maximum((x1 - x0) * (y1 - y0), 1)
        return np.where(inside, count / area, self.s.boundary_signal)

    def orientation(self) -> np.ndarray:
        """(N,): signed angle from heading to goal over 180, positive to the left (counter-clockwise)."""
        to_goal = self.world.targets[self.goal] - self.pos
        goal_angle = np.degrees(np.arctan2(-to_goal[:, 1], to_goal[:, 0]))  # rows run down: flip y
        return ((goal_angle - self.angle + 180.0) % 360.0 - 180.0) / 180.0

    def observe(self) -> np.ndarray:
        o = self.orientation()
        return np.concatenate([self.sensors(), o[:, None], -o[:, None]], axis=1).astype(np.float32)

    def distance(self) -> np.ndarray:
        return np.linalg.norm(self.world.targets[self.goal] - self.pos, axis=1)

    def on_road(self) -> np.ndarray:
        # Cars are kept edge_margin inside, so the index is on the map (a margin of 0 is clipped).
        cols = np.minimum(self.pos[:, 0].astype(np.int64), self.world.width - 1)
        rows = np.minimum(self.pos[:, 1].astype(np.int64), self.world.height - 1)
        return self.world.road[rows, cols]

    # One step of every car.

    def step(self, actions: np.ndarray) -> StepResult:
        s = self.s
        speed = np.where(self.on_road(), s.road_speed, s.sand_speed)
        self.angle = (self.angle + self.turns[actions]) % 360.0
        a = np.radians(self.angle)
        moved = self.pos + speed[:, None] * np.stack([np.cos(a), -np.sin(a)], axis=1)
        low = s.edge_margin
        high = np.array([self.world.width, self.world.height]) - s.edge_margin
        self.pos = np.minimum(np.maximum(moved, low), high)
        wall = (self.pos != moved).any(axis=1)

        road = self.on_road()
        dist = self.distance()
        reward = np.where(road, np.where(dist < self.last_dist, s.reward_closer, s.reward_road), s.reward_sand)
        reward = np.where(wall, s.reward_edge, reward)

        reached = np.where(dist < s.goal_distance, self.goal, -1)
        self.goal = np.where(reached >= 0, (self.goal + 1) % len(self.world.targets), self.goal)
        self.last_dist = self.distance()  # to the (new) goal: a switch is not "getting closer"
        self.steps += 1
        return StepResult(self.observe(), reward.astype(np.float32), road, wall, reached)


def observation_space(settings: CarSettings) -> gym.spaces.Box:
    high = max(1.0, settings.boundary_signal)
    low = np.array([0, 0, 0, -1, -1], dtype=np.float32)
    return gym.spaces.Box(low, np.array([high, high, high, 1, 1], dtype=np.float32), dtype=np.float32)


class CityCar(gym.Env):
    """The course's car as a Gymnasium environment: one car, Discrete(3) actions (straight, left,
    right), a Box(5) observation (3 sensors, o, -o; see the module docstring).

    CityCar(world=None, settings=None, render_mode=None, start="random")
      world: a maps.World (None: the shipped city map with its targets A1, A2, A3);
      settings: CarSettings (None: the original preset's numbers);
      start: "random" (a random road pixel, heading and goal: training) or "last" (at the last
        target facing a random way, goal A1: the car then visits A1, A2, A3, A1, ... in turn).
    reset(seed=..., options={"pos": (x, y), "angle": deg, "goal": i}) places the car exactly.
    info: {"goal": index of the current target, "distance": px to it, "on_road": bool,
           "wall": bool, "reached": index of the target reached this step or -1, "pos", "angle"}.
    The episode never terminates; it is truncated after settings.episode_steps steps.
    render() in "rgb_array" mode: the map, targets, the car and its sensors as (H, W, 3) uint8.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 30}

    def __init__(
        self, world: World | None = None, settings: CarSettings | None = None, render_mode=None, start="random"
    ):
        self.world = world or load_world()
        self.settings = settings or CarSettings()
        self.render_mode = render_mode
        self.start = start
        self.cars = Cars(self.world, self.settings, 1)
        self.action_space = gym.spaces.Discrete(3)
        self.observation_space = observation_space(self.settings)
        self.last = None

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        options = options or {}
        one = np.array([0])
        if self.start == "last":
            pos, goal = self.world.targets[-1:], np.array([0])
            angle = self.np_random.uniform(0, 360, 1)
            obs = self.cars.place(one, pos, angle, goal)
        else:
            obs = self.cars.spawn(one, self.np_random)
        if options:
            pos = np.asarray(options.get("pos", self.cars.pos[0]), dtype=float)[None]
            angle = np.array([float(options.get("angle", self.cars.angle[0]))])
            obs = self.cars.place(one, pos, angle, np.array([int(options.get("goal", self.cars.goal[0]))]))
        self.last = None
        return obs[0], self._info()

    def step(self, action):
        r = self.cars.step(np.array([int(action)]))
        self.last = r
        truncated = bool(self.cars.steps[0] >= self.settings.episode_steps)
        return r.obs[0], float(r.reward[0]), False, truncated, self._info()

    def _info(self) -> dict:
        c, r = self.cars, self.last
        return {
            "goal": int(c.goal[0]),
            "distance": float(c.distance()[0]),
            "on_road": bool(c.on_road()[0]),
            "wall": bool(r.wall[0]) if r is not None else False,
            "reached": int(r.reached[0]) if r is not None else -1,
            "pos": c.pos[0].copy(),
            "angle": float(c.angle[0]),
        }

    def render(self):
        if self.render_mode != "rgb_array":
            return None
        from codeling.rl.draw import draw_frame

        base = map_image(self.world)
        return draw_frame(
            base, self.world, self.cars.pos[0], self.cars.angle[0], self.cars.sensor_points()[0], int(self.cars.goal[0])
        )
