"""The Berkeley gridworld as a Gymnasium environment: its five classic grids, action noise, a living
reward and the exit action.

Coordinates are the course's: (x, y) with x to the east and y to the north, (0, 0) the bottom-left
cell, so a layout's first row is the grid's top. A state is an int: one per open cell (row-major from
the layout's top-left), then `mdp.terminal`, the absorbing state after an exit.

The exit, as in the original: a cell holding a number is an exit cell whose only legal action is
`exit`, which pays that number and moves to the terminal state. The reward of entering a +1 cell is
therefore paid one step later than "terminal on entering" would pay it; keeping the original's rule
keeps its values (the book grid's 0.64 / 0.74 / 0.85 top row) and its `V(exit cell) = reward`, so a
student's numbers match the course's. Gymnasium agents know nothing of legal actions, so the
environment takes any of its four actions at an exit cell as the exit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import gymnasium as gym
import numpy as np

from codeling.errors import CodelingError

# The course's layouts: ' ' open, '#' wall, 'S' start, a number an exit cell paying it.
GRIDS: dict[str, list[list]] = {
    "book": [
        [" ", " ", " ", +1],
        [" ", "#", " ", -1],
        ["S", " ", " ", " "],
    ],
    "bridge": [
        ["#", -100, -100, -100, -100, -100, "#"],
        [1, "S", " ", " ", " ", " ", 10],
        ["#", -100, -100, -100, -100, -100, "#"],
    ],
    "cliff": [
        [" ", " ", " ", " ", " "],
        ["S", " ", " ", " ", 10],
        [-100, -100, -100, -100, -100],
    ],
    "discount": [
        [" ", " ", " ", " ", " "],
        [" ", "#", " ", " ", " "],
        [" ", "#", 1, "#", 10],
        ["S", " ", " ", " ", " "],
        [-10, -10, -10, -10, -10],
    ],
    "maze": [
        [" ", " ", " ", +1],
        ["#", "#", " ", "#"],
        [" ", "#", " ", " "],
        [" ", "#", "#", " "],
        ["S", " ", " ", " "],
    ],
}

# The environment's four actions, in its action space's order; "exit" is the fifth, legal alone at
# exit cells, and the environment reads any action there as it.
MOVES = ("north", "east", "south", "west")
EXIT = "exit"
STEP = {"north": (0, 1), "east": (1, 0), "south": (0, -1), "west": (-1, 0)}
# Noise sends the car sideways: each perpendicular direction gets half of it.
SIDEWAYS = {
    "north": ("west", "east"),
    "south": ("west", "east"),
    "east": ("north", "south"),
    "west": ("north", "south"),
}


@dataclass
class GridMDP:
    """A grid's Markov decision process: states, legal actions, T(s, a, s') and R(s, a, s')."""

    name: str
    width: int
    height: int
    cells: list[tuple[int, int]]  # state index -> (x, y)
    walls: set[tuple[int, int]]
    exits: dict[int, float]  # state index -> the exit's reward
    start: int
    noise: float = 0.2
    living_reward: float = 0.0
    index: dict[tuple[int, int], int] = field(init=False)

    def __post_init__(self):
        self.index = {cell: i for i, cell in enumerate(self.cells)}

    @property
    def terminal(self) -> int:
        return len(self.cells)

    @property
    def n_states(self) -> int:
        return len(self.cells) + 1

    def legal_actions(self, state: int) -> tuple[str, ...]:
        if state == self.terminal:
            return ()
        return (EXIT,) if state in self.exits else MOVES

    def transitions(self, state: int, action: str) -> list[tuple[int, float]]:
        """(next state, probability) pairs, each next state once."""
        if state == self.terminal:
            return []
        if state in self.exits:
            return [(self.terminal, 1.0)]
        probs: dict[int, float] = {}
        left, right = SIDEWAYS[action]
        for direction, p in ((action, 1 - self.noise), (left, self.noise / 2), (right, self.noise / 2)):
            if p > 0:
                target = self._move(state, direction)
                probs[target] = probs.get(target, 0.0) + p
        return list(probs.items())

    def reward(self, state: int, action: str, next_state: int) -> float:
        # As in the course: an exit pays its number, every other step the living reward.
        if state == self.terminal:
            return 0.0
        return self.exits.get(state, self.living_reward)

    def _move(self, state: int, direction: str) -> int:
        x, y = self.cells[state]
        dx, dy = STEP[direction]
        # A wall or the grid's edge leaves the agent where it was.
        return self.index.get((x + dx, y + dy), state)


def make_mdp(grid: str, noise: float = 0.2, living_reward: float = 0.0) -> GridMDP:
    """One of GRIDS with its noise and living reward; an unknown name or a noise outside [0, 1] is refused."""
    if grid not in GRIDS:
        raise CodelingError(f"unknown grid {grid!r}: choose one of {', '.join(GRIDS)}.")
    if not 0.0 <= noise <= 1.0:
        raise CodelingError(f"noise must lie in [0, 1] (got {noise}); 0.2 is the course's.")
    layout = GRIDS[grid]
    height, width = len(layout), len(layout[0])
    cells, walls, exits, start = [], set(), {}, None
    for row, line in enumerate(layout):
        for x, value in enumerate(line):
            y = height - 1 - row  # the layout's first row is the top, y = height - 1
            if value == "#":
                walls.add((x, y))
                continue
            if value == "S":
                start = len(cells)
            elif not isinstance(value, str):
                exits[len(cells)] = float(value)
            cells.append((x, y))
    return GridMDP(grid, width, height, cells, walls, exits, start, noise, living_reward)


# rgb_array colours: open, wall, start, the agent; exits are shaded green (+) or red (-).
CELL = 32
COLOURS = {"open": (230, 230, 230), "wall": (60, 60, 60), "agent": (30, 90, 220)}


class GridWorldEnv(gym.Env):
    """The gridworld on Gymnasium's API: observations and actions are ints (see MOVES); `info` carries
    the cell (x, y) and the legal actions of the new state."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(
        self,
        grid: str = "book",
        noise: float = 0.2,
        living_reward: float = 0.0,
        max_steps: int = 200,
        render_mode: str | None = None,
    ):
        if render_mode not in (None, "rgb_array"):
            raise CodelingError(f"render_mode must be None or 'rgb_array' (got {render_mode!r}).")
        self.mdp = make_mdp(grid, noise, living_reward)
        self.max_steps = max_steps
        self.render_mode = render_mode
        self.observation_space = gym.spaces.Discrete(self.mdp.n_states)
        self.action_space = gym.spaces.Discrete(len(MOVES))
        self.state = self.mdp.start
        self.steps = 0

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)  # seeds self.np_random, which draws the noise
        self.state, self.steps = self.mdp.start, 0
        return self.state, self._info()

    def step(self, action):
        action = int(action)
        if self.state == self.mdp.terminal:
            raise CodelingError("the episode has ended: call reset() before step().")
        name = EXIT if self.state in self.mdp.exits else MOVES[action]
        return self.step_named(name)

    def step_named(self, name: str):
        """A step by the course's action name ("north", ..., "exit"), which a tabular agent uses."""
        if name not in self.mdp.legal_actions(self.state):
            raise CodelingError(
                f"{name!r} is not legal in state {self.state}: legal are {self.mdp.legal_actions(self.state)}."
            )
        outcomes = self.mdp.transitions(self.state, name)
        previous, self.state = self.state, self._draw(outcomes)
        self.steps += 1
        reward = self.mdp.reward(previous, name, self.state)
        terminated = self.state == self.mdp.terminal
        truncated = not terminated and self.steps >= self.max_steps
        return self.state, float(reward), terminated, truncated, self._info()

    def _draw(self, outcomes: list[tuple[int, float]]) -> int:
        # One uniform against the running sum: np_random.choice costs ten times more a step.
        u, total = self.np_random.random(), 0.0
        for state, p in outcomes:
            total += p
            if u < total:
                return state
        return outcomes[-1][0]

    def _info(self) -> dict:
        cell = self.mdp.cells[self.state] if self.state < self.mdp.terminal else None
        return {"cell": cell, "legal_actions": self.mdp.legal_actions(self.state)}

    def render(self):
        if self.render_mode != "rgb_array":
            return None
        mdp = self.mdp
        image = np.zeros((mdp.height * CELL, mdp.width * CELL, 3), dtype=np.uint8)
        for x in range(mdp.width):
            for y in range(mdp.height):
                state = mdp.index.get((x, y))
                if state is None:
                    colour = COLOURS["wall"]
                elif state in mdp.exits:
                    colour = (90, 190, 90) if mdp.exits[state] > 0 else (210, 80, 80)
                else:
                    colour = COLOURS["open"]
                top = (mdp.height - 1 - y) * CELL  # image rows run downward, y upward
                image[top + 1 : top + CELL - 1, x * CELL + 1 : (x + 1) * CELL - 1] = colour
        if self.state < mdp.terminal:
            x, y = mdp.cells[self.state]
            top, left, r = (mdp.height - 1 - y) * CELL, x * CELL, CELL // 4
            image[top + CELL // 2 - r : top + CELL // 2 + r, left + CELL // 2 - r : left + CELL // 2 + r] = COLOURS[
                "agent"
            ]
        return image
