"""`codeling gridworld`: Q-learning on a Berkeley grid, its values and policy beside value iteration's."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.columns import Columns
from rich.table import Table

from codeling.cli import options
from codeling.cli.progress import console
from codeling.errors import CodelingError

ARROWS = {"north": "↑", "east": "→", "south": "↓", "west": "←", "exit": "exit", None: ""}


def _grid_table(title: str, mdp, values: list[float], policy: list) -> Table:
    """The grid as the course draws it: the top row first, each open cell its value and action."""
    table = Table(title=title, show_header=False, show_lines=True)
    for _ in range(mdp.width):
        table.add_column(justify="center", min_width=7)
    for y in reversed(range(mdp.height)):
        row = []
        for x in range(mdp.width):
            state = mdp.index.get((x, y))
            row.append("#####" if state is None else f"{values[state]:.2f}\n{ARROWS[policy[state]]}")
        table.add_row(*row)
    return table


def _report(result, settings: dict) -> dict:
    mdp, learned, solved = result.mdp, result.learned, result.solved
    states = [
        {
            "cell": list(cell),
            "q_learning": {"value": learned.values[s], "action": learned.policy[s]},
            "value_iteration": {"value": solved.values[s], "action": solved.policy[s]},
        }
        for s, cell in enumerate(mdp.cells)
    ]
    return {
        "settings": settings,
        "updates": learned.steps,
        "mean_return": sum(learned.returns) / max(1, len(learned.returns)),
        "value_iteration_sweeps": solved.iterations,
        "max_difference": result.max_difference(),
        "states": states,
    }


def gridworld_cmd(
    grid: str = typer.Option("book", "--grid", help="book, bridge, cliff, discount or maze"),
    episodes: int = typer.Option(100, "--episodes", help="Q-learning episodes"),
    alpha: float = typer.Option(0.5, "--alpha", help="learning rate, in [0, 1]"),
    epsilon: float = typer.Option(0.3, "--epsilon", help="exploration rate of epsilon-greedy, in [0, 1]"),
    gamma: float = typer.Option(0.9, "--gamma", help="discount, in [0, 1]"),
    noise: float = typer.Option(0.2, "--noise", help="chance a move goes sideways (half each way), in [0, 1]"),
    living_reward: float = typer.Option(0.0, "--living-reward", help="reward of every step that is not an exit"),
    seed: int = options.SEED,
    json_out: Path | None = options.json_out("the values and policies"),
):
    """Q-learning on a gridworld, printed beside value iteration's exact values and policy."""
    from codeling.rl.qlearning import learn_grid

    if json_out is not None and not json_out.parent.is_dir():
        raise CodelingError(f"--json {json_out}: the folder {json_out.parent} does not exist; create it first.")
    settings = dict(grid=grid, episodes=episodes, alpha=alpha, epsilon=epsilon, gamma=gamma)
    settings.update(noise=noise, living_reward=living_reward, seed=seed)
    result = learn_grid(**settings)
    mdp = result.mdp
    console.print(
        Columns(
            [
                _grid_table(f"Q-learning, {episodes} episodes", mdp, result.learned.values, result.learned.policy),
                _grid_table(
                    f"value iteration, {result.solved.iterations} sweeps",
                    mdp,
                    result.solved.values,
                    result.solved.policy,
                ),
            ]
        )
    )
    console.print(f"largest |V_Q - V*| over the open cells: {result.max_difference():.4f}")
    if json_out is not None:
        from codeling import atomic

        atomic.write_text(json_out, json.dumps(_report(result, settings), indent=2) + "\n")
        console.print(f"wrote {json_out}")
