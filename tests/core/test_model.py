import pytest
import torch

from codeling.config import ModelConfig
from codeling.errors import CodelingError
from codeling.model import GPT, DecodePlan


def small(**kw) -> GPT:
    torch.manual_seed(0)
    cfg = ModelConfig(vocab_size=50, block_size=32, n_layer=2, n_head=4, n_embd=32, **kw)
    return GPT(cfg).eval()


VARIANTS = [
    {},
    {"positions": "rotary"},
    {"n_memory": 4},
    {"positions": "rotary", "n_memory": 3, "bias": False},
    {"positions": "rotary", "qk_norm": 0.7},
    {"qk_norm": 1.0, "n_memory": 2},
    {"mlp_ratio": 2},
]


@pytest.mark.parametrize("kw", VARIANTS)
def test_shapes_and_loss(kw):
    model = small(**kw)
    idx = torch.randint(0, 50, (3, 17))
    logits, loss = model(idx, torch.randint(0, 50, (3, 17)))
    assert logits.shape == (3, 17, 50)
    assert loss.ndim == 0 and torch.isfinite(loss)
    # An untrained model is close to uniform over the vocabulary.
    assert abs(loss.item() - torch.log(torch.tensor(50.0)).item()) < 0.5


@pytest.mark.parametrize("kw", VARIANTS)
def test_causality(kw):
    model = small(**kw)
    idx = torch.randint(0, 50, (1, 20))
    changed = idx.clone()
    changed[0, 12:] = (changed[0, 12:] + 7) % 50
    a, _ = model(idx)
    b, _ = model(changed)
    assert torch.allclose(a[0, :12], b[0, :12], atol=1e-6)
    assert not torch.allclose(a[0, 12:], b[0, 12:], atol=1e-4)


@pytest.mark.parametrize("kw", VARIANTS)
def test_kv_cache_equals_full_forward(kw):
    model = small(**kw)
    idx = torch.randint(0, 50, (2, 24))
    full, _ = model(idx)
    cache = model.new_cache(2, 32)
    first, _ = model(idx[:, :10], cache=cache)  # prefill, then one token at a time
    steps = [first]
    for t in range(10, 24):
        out, _ = model(idx[:, t : t + 1], cache=cache)
        steps.append(out)
    assert torch.allclose(full, torch.cat(steps, dim=1), atol=1e-5)


@pytest.mark.parametrize("kw", VARIANTS)
def test_static_decode_step_equals_full_forward(kw):
    # generate's one-token step: fixed shapes, keys written at a tensor slot, the whole cache read
    # through a mask; a left-padded row must still see only its own tokens.
    model = small(**kw)
    idx = torch.randint(1, 50, (2, 20))
    full, _ = model(idx)
    cache = model.new_cache(2, 24)
    with torch.no_grad():
        model(idx[:, :8], cache=cache)
        attend = torch.zeros(2, 24, dtype=torch.bool)
        attend[:, :8] = True
        cache.column = torch.tensor([8])
        for t in range(8, 20):
            attend[:, t] = True
            logits = model.decode_step(idx[:, t : t + 1], torch.full((2, 1), t), attend, cache)
            assert torch.allclose(logits, full[:, t], atol=1e-5)
            cache.column += 1


@pytest.mark.parametrize("kw", VARIANTS)
@pytest.mark.parametrize("batch", [1, 3])
def test_decode_plan_equals_the_static_decode_step(kw, batch):
    # The eager plan (bare calls, attention over the filled slots only) against decode_step (the
    # whole cache through a mask), step by step from one prefill, with a left-padded first row.
    model = small(**kw)
    idx = torch.randint(1, 50, (batch, 20))
    key_mask = torch.ones(batch, 8, dtype=torch.bool)
    key_mask[0, :3] = batch == 1  # a single row is not padded
    positions = (key_mask.long().cumsum(1) - 1).clamp(min=0)
    caches = [model.new_cache(batch, 24), model.new_cache(batch, 24)]
    plan = DecodePlan(model)
    with torch.no_grad():
        for cache in caches:
            model(idx[:, :8], positions=positions, key_mask=key_mask, cache=cache)
            cache.column = torch.tensor([8])
        attend = torch.zeros(batch, 24, dtype=torch.bool)
        attend[:, :8] = key_mask
        position = positions[:, -1:]
        for t in range(8, 20):
            attend[:, t] = True
            position = position + 1
            static = model.decode_step(idx[:, t : t + 1], position, attend, caches[0])
            eager = plan(idx[:, t : t + 1], position, attend, caches[1])
            assert torch.allclose(eager, static, atol=1e-5)
            for cache in caches:
                cache.column += 1
                cache.length += 1
    assert torch.allclose(caches[0].keys[1], caches[1].keys[1], atol=1e-6)


def test_memory_tokens_are_used():
    model = small(n_memory=4)
    idx = torch.randint(0, 50, (2, 10))
    before, _ = model(idx)
    with torch.no_grad():
        for block in model.blocks:
            block.attn.memory_v.add_(torch.randn_like(block.attn.memory_v))
    after, _ = model(idx)
    assert not torch.allclose(before, after, atol=1e-4)
    # ... and they receive gradients, so training moves them.
    model.train()
    _, loss = model(idx, idx)
    loss.backward()
    assert all(b.attn.memory_k.grad.abs().sum() > 0 for b in model.blocks)


def test_left_padding_matches_unpadded():
    model = small(positions="rotary", n_memory=2)
    short = torch.randint(1, 50, (1, 6))
    alone, _ = model(short)
    padded = torch.cat((torch.zeros(1, 4, dtype=torch.long), short), dim=1)
    key_mask = torch.tensor([[False] * 4 + [True] * 6])
    positions = (key_mask.long().cumsum(1) - 1).clamp(min=0)
    batched, _ = model(padded, positions=positions, key_mask=key_mask)
    assert torch.allclose(alone[0], batched[0, 4:], atol=1e-5)


def test_gradient_checkpointing_gives_same_gradients():
    idx = torch.randint(0, 50, (2, 16))
    grads = []
    for flag in (False, True):
        model = small(gradient_checkpointing=flag).train()
        model(idx, idx)[1].backward()
        grads.append(model.wte.weight.grad.clone())
    assert torch.allclose(grads[0], grads[1], atol=1e-6)


def test_weight_tying_and_param_count():
    model = small()
    assert model.lm_head.weight is model.wte.weight
    expected = sum(p.numel() for p in model.parameters())  # parameters() lists the tied matrix once
    assert model.num_params() == expected
    assert model.num_params(non_embedding=True) == expected - 50 * 32 - 32 * 32


def test_positions_past_block_size_are_a_clear_error():
    model = small()
    with pytest.raises(CodelingError, match="block_size"):
        model(torch.zeros(1, 33, dtype=torch.long))


@pytest.mark.parametrize("qk_norm, invariant", [(0.7, True), (0.0, False)])
def test_qk_norm_makes_attention_blind_to_query_and_key_scale(qk_norm, invariant):
    model = small(positions="rotary", qk_norm=qk_norm)
    idx = torch.randint(0, 50, (2, 16))
    before, _ = model(idx)
    with torch.no_grad():
        for block in model.blocks:
            C = block.attn.c_attn.out_features // 3
            block.attn.c_attn.weight[: 2 * C] *= 5.0  # the query and key rows; values untouched
            block.attn.c_attn.bias[: 2 * C] *= 5.0
    after, _ = model(idx)
    assert torch.allclose(before, after, atol=1e-4) == invariant
