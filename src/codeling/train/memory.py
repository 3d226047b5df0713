"""How much GPU memory training and inference take, before you rent the GPU.

Per GPU, training holds:
  - parameters, gradients and AdamW's two moments: 4 + 4 + 8 = 16 bytes a parameter in fp32 (the
    trainer keeps fp32 master weights in every precision). DDP holds all of it on every GPU (its
    gradients live in its communication buckets, so there is no second copy); FSDP holds 1/N of it;
  - working weights: under DDP with bf16/fp16 autocast, the 16-bit copies of every matrix that
    autocast makes in the forward pass and keeps for the backward (2 bytes a matrix parameter);
    under FSDP, the blocks gathered for compute (two at a time, current and prefetched, plus one
    block's unsharded gradients) and the root unit (embeddings, tied with the output head), which
    stays gathered, with its gradient, through the whole backward;
  - activations saved for the backward pass;
  - what lives only during the backward pass, at its largest: the loss head at its start (the
    logits, their fp32 log-softmax and two fp32 gradients of that size, (e + 12) * V bytes a token,
    which dominates for small models with big vocabularies), or, with activation checkpointing, the
    logits plus one layer's recomputed activations, whichever is larger.

Activations follow Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large Transformer
Models", section 4.1): per layer s*b*h*(34 + 5*a*s/h) bytes with 16-bit activations, where the
5*a*s/h term is the attention scores, their softmax and its dropout mask. With fused attention
(PyTorch's scaled_dot_product_attention: flash or memory-efficient kernels) no scores are kept, only
a logsumexp per head and token, so that term drops. Counted tensor by tensor for this model, with
e bytes per activation element (2 under bf16/fp16 autocast, 4 in fp32), per token and layer:

    LayerNorm inputs and stats  2 * 4h + 16  (autocast runs LayerNorm in fp32)
    attention input, q, k, v    4 * e*h
    attention output            1 * e*h    (also c_proj's input: the kernel returns it in that layout)
    MLP input                   1 * e*h
    GELU input and output       8 * e*h    (2r * e*h for an MLP r times as wide as the model)
    logsumexp                   4 * a
    dropout masks (p > 0)       2 * h      (1 byte each)
  = (8 + 14e) * h + 4a + 16     (36h in bf16, 64h in fp32, plus 4a + 16)

against the paper's 34h (it stores LayerNorm inputs in 16 bits and does not count the fused
attention's saved output). Unfused attention adds e*a*s a token (the softmax), plus (1 + e)*a*s
with dropout. With activation checkpointing each layer keeps only its input (4h, or 2h for FSDP
in bf16, whose residual stream is bf16), and one layer's full activations come back during its
backward. These terms are for CUDA; on the CPU, dropout keeps its masks in the activation dtype and
attention with dropout takes the unfused path. Measured on the CPU in fp32 (tests/distributed/
test_memory.py), the saved activations match to within 1% and the peak of a step to within 2%.

What PyTorch's caching allocator adds on top (fragmentation, about 10%) and what lives outside it
(CUDA context, cuBLAS and NCCL workspaces, about 1 GiB) is counted only when deciding what fits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from codeling.config import ModelConfig

GIB = 1024**3
CUDA_CONTEXT = 1 * GIB  # outside PyTorch's allocator: CUDA context, cuBLAS workspaces, NCCL buffers
ALLOCATOR_SLACK = 0.10  # the caching allocator's fragmentation over what tensors need


@dataclass
class ParamCount:
    total: int  # every parameter once (the tied embedding / output matrix once)
    per_block: int
    root: int  # outside the blocks: token and position tables, final LayerNorm
    matrices: int  # those a matmul reads (autocast copies them): linear weights and biases, the output head


def count_parameters(model: ModelConfig) -> ParamCount:
    """GPT's parameter count from its config, without building it."""
    h, bias = model.n_embd, int(model.bias)
    layer_norm = h * (1 + bias)
    attention = h * 3 * h + 3 * h * bias + h * h + h * bias + 2 * model.n_memory * h
    r = model.mlp_ratio
    mlp = h * r * h + r * h * bias + r * h * h + h * bias
    per_block = 2 * layer_norm + attention + mlp
    positions = model.block_size * h if model.positions == "learned" else 0
    root = model.vocab_size * h + positions + layer_norm
    matrices = model.n_layer * (attention + mlp - 2 * model.n_memory * h) + model.vocab_size * h
    return ParamCount(model.n_layer * per_block + root, per_block, root, matrices)


def layer_bytes_per_token(model: ModelConfig, seq_len: int, element_bytes: int, fused_attention: bool = True) -> int:
    """Activations one transformer layer keeps for the backward pass, per token (the table above)."""
    h, a = model.n_embd, model.n_head
    dropout = model.dropout > 0
    per_token = (8 + (6 + 2 * model.mlp_ratio) * element_bytes) * h + 4 * a + 16 + (2 * h if dropout else 0)
    if not fused_attention:
        per_token += element_bytes * a * seq_len + ((1 + element_bytes) * a * seq_len if dropout else 0)
    return per_token


def activation_bytes(
    model: ModelConfig,
    micro_batch: int,
    seq_len: int,
    element_bytes: int,
    checkpointing: bool = False,
    residual_bytes: int = 4,
    fused_attention: bool = True,
) -> int:
    """Bytes of activations kept for the backward pass (the loss head's are in transient_bytes)."""
    h = model.n_embd
    layer = (
        residual_bytes * h if checkpointing else layer_bytes_per_token(model, seq_len, element_bytes, fused_attention)
    )
    # Token and target ids (int64), the final LayerNorm's input and the output head's input.
    outside = 16 + 4 * h + element_bytes * h + (h if model.dropout > 0 else 0)
    return micro_batch * seq_len * (model.n_layer * layer + outside)


def transient_bytes(
    model: ModelConfig,
    micro_batch: int,
    seq_len: int,
    element_bytes: int,
    checkpointing: bool = False,
    fused_attention: bool = True,
) -> int:
    """The largest set of tensors that live only during the backward pass.

    At its start: the logits (kept by the caller), their fp32 log-softmax and the two fp32 gradients
    of that size. With checkpointing, later: the logits and one layer's recomputed activations.
    """
    per_token = model.vocab_size * (element_bytes + 12)
    if checkpointing:
        recomputed = model.vocab_size * element_bytes + layer_bytes_per_token(
            model, seq_len, element_bytes, fused_attention
        )
        per_token = max(per_token, recomputed)
    return micro_batch * seq_len * per_token


@dataclass
class MemoryPlan:
    strategy: str  # "ddp" or "fsdp"
    checkpointing: bool
    gpus: int
    micro_batch: int
    seq_len: int
    precision: str
    parameters: int  # bytes per GPU, each
    gradients: int
    optimizer: int
    working_weights: int
    activations: int
    transient: int
    max_micro_batch: int | None = None  # the largest that fits the GPU asked about (None: none asked)

    @property
    def static(self) -> int:
        return self.parameters + self.gradients + self.optimizer + self.working_weights

    @property
    def total(self) -> int:
        return self.static + self.activations + self.transient


def plan(
    model: ModelConfig,
    micro_batch: int,
    seq_len: int,
    precision: str = "bf16",
    strategy: str = "ddp",
    gpus: int = 1,
    checkpointing: bool = False,
    gpu_bytes: int | None = None,
    fused_attention: bool = True,
) -> MemoryPlan:
    """Peak memory per GPU for one training configuration; with gpu_bytes, the largest micro-batch that fits."""
    counts = count_parameters(model)
    p = counts.total
    half = precision in ("bf16", "fp16")
    element = 2 if half else 4
    if strategy == "ddp" or gpus == 1:  # one process trains unwrapped, whatever train.parallel says
        shard, residual = 1, 4
        working = 2 * counts.matrices if half else 0
    else:
        shard, residual = gpus, element
        gathered = 2 * counts.root + 2 * counts.per_block  # root: weights and gradient; two blocks in flight
        gradients_in_flight = counts.per_block
        working = element * (gathered + gradients_in_flight)
    result = MemoryPlan(
        strategy,
        checkpointing,
        gpus,
        micro_batch,
        seq_len,
        precision,
        parameters=4 * p // shard,
        gradients=4 * p // shard,
        optimizer=8 * p // shard,
        working_weights=working,
        activations=activation_bytes(model, micro_batch, seq_len, element, checkpointing, residual, fused_attention),
        transient=transient_bytes(model, micro_batch, seq_len, element, checkpointing, fused_attention),
    )
    if gpu_bytes is not None:
        per_sample = (result.activations + result.transient) / micro_batch
        room = (gpu_bytes - CUDA_CONTEXT) / (1 + ALLOCATOR_SLACK) - result.static
        result.max_micro_batch = max(0, math.floor(room / per_sample))
    return result


def plan_all(
    model: ModelConfig,
    micro_batch: int,
    seq_len: int,
    precision: str = "bf16",
    gpus: int = 1,
    gpu_bytes: int | None = None,
) -> list[MemoryPlan]:
    """DDP and FSDP, each without and with activation checkpointing."""
    return [
        plan(model, micro_batch, seq_len, precision, strategy, gpus, checkpointing, gpu_bytes)
        for strategy in ("ddp", "fsdp")
        for checkpointing in (False, True)
    ]


def inference_bytes(model: ModelConfig, batch: int = 1, seq_len: int | None = None, element_bytes: int = 2) -> int:
    """Weights plus a full KV cache (keys and values of every layer), in 16 bits by default."""
    seq_len = seq_len or model.block_size
    weights = element_bytes * count_parameters(model).total
    kv_cache = 2 * model.n_layer * batch * seq_len * model.n_embd * element_bytes
    logits = 4 * batch * model.vocab_size  # decoding asks for the last position's only
    return weights + kv_cache + logits
