"""Lighter weights for inference: bf16 copies, and int8 dynamic quantisation of a GPT for CPU.

At batch 1 decoding reads every weight once per token, so its speed is memory traffic: the era
preset's 14M fp32 weights (56 MB) do not fit a 32 MB L3 cache, its bf16 ones do, and CPUs with
AVX-512 BF16 or AMX multiply bf16 natively (`torch.backends.cpu.get_cpu_capability()`).

torch's dynamic quantisation stores each nn.Linear weight as int8 (one scale per output channel)
and quantises the activations on the fly, batch by batch, so it needs no calibration data. Only the
matrix multiplies change; embeddings, LayerNorms and attention's softmax stay in float.

The output head is tied to the token embedding. Quantising it swaps lm_head for an int8 module
holding its own copy of the matrix, while the embedding lookup keeps the float original: the tie is
broken in the copy only, which inference never notices. On small-vocabulary models the head is a
large share of the work, so it is quantised by default; `lm_head=False` keeps it in float.
"""

from __future__ import annotations

import copy
import warnings

import torch
from torch import nn

from codeling.errors import CodelingError
from codeling.model import GPT


def quantize_int8(model: GPT, lm_head: bool = True) -> GPT:
    """A quantised copy of `model` (left untouched) for CPU inference; raises if it is not on CPU."""
    if model.wte.weight.device.type != "cpu":
        raise CodelingError("int8 dynamic quantisation runs on CPU only; load the checkpoint with device cpu.")
    engines = [e for e in torch.backends.quantized.supported_engines if e != "none"]
    if not engines:
        raise CodelingError(
            "This torch build has no quantised CPU engine (fbgemm, x86 or qnnpack); use a standard CPU build of torch."
        )
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    model = copy.deepcopy(model).float().eval()
    # Module names select what to quantise: every Linear in the blocks, and the head if asked.
    spec = {name: per_channel_dynamic_qconfig for name, m in model.named_modules() if isinstance(m, nn.Linear)}
    if not lm_head:
        spec.pop("lm_head")
    with warnings.catch_warnings():
        # Recent torch warns that quantised tensors will move to torchao;
        # they still work, and docs/EXPORT.md says so once rather than every load.
        warnings.filterwarnings("ignore", message=r"torch\.quantize_per_tensor, torch\.quantize_per_channel")
        warnings.filterwarnings("ignore", message=r"torch\.ao\.quantization is deprecated", category=DeprecationWarning)
        return quantize_dynamic(model, spec, dtype=torch.qint8, inplace=True)


WEIGHTS = ("fp32", "bf16", "int8")


def for_inference(model: GPT, weights: str) -> GPT:
    """The model itself for fp32, else a copy with bf16 weights or int8 linear layers."""
    if weights == "fp32":
        return model
    if weights == "bf16":
        return copy.deepcopy(model).to(torch.bfloat16).eval()
    if weights == "int8":
        return quantize_int8(model)
    raise CodelingError(f"Unknown weights {weights!r}; choose one of {', '.join(WEIGHTS)}.")
