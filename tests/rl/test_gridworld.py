"""The gridworld: the course's grids, noise, the exit action, Gymnasium's contract, and value
iteration's exact values; `codeling gridworld` through the installed entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from codeling.errors import CodelingError
from codeling.rl.gridworld import GRIDS, GridWorldEnv, make_mdp
from codeling.rl.value_iteration import value_iteration

CODELING = str(Path(sys.executable).with_name("codeling"))  # the entry point `pip install` made


def codeling(*args):
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([CODELING, *map(str, args)], capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.filterwarnings("ignore:.*alternative render modes")
@pytest.mark.parametrize("grid", list(GRIDS))
def test_every_grid_passes_gymnasiums_env_checker(grid):
    check_env(GridWorldEnv(grid, render_mode="rgb_array"), skip_render_check=False)


def test_book_grid_is_the_courses_layout_with_y_running_north():
    mdp = make_mdp("book")
    assert (mdp.width, mdp.height) == (4, 3)
    assert mdp.cells[mdp.start] == (0, 0) and mdp.walls == {(1, 1)}
    assert {mdp.cells[s]: r for s, r in mdp.exits.items()} == {(3, 2): 1.0, (3, 1): -1.0}


def test_noise_sends_a_tenth_each_way_sideways_and_walls_bounce():
    mdp = make_mdp("book", noise=0.2)
    at = mdp.index
    # North from the start: 0.8 north, 0.1 east, 0.1 west into the edge, which leaves it in place.
    assert dict(mdp.transitions(at[(0, 0)], "north")) == pytest.approx(
        {at[(0, 1)]: 0.8, at[(1, 0)]: 0.1, at[(0, 0)]: 0.1}
    )
    # East from (0, 1) runs into the wall at (1, 1).
    assert dict(mdp.transitions(at[(0, 1)], "east")) == pytest.approx(
        {at[(0, 1)]: 0.8, at[(0, 2)]: 0.1, at[(0, 0)]: 0.1}
    )
    assert dict(make_mdp("book", noise=0.0).transitions(at[(0, 0)], "east")) == {at[(1, 0)]: 1.0}


def test_the_noise_is_drawn_at_its_rates_from_the_seeded_rng():
    env = GridWorldEnv("book")
    start, north = env.mdp.start, env.mdp.index[(0, 1)]
    env.reset(seed=3)
    landed = []
    for _ in range(4000):
        env.reset()
        landed.append(env.step(0)[0])  # 0 = north
    share = np.mean(np.array(landed) == north)
    assert abs(share - 0.8) < 0.025
    assert abs(np.mean(np.array(landed) == start) - 0.1) < 0.02


def test_an_exit_cell_pays_its_number_on_the_exit_then_the_episode_ends():
    env = GridWorldEnv("book", noise=0.0, living_reward=-0.04)
    mdp = env.mdp
    env.reset(seed=0)
    path = [1, 1, 0, 0, 1]  # east, east, north, north, east: onto the +1 cell
    rewards = [env.step(a)[1] for a in path]
    assert rewards == [-0.04] * 5  # entering the +1 cell pays the living reward, as in the course
    assert env.state in mdp.exits and mdp.legal_actions(env.state) == ("exit",)
    state, reward, terminated, truncated, info = env.step(3)  # any action is the exit here
    assert (state, reward, terminated, truncated) == (mdp.terminal, 1.0, True, False)
    assert info["legal_actions"] == () and info["cell"] is None
    with pytest.raises(CodelingError, match="reset"):
        env.step(0)


def test_a_long_episode_is_truncated_not_terminated():
    env = GridWorldEnv("book", noise=0.0, max_steps=3)
    env.reset(seed=0)
    outcomes = [env.step(3)[2:4] for _ in range(3)]  # west into the edge three times
    assert outcomes == [(False, False), (False, False), (False, True)]


def test_the_same_seed_gives_the_same_episode():
    def episode(seed):
        env = GridWorldEnv("discount")
        states = [env.reset(seed=seed)[0]]
        for a in range(40):
            state, _, terminated, _, _ = env.step(a % 4)
            states.append(state)
            if terminated:
                states.append(env.reset()[0])
        return states

    assert episode(5) == episode(5)
    assert episode(5) != episode(6)


def test_render_draws_the_grid_with_image_rows_running_downward():
    env = GridWorldEnv("book", render_mode="rgb_array")
    env.reset(seed=0)
    image = env.render()
    assert image.shape == (96, 128, 3) and image.dtype == np.uint8
    assert tuple(image[80, 16]) == (30, 90, 220)  # the agent, at (0, 0): the bottom-left cell
    assert tuple(image[16, 112]) == (90, 190, 90)  # +1 at (3, 2): top right
    assert tuple(image[48, 48]) == (60, 60, 60)  # the wall at (1, 1)


def test_value_iteration_gives_the_courses_book_grid_values():
    mdp = make_mdp("book")
    solved = value_iteration(mdp, gamma=0.9)
    values = {mdp.cells[s]: round(v, 2) for s, v in enumerate(solved.values[:-1])}
    assert values == {
        (0, 2): 0.64, (1, 2): 0.74, (2, 2): 0.85, (3, 2): 1.0,
        (0, 1): 0.57, (2, 1): 0.57, (3, 1): -1.0,
        (0, 0): 0.49, (1, 0): 0.43, (2, 0): 0.48, (3, 0): 0.28,
    }  # fmt: skip
    assert solved.policy[mdp.start] == "north" and solved.policy[mdp.terminal] is None


def test_value_iteration_on_a_noiseless_bridge_walks_five_steps_to_the_ten():
    mdp = make_mdp("bridge", noise=0.0)
    solved = value_iteration(mdp, gamma=0.9)
    assert solved.values[mdp.start] == pytest.approx(0.9**5 * 10)
    assert solved.policy[mdp.start] == "east"


@pytest.mark.parametrize("grid, noise, message", [("nope", 0.2, "unknown grid"), ("book", 1.5, "noise")])
def test_bad_settings_are_one_sentence(grid, noise, message):
    with pytest.raises(CodelingError, match=message):
        GridWorldEnv(grid, noise=noise)


def test_cli_prints_both_tables_and_writes_the_json(tmp_path):
    out = tmp_path / "book.json"
    proc = codeling("gridworld", "--grid", "book", "--episodes", "200", "--seed", "1", "--json", out)
    assert proc.returncode == 0, proc.stderr
    assert "Q-learning, 200 episodes" in proc.stdout and "value iteration" in proc.stdout
    report = json.loads(out.read_text())
    assert len(report["states"]) == 11 and report["settings"]["seed"] == 1
    start = next(s for s in report["states"] if s["cell"] == [0, 0])
    assert round(start["value_iteration"]["value"], 2) == 0.49
    assert 0 < start["q_learning"]["value"] < 1
    assert report["max_difference"] == max(
        abs(s["q_learning"]["value"] - s["value_iteration"]["value"]) for s in report["states"]
    )


@pytest.mark.parametrize(
    "args, message",
    [(["--grid", "moon"], "unknown grid 'moon'"), (["--alpha", "1.5"], "alpha must lie in [0, 1]")],
)
def test_cli_refuses_bad_input_in_one_sentence_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "out.json"
    proc = codeling("gridworld", *args, "--json", out)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()] and message in proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()
