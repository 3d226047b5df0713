"""The KV-cache decoder under `generate`: one batched prefill, then one token per row a step.

Eager is the default: a step runs the model's DecodePlan (bare tensor calls, attention over the
cache's filled slots only), built once per model and rebuilt when its weights change. Compiling is
the option: GPT.decode_step has the same shapes at every position (the cache is preallocated, the new
token's keys go to a slot named by a tensor, attention reads the whole cache through a mask), so
`torch.compile` builds one graph for all of them, and on CUDA replays it as a CUDA graph, as
gpt-fast does. On a CPU compiling costs a minute or more for no gain. Whatever fails to compile
falls back to eager, with the reason kept.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

import torch

from codeling.model import GPT, DecodePlan


def left_pad(prompts: Sequence[Sequence[int]], pad: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids (B, width), right-aligned, and the key mask (B, width): True on real tokens."""
    width = max(len(p) for p in prompts)
    idx = torch.full((len(prompts), width), pad, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.bool)
    for row, p in enumerate(prompts):
        if p:
            idx[row, width - len(p) :] = torch.tensor(list(p), dtype=torch.long)
            mask[row, width - len(p) :] = True
    return idx.to(device), mask.to(device)


def _step(model: GPT, tokens, positions, attend, cache):
    return model.decode_step(tokens, positions, attend, cache)


# One plan per model, dropped with the model. The plan may hold copies of the weights (fp32 on a
# CPU), so it is keyed on where every parameter lives and its version counter too: training steps
# and loading weights in place bump the counter, .to() and assignment move the storage, and either
# rebuilds the plan.
# (int8's packed weights are not parameters; they change only by quantising anew: a new model.)
_plans: weakref.WeakKeyDictionary[GPT, tuple[tuple, DecodePlan]] = weakref.WeakKeyDictionary()


def _weights_key(model: GPT) -> tuple:
    # Tensors made under inference_mode have no version counter; they cannot change outside it.
    return tuple((p.data_ptr(), 0 if p.is_inference() else p._version) for p in model.parameters())


def decode_plan(model: GPT) -> DecodePlan:
    """The model's DecodePlan for its current weights."""
    key = _weights_key(model)
    cached = _plans.get(model)
    if cached is None or cached[0] != key:
        cached = _plans[model] = (key, DecodePlan(model))
    return cached[1]


# One compiled step per mode for the whole process, so that every generate call after the first
# reuses its graphs; and why compiling failed, once it has, so that later calls go straight to eager.
_compiled: dict[str, object] = {}
compile_errors: dict[str, str] = {}


def compiled_step(device: torch.device):
    mode = "reduce-overhead" if device.type == "cuda" else "default"
    if mode in compile_errors:  # failed before: eager
        return None
    if mode not in _compiled:
        _compiled[mode] = torch.compile(_step, mode=mode, dynamic=False)
    return _compiled[mode]


class Decoder:
    """Holds one batch's cache, mask and positions between steps. `compile=True` compiles the step
    (mode reduce-overhead on CUDA: CUDA graphs); `compile_errors` says why it fell back, if it did."""

    def __init__(self, model: GPT, compile: bool = False):
        self.model = model
        self.device = model.wte.weight.device
        self.plan = decode_plan(model)
        self.step_fn = compiled_step(self.device) if compile else None

    @property
    def full(self) -> bool:
        return self.cache.length >= self.cache.max_len

    def prefill(self, rows: Sequence[Sequence[int]], room: int) -> torch.Tensor:
        """Last-position logits (B, vocab) after the prompts, with room for `room` more tokens
        (fewer where learned positions end at block_size)."""
        model = self.model
        idx, key_mask = left_pad(rows, 0, self.device)
        width = idx.shape[1]
        # torch's CPU flash attention is several times slower in bf16 than in fp32 (at batch 8, 1 ms
        # against 0.14 ms a layer at the era shape), so on a CPU the cache and attention stay fp32.
        wide = torch.float32 if self.device.type == "cpu" else None
        self.cache = model.new_cache(len(rows), width + room, dtype=wide)
        self.positions = (key_mask.long().cumsum(dim=1) - 1).clamp(min=0)
        # Rows of equal length (e.g. several samples of one prompt) need no padding mask at all.
        logits, _ = model(
            idx,
            positions=self.positions,
            key_mask=None if bool(key_mask.all()) else key_mask,
            cache=self.cache,
            last_only=True,
        )
        self.positions = self.positions[:, -1:].clone()
        self.attend = torch.zeros((len(rows), self.cache.max_len), dtype=torch.bool, device=self.device)
        self.attend[:, :width] = key_mask
        self.cache.column = torch.tensor([width], device=self.device)
        return logits[:, -1]

    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits (B, vocab) after appending one token (B,) to every row."""
        self.positions += 1
        self.attend.index_fill_(1, self.cache.column, True)
        args = (tokens[:, None], self.positions, self.attend, self.cache)
        if self.step_fn is None:
            logits = self.plan(*args)
        else:
            if hasattr(torch.compiler, "cudagraph_mark_step_begin"):
                torch.compiler.cudagraph_mark_step_begin()  # the last step's outputs are consumed
            try:
                logits = self.step_fn(self.model, *args)
            except Exception as error:  # noqa: BLE001 - a compiler failure of any kind: decode eagerly
                mode = "reduce-overhead" if self.device.type == "cuda" else "default"
                compile_errors[mode] = f"{type(error).__name__}: {(str(error).splitlines() or [''])[0][:200]}"
                self.step_fn = None
                logits = self.plan(*args)
        self.cache.column += 1
        self.cache.length += 1
        return logits
