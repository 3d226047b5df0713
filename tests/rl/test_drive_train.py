"""Training the car: it saves a checked checkpoint, load_car drives it, a stopped run resumes
where it stopped (metrics rows past the checkpoint dropped), and bad settings are refused before
anything is written."""

import json

import numpy as np
import pytest

from codeling import rundir
from codeling.errors import CodelingError
from codeling.rl.rollout import evaluate_car, greedy_rollout
from codeling.rl.settings import load_drive_settings
from codeling.rl.train import load_car, run_settings, train_car

FAST = ["cars=4", "log_every=10", "dqn.learning_starts=50", "dqn.batch=16", "tensorboard=false"]


def rows(run, split="train"):
    return [r for r in map(json.loads, (run / rundir.METRICS).read_text().splitlines()) if r["split"] == split]


def test_train_save_load_and_resume(tmp_path):
    run = tmp_path / "run"
    settings = load_drive_settings(overrides=FAST)
    first = train_car(settings, run, steps=60)
    assert first.stopped == "done" and first.step == 60 and first.car_steps == 240
    assert rundir.verify(first.checkpoint) is None
    assert (run / rundir.LATEST).resolve() == first.checkpoint
    assert [r["step"] for r in rows(run)] == [10, 20, 30, 40, 50, 60]
    assert set(rows(run)[0]) >= {"reward", "targets", "road_share", "wall_hits", "entropy", "loss"}

    policy = load_car(run)
    assert policy.step == 60 and policy.settings.cars == 4
    rollout = greedy_rollout(policy, steps=20, seed=1)
    assert rollout.positions.shape == (21, 2) and rollout.sensors.shape == (21, 3, 2)
    # Greedy: the same seed drives the same route.
    np.testing.assert_array_equal(rollout.positions, greedy_rollout(policy, steps=20, seed=1).positions)

    # A "killed" run: rows past its checkpoint are dropped on resume and the steps go on.
    with open(run / rundir.METRICS, "a") as log:
        log.write(json.dumps({"step": 70, "split": "train"}) + "\n")
    again = train_car(run_settings(run), run, steps=100, resume=True)
    assert again.step == 100
    assert [r["step"] for r in rows(run)] == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert load_car(run, "latest").step == 100
    # Every save scores the greedy car; `best` names the best-scoring checkpoint, which load_car drives.
    scores = {r["step"]: r["reward"] for r in rows(run, "val")}
    assert set(scores) == {60, 100}
    assert load_car(run).step == max(scores, key=scores.get)
    assert (run / rundir.BEST).resolve().name == f"step-{load_car(run).step:06d}"


def test_stop_saves_and_says_interrupted(tmp_path):
    calls = iter(range(1000))
    result = train_car(load_drive_settings(overrides=FAST), tmp_path / "r", steps=500, stop=lambda: next(calls) >= 25)
    assert result.stopped == "interrupted" and result.step == 25
    assert load_car(tmp_path / "r").step == 25


def test_resume_continues_like_a_run_never_stopped(tmp_path):
    settings = load_drive_settings(overrides=FAST)
    train_car(settings, tmp_path / "whole", steps=80)
    train_car(settings, tmp_path / "split", steps=40)
    train_car(run_settings(tmp_path / "split"), tmp_path / "split", steps=80, resume=True)
    whole, split = rows(tmp_path / "whole"), rows(tmp_path / "split")
    assert len(whole) == len(split) == 8
    for a, b in zip(whole, split):  # cars, replay, optimizer and every RNG come back: bit-exact
        assert {k: v for k, v in a.items() if k != "time"} == {k: v for k, v in b.items() if k != "time"}


def test_refusals_write_nothing(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(CodelingError, match="dqn.gamma"):
        load_drive_settings(overrides=["dqn.gamma=1.5"])
    with pytest.raises(CodelingError, match="nope"):
        load_drive_settings(overrides=["car.nope=1"])
    with pytest.raises(CodelingError, match="Unknown preset"):
        load_drive_settings("fast")
    with pytest.raises(CodelingError, match="off the road"):
        train_car(load_drive_settings(overrides=["targets=[[80,80],[560,400],[300,160]]"]), out, steps=5)
    with pytest.raises(CodelingError, match="no checkpoint to resume"):
        train_car(load_drive_settings(), out, steps=5, resume=True)
    assert not out.exists()
    train_car(load_drive_settings(overrides=FAST), out, steps=1)
    with pytest.raises(CodelingError, match="already holds"):
        train_car(load_drive_settings(overrides=FAST), out, steps=1)
    with pytest.raises(CodelingError, match="no drive checkpoint"):
        load_car(tmp_path)


def test_evaluate_reports_the_figures(tmp_path):
    train_car(load_drive_settings(overrides=FAST), tmp_path / "r", steps=30)
    report = evaluate_car(load_car(tmp_path / "r"), steps=50, seeds=2)
    assert len(report["seeds"]) == 2 and report["steps"] == 50
    for key in ("targets_per_1000", "route_efficiency", "road_share", "wall_hits"):
        assert key in report["mean"]
    assert 0 <= report["mean"]["road_share"] <= 1


def test_sweep_trains_each_value_and_plots(tmp_path):
    from codeling.rl.sweep import sweep

    with pytest.raises(CodelingError, match="Unknown sweep --param"):
        sweep("lr", [0.1], tmp_path / "no")
    with pytest.raises(CodelingError, match="dqn.tau"):
        sweep("temperature", [-1.0], tmp_path / "no", steps=5)
    assert not (tmp_path / "no").exists()
    summary = sweep("temperature", [0.01, 1.0], tmp_path / "s", seeds=1, steps=20, overrides=FAST, eval_steps=30)
    assert [(r["value"], r["seed"]) for r in summary["runs"]] == [(0.01, 0), (1.0, 0)]
    assert set(summary["mean"]) == {"greedy", "softmax"}  # the temperature is measured on the softmax car too
    assert summary["settings"]["dqn"]["tau"] == 0.01
    assert (tmp_path / "s" / "sweep.png").stat().st_size > 1000
    assert json.loads((tmp_path / "s" / "sweep.json").read_text())["param"] == "temperature"
