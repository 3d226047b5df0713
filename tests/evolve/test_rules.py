"""Selection and exploration: the right members copy, hyperparameters stay in their ranges."""

import math
from dataclasses import asdict

import numpy as np
import pytest
import torch

from codeling.config import load_config
from codeling.evolve.pbt import Hyper, default_space, explore, generation_rng, initial_hypers, ranking, select
from codeling.evolve.population import Population

TCFG = load_config(preset="tiny").train
SPACE = default_space(TCFG)
SCORES = [5.0, 1.0, 4.0, 2.0, 3.0, 0.5, 6.0, 7.0]


def hypers(n=8):
    return initial_hypers(Hyper.of(TCFG), SPACE, n, seed=3)


def in_space(h: Hyper) -> bool:
    return all(SPACE[k].low <= v <= SPACE[k].high for k, v in asdict(h).items()) and isinstance(h.warmup_steps, int)


def test_pbt_bottom_quarter_copies_top_quarter():
    hs = hypers()
    decisions = select("pbt", SCORES, hs, SPACE, generation_rng(0, 1), fraction=0.25)
    assert [d.member for d in decisions] == list(range(8))
    copied = {d.member: d.parent for d in decisions if d.action == "exploit"}
    assert set(copied) == {6, 7}  # the two worst
    assert set(copied.values()) <= {5, 1}  # the two best
    for d in decisions:
        if d.action == "keep":
            assert d.parent == d.member and d.hyper == hs[d.member]
        else:
            assert in_space(d.hyper) and d.hyper != hs[d.parent]


def test_pbt_perturbs_by_the_factors_or_resamples():
    parent = Hyper(lr=1e-3, weight_decay=0.1, warmup_steps=50, grad_clip=1.0)
    rng = np.random.default_rng(0)
    for _ in range(100):
        h = explore(parent, SPACE, rng, resample_probability=0.0)
        assert h.lr in (pytest.approx(0.8e-3), pytest.approx(1.2e-3))
        assert h.warmup_steps in (40, 60)
    edge = Hyper(
        lr=SPACE["lr"].high, weight_decay=SPACE["weight_decay"].high, warmup_steps=0, grad_clip=SPACE["grad_clip"].low
    )
    for _ in range(200):
        assert in_space(explore(edge, SPACE, rng, resample_probability=0.3))


def test_evolve_clones_the_best_into_all_others():
    hs = hypers()
    decisions = select("evolve", SCORES, hs, SPACE, generation_rng(0, 1), mutate=False)
    assert decisions[5].action == "keep"
    assert all(d.parent == 5 and d.action == "clone" and d.hyper == hs[5] for d in decisions if d.member != 5)
    mutated = select("evolve", SCORES, hs, SPACE, generation_rng(0, 1), mutate=True)
    assert all(in_space(d.hyper) for d in mutated) and any(d.hyper != hs[5] for d in mutated)


def test_diverged_members_rank_last_and_none_mode_keeps_everyone():
    assert ranking([1.0, math.nan, 0.5, math.inf]) == [2, 0, 1, 3]
    hs = hypers(4)
    assert all(d.action == "keep" for d in select("none", [1.0, 2.0, 3.0, 4.0], hs, SPACE, generation_rng(0, 1)))
    copied = select("pbt", [1.0, math.nan, 0.5, 2.0], hs, SPACE, generation_rng(0, 1), fraction=0.25)
    assert [d.member for d in copied if d.action == "exploit"] == [1]


def test_decisions_are_a_function_of_seed_and_generation():
    hs = hypers()
    a = select("pbt", SCORES, hs, SPACE, generation_rng(7, 3), fraction=0.5)
    b = select("pbt", SCORES, hs, SPACE, generation_rng(7, 3), fraction=0.5)
    c = select("pbt", SCORES, hs, SPACE, generation_rng(7, 4), fraction=0.5)
    assert a == b and a != c
    assert hypers() == hs and hs[0] == Hyper.of(TCFG) and all(in_space(h) for h in hs[1:])


def test_population_take_copies_weights_and_moments_and_noise_hits_only_clones():
    cfg = load_config(
        preset="tiny", overrides=["model.vocab_size=20", "model.n_layer=1", "model.n_embd=16", "model.n_head=2"]
    ).model
    pop = Population(cfg, [0, 1, 2])
    for name in pop.exp_avg:
        pop.exp_avg[name].normal_()
    before = {k: v.detach().clone() for k, v in pop.params.items()}
    moments = {k: v.clone() for k, v in pop.exp_avg.items()}
    pop.take([0, 0, 2])
    for k in before:
        assert torch.equal(pop.params[k][1], before[k][0]) and torch.equal(pop.params[k][2], before[k][2])
        assert torch.equal(pop.exp_avg[k][1], moments[k][0])
    pop.add_noise([1], 0.01, torch.Generator().manual_seed(0))
    w = "blocks.0.mlp.c_fc.weight"
    assert torch.equal(pop.params[w][0], before[w][0]) and torch.equal(pop.params[w][2], before[w][2])
    assert 0.005 < (pop.params[w][1] - before[w][0]).std().item() < 0.02
