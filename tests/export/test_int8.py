"""int8 dynamic quantisation: int8 matmuls, logits close to fp32, generation works, original untouched."""

import torch
from torch import nn
from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

from codeling.generate import Sampling, generate_ids
from codeling.quantize import quantize_int8
from codeling.tokenizers import CharTokenizer
from codeling.train.checkpoint import load_checkpoint

from .conftest import CODE


def test_int8_logits_close_and_generation(checkpoint_factory):
    tok = CharTokenizer.fit([CODE])
    model = load_checkpoint(checkpoint_factory(tok)).model.eval()
    q = quantize_int8(model)

    assert isinstance(q.blocks[0].attn.c_attn, DynamicLinear) and isinstance(q.lm_head, DynamicLinear)
    # The float model is left as it was: plain Linear layers, head still tied to the embedding.
    assert type(model.blocks[0].attn.c_attn) is nn.Linear and model.lm_head.weight is model.wte.weight

    x = torch.tensor([tok.encode(CODE)])
    with torch.no_grad():
        ours, quantized = model(x)[0], q(x)[0]
    assert torch.isfinite(quantized).all()
    relative = (quantized - ours).norm() / ours.norm()
    assert relative < 0.05, f"int8 logits are {relative:.3f} away from fp32 (relative L2)"
    agree = (quantized.argmax(-1) == ours.argmax(-1)).float().mean()
    assert agree > 0.9

    prompt = tok.encode("def fib")
    sampling = Sampling(max_new_tokens=12, temperature=0)
    first = generate_ids(q, [prompt, prompt[:3]], sampling)
    assert [len(o) for o in first] == [12, 12]
    assert generate_ids(q, [prompt, prompt[:3]], sampling) == first


def test_int8_can_keep_the_head_in_float(checkpoint_factory):
    model = load_checkpoint(checkpoint_factory(CharTokenizer.fit([CODE]))).model
    q = quantize_int8(model, lm_head=False)
    assert isinstance(q.blocks[1].mlp.c_fc, DynamicLinear)
    assert type(q.lm_head) is nn.Linear and q.lm_head.weight is q.wte.weight
