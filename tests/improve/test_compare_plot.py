"""`codeling plot RUN RUN ...`: several improve runs in one compare.png; one RUN still draws rounds.png."""

import json
import subprocess
import sys

import pytest

from codeling.cli import main
from codeling.improve.compare_plot import cumulative_samples, mean_reward


def _row(step: int, samples: int, d5: float, reward: float | None, grpo: bool) -> dict:
    """A rounds.jsonl row with what compare.png reads, and what rounds.png reads besides."""
    row = {
        "step": step,
        "samples": samples,
        "chains_by_level": {"1": 1.0, "4": 0.9, "5": d5, "7": d5 / 4},
        "pass_rate": reward,
        "test": {"pass@1": 0.1},
        "heldout": {"pass@1": 0.05},
        "kept": step * 10,
        "distinct_passing": step * 8,
    }
    if step:
        row["difficulty"] = 4 + step
        if grpo:
            row["grpo"] = {"mean_reward": reward, "groups": samples // 8, "groups_with_signal": 3}
    return row


def _fake_run(path, grpo: bool):
    path.mkdir()
    (path / "improve.json").write_text(json.dumps({"seed_difficulty": 4}))
    rows = [_row(0, 0, 0.1, None, grpo), _row(1, 3200, 0.3, 0.13, grpo), _row(2, 3200, 0.45, 0.2, grpo)]
    (path / "rounds.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def runs(tmp_path):
    return _fake_run(tmp_path / "expert", grpo=False), _fake_run(tmp_path / "grpo", grpo=True)


def _codeling(*args):
    return subprocess.run([sys.executable, "-m", "codeling", *map(str, args)], capture_output=True, text=True)


def test_two_runs_draw_one_comparison(runs):
    expert, grpo = runs
    done = _codeling("plot", expert, grpo)
    assert done.returncode == 0, done.stderr
    assert (expert / "compare.png").stat().st_size > 10_000
    assert not (grpo / "compare.png").exists()


def test_a_directory_without_rounds_is_named_in_one_line(runs, tmp_path):
    stray = tmp_path / "not-a-run"
    stray.mkdir()
    done = _codeling("plot", *runs, stray)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0 and "not-a-run" in done.stderr and "rounds.jsonl" in done.stderr


def test_one_run_still_draws_its_rounds(runs):
    main(["plot", str(runs[0])])
    assert (runs[0] / "rounds.png").stat().st_size > 10_000
    assert not (runs[0] / "compare.png").exists()


def test_samples_add_up_and_reward_prefers_grpo():
    rows = [{"samples": 0}, {"samples": 3200, "pass_rate": 0.1}, {"samples": 6400, "pass_rate": 0.2}]
    assert cumulative_samples(rows) == [0, 3200, 9600]
    assert mean_reward(rows[0]) is None and mean_reward(rows[1]) == 0.1
    assert mean_reward({"pass_rate": 0.1, "grpo": {"mean_reward": 0.3}}) == 0.3
