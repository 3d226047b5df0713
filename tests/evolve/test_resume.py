"""A population run stopped by SIGINT and resumed writes what the uninterrupted run writes."""

import os
import signal

import pytest
import torch

from codeling.errors import CodelingError
from codeling.evolve.loop import EvolveSettings, train_population
from codeling.train import checkpoint as ckpt

from .conftest import read_rows, small_config

P, G, STEPS = 4, 4, 12


def run(data, run_dir, mode, resume=False, stop_at=None):
    config = small_config(data, f"train.max_steps={STEPS}", "model.dropout=0.1")
    settings = EvolveSettings(population=P, mode=mode, generation_steps=G, fraction=0.25, noise_scale=1e-3)

    def on_event(event):
        if event.kind == "step" and event.step == stop_at:
            os.kill(os.getpid(), signal.SIGINT)  # what Ctrl+C does: finish the step, save, return

    return train_population(config, settings, run_dir, resume=resume, progress=on_event)


def without_time(rows):
    return [{k: v for k, v in r.items() if k != "time"} for r in rows]


@pytest.mark.parametrize("mode", ["pbt", "evolve"])
def test_resume_reproduces_the_uninterrupted_run(code_data, tmp_path, mode):
    straight = run(code_data, tmp_path / "straight", mode)
    stopped = run(code_data, tmp_path / "stopped", mode, stop_at=6)
    assert stopped.stopped == "interrupted" and stopped.step == 6 and stopped.best is None
    resumed = run(code_data, tmp_path / "stopped", mode, resume=True)
    assert resumed.stopped == "finished" and resumed.step == STEPS

    for name in ("metrics.jsonl", "lineage.jsonl"):
        assert without_time(read_rows(tmp_path / "stopped", name)) == without_time(
            read_rows(tmp_path / "straight", name)
        )
    assert resumed.scores == straight.scores and resumed.hypers == straight.hypers
    a, b = ckpt.load_checkpoint(tmp_path / "straight" / "best"), ckpt.load_checkpoint(tmp_path / "stopped" / "best")
    for (name, p), (_, q) in zip(a.model.named_parameters(), b.model.named_parameters()):
        assert torch.equal(p, q), name


def test_lineage_is_complete(code_data, tmp_path):
    result = run(code_data, tmp_path / "run", "pbt")
    rows = read_rows(tmp_path / "run", "lineage.jsonl")
    generations = STEPS // G
    assert result.generation == generations
    for g in range(generations + 1):
        members = sorted(r["member"] for r in rows if r["generation"] == g)
        assert members == list(range(P))
    by_key = {(r["generation"], r["member"]): r for r in rows}
    for r in rows:
        if r["generation"] == 0:
            assert r["parent"] is None and r["score"] is None and r["action"] == "init"
            continue
        assert isinstance(r["score"], float) and 0 <= r["parent"] < P
        if r["action"] == "keep":  # kept members keep their hyperparameters
            assert r["parent"] == r["member"] and r["hyper"] == by_key[(r["generation"] - 1, r["member"])]["hyper"]
    # Generations before the last select: exactly one member (P * 0.25) copies each time.
    for g in range(1, generations):
        assert sum(r["action"] == "exploit" for r in rows if r["generation"] == g) == 1
    # The copying member is the worst-scored one, and its parent the best.
    for g in range(1, generations):
        gen = [r for r in rows if r["generation"] == g]
        worst = max(gen, key=lambda r: r["score"])
        best = min(gen, key=lambda r: r["score"])
        assert worst["action"] == "exploit" and worst["parent"] == best["member"]
    assert all(r["action"] == "keep" for r in rows if r["generation"] == generations)  # the last eval only scores
    assert (tmp_path / "run" / "best" / "model.safetensors").is_file()


def test_existing_run_needs_resume(code_data, tmp_path):
    run(code_data, tmp_path / "run", "none")
    with pytest.raises(CodelingError, match="--resume"):
        run(code_data, tmp_path / "run", "none")
    with pytest.raises(CodelingError, match="no valid checkpoint"):
        run(code_data, tmp_path / "empty", "none", resume=True)


def test_population_refuses_muon(code_data, tmp_path):
    config = small_config(code_data, "train.optimizer=muon")
    with pytest.raises(CodelingError, match="AdamW"):
        train_population(config, EvolveSettings(population=2, mode="none", generation_steps=2), tmp_path / "run")
    assert not (tmp_path / "run").exists()  # refused before anything was written


def test_population_refuses_a_curriculum(code_data, tmp_path):
    config = small_config(code_data, f"data.curriculum={code_data}", "data.curriculum_steps=2")
    with pytest.raises(CodelingError, match="no curriculum"):
        train_population(config, EvolveSettings(population=2, mode="none", generation_steps=2), tmp_path / "run")
    assert not (tmp_path / "run").exists()
