"""A member trained inside the vectorised population follows the run `codeling train` makes alone."""

import pytest
import torch

from codeling.data.batches import BatchSampler
from codeling.data.shards import Shards
from codeling.evolve.loop import EvolveSettings, train_population
from codeling.evolve.pbt import Range, default_space
from codeling.train import checkpoint as ckpt
from codeling.train.trainer import train

from .conftest import read_rows, small_config

STEPS = 12


@pytest.fixture(scope="module")
def population_run(code_data, tmp_path_factory):
    config = small_config(code_data, f"train.max_steps={STEPS}", "train.eval_every=1000")
    # Tight clipping ranges so the per-member clipping is really exercised (member 0 keeps clip 1.0).
    space = {**default_space(config.train), "grad_clip": Range(0.05, 0.2)}
    run_dir = tmp_path_factory.mktemp("pop") / "run"
    result = train_population(
        config, EvolveSettings(population=3, mode="none", generation_steps=1000), run_dir, space=space
    )
    return config, run_dir, result


def test_members_have_their_own_hyperparameters(population_run):
    _, _, result = population_run
    assert len({h.lr for h in result.hypers}) == 3
    assert all(0.05 <= h.grad_clip <= 0.2 for h in result.hypers[1:])


def val_loss(model, config) -> float:
    sampler = BatchSampler(Shards(config.data.dir).split("val"), config.model.block_size, config.train.seed)
    model.eval()
    with torch.no_grad():
        losses = [
            model(*sampler.batch(sampler.offsets(k, config.data.batch_size, stream=1)))[1].item()
            for k in range(config.train.eval_batches)
        ]
    return sum(losses) / len(losses)


@pytest.mark.parametrize("member", [0, 1, 2])
def test_member_matches_single_model_training(population_run, tmp_path, member):
    config, run_dir, result = population_run
    alone = config.model_copy(deep=True)
    alone.train = result.hypers[member].apply(config.train, seed=config.train.seed + member)
    single = train(alone, tmp_path / "alone")

    pop_rows = [r for r in read_rows(run_dir) if r["member"] == member]
    single_rows = read_rows(tmp_path / "alone")
    mine = [(r["step"], r["loss"], r["lr"]) for r in pop_rows if r["split"] == "train"]
    theirs = [(r["step"], r["loss"], r["lr"]) for r in single_rows if r["split"] == "train"]
    assert [s for s, _, _ in mine] == [s for s, _, _ in theirs] == list(range(1, STEPS + 1))
    assert [lr for _, _, lr in mine] == pytest.approx([lr for _, _, lr in theirs], rel=1e-12)
    assert [loss for _, loss, _ in mine] == pytest.approx([loss for _, loss, _ in theirs], rel=1e-4, abs=1e-5)
    # The population scores every member on the same val batches (those of the base seed).
    assert result.scores[member] == pytest.approx(
        val_loss(ckpt.load_checkpoint(single.checkpoint).model, config), rel=1e-4
    )

    if member == result.best_member:
        best = ckpt.load_checkpoint(run_dir / "best", with_state=True)
        reference = ckpt.load_checkpoint(single.checkpoint, with_state=True)
        for (name, p), (_, q) in zip(best.model.named_parameters(), reference.model.named_parameters()):
            torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5, msg=name)
        moments = best.trainer_state["optimizer"]["state"], reference.trainer_state["optimizer"]["state"]
        for k in moments[1]:
            torch.testing.assert_close(moments[0][k]["exp_avg"], moments[1][k]["exp_avg"], rtol=1e-3, atol=1e-6)
        assert best.config.train.lr == pytest.approx(reference.config.train.lr)
