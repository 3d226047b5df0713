"""The batched population forward computes what GPT.forward computes for each member, for every
GPT feature a population can be built with: losses and gradients."""

import contextlib

import pytest
import torch

from codeling.config import load_config
from codeling.evolve.stacked_gpt import member_losses, stack
from codeling.model import GPT

P, B, T, VOCAB = 3, 4, 16, 20


@pytest.mark.parametrize(
    "features",
    [
        [],
        ["model.positions=rotary"],
        ["model.n_memory=3"],
        ["model.bias=false"],
        ["model.positions=rotary", "model.qk_norm=0.7", "model.mlp_ratio=2"],
        ["model.gradient_checkpointing=true", "model.positions=rotary", "model.n_memory=2"],
        ["bf16"],
    ],
)
def test_member_losses_and_gradients_match_gpt(features):
    precision = torch.autocast("cpu", dtype=torch.bfloat16) if "bf16" in features else contextlib.nullcontext()
    features = [f for f in features if f != "bf16"]
    config = load_config(
        preset="tiny",
        overrides=[
            f"model.vocab_size={VOCAB}",
            "model.n_layer=2",
            "model.n_embd=32",
            "model.n_head=4",
            f"model.block_size={T}",
            *features,
        ],
    ).model
    members = []
    for seed in range(P):
        torch.manual_seed(seed)
        members.append(GPT(config))
    params = {name: p.requires_grad_(True) for name, p in stack(members).items()}
    assert set(params) == {name for name, _ in members[0].named_parameters()}  # the tied head is the token table

    generator = torch.Generator().manual_seed(1)
    x = torch.randint(0, VOCAB, (P, B, T), generator=generator)
    y = torch.randint(0, VOCAB, (P, B, T), generator=generator)
    y[0, 0, :5] = -100  # ignored targets leave member 0's mean over fewer tokens
    with precision:
        losses = member_losses(params, config, x, y, training=True)
    losses.sum().backward()
    for i, model in enumerate(members):
        with precision:
            _, loss = model(x[i], y[i])
        loss.backward()
        assert losses[i].item() == pytest.approx(loss.item(), rel=1e-5)
        for name, p in model.named_parameters():
            torch.testing.assert_close(params[name].grad[i], p.grad, rtol=1e-4, atol=1e-6, msg=name)


def test_dropout_draws_each_member_its_own_masks():
    config = load_config(
        preset="tiny",
        overrides=[
            f"model.vocab_size={VOCAB}",
            "model.n_layer=1",
            "model.n_embd=16",
            "model.n_head=2",
            f"model.block_size={T}",
            "model.dropout=0.5",
        ],
    ).model
    torch.manual_seed(0)
    model = GPT(config)
    params = stack([model, model])  # two identical members on one batch differ only by their masks
    x = torch.randint(0, VOCAB, (1, B, T)).expand(2, B, T)
    torch.manual_seed(0)
    trained = member_losses(params, config, x, x, training=True)
    assert trained[0] != trained[1]
    evaluated = member_losses(params, config, x, x, training=False)
    assert evaluated[0] == evaluated[1]
