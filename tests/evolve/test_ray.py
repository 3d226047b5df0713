"""The Ray backend: a 2-member, 2-generation PBT population on a local Ray started on loopback."""

import pytest

from codeling.evolve.loop import EvolveSettings
from codeling.train import checkpoint as ckpt
from codeling.train import skeleton

from .conftest import read_rows, small_config

ray = pytest.importorskip("ray", reason="the ray backend needs `pip install 'codeling[ray]'`")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
    yield
    ray.shutdown()


@pytest.mark.slow  # tens of seconds on two cores (--durations)
def test_ray_pbt_two_members_two_generations(local_ray, code_data, tmp_path, monkeypatch):
    from codeling.evolve.ray_backend import train_population_ray

    prepared = []  # the driver prepares the data through the same skeleton piece as the other loops
    monkeypatch.setattr(
        skeleton,
        "prepare_data",
        lambda config, _original=skeleton.prepare_data: prepared.append(1) or _original(config),
    )
    config = small_config(code_data, "train.max_steps=8")
    result = train_population_ray(
        config, EvolveSettings(population=2, mode="pbt", generation_steps=4, fraction=0.5), tmp_path / "run"
    )
    assert prepared == [1] and config.model.vocab_size == 0  # and the caller's config is left as it was

    assert result.generation == 2 and len(result.scores) == 2
    lineage = read_rows(tmp_path / "run", "lineage.jsonl")
    assert sorted((r["generation"], r["member"]) for r in lineage) == [(g, m) for g in range(3) for m in range(2)]
    first = [r for r in lineage if r["generation"] == 1]
    # With two members and fraction 0.5, PBT makes the worse one exploit the better after generation 1.
    worse = max(first, key=lambda r: r["score"])
    better = min(first, key=lambda r: r["score"])
    assert worse["action"] == "exploit" and worse["parent"] == better["member"]
    assert better["action"] == "keep"
    best = ckpt.load_checkpoint(tmp_path / "run" / "best", with_state=True)
    assert best.trainer_state["step"] == 8
    assert best.trainer_state["best_val"] == pytest.approx(result.best_val_loss)
