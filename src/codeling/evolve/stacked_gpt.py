"""The GPT of model.py for P members at once, written with batched ops instead of vmap.

Parameters are GPT's own, by GPT's own names, each stacked along a leading member dimension
(P, ...): `stack` builds them from P ordinary GPTs, so member i starts exactly where GPT(config)
with member i's seed starts. `member_losses` then computes, for every member at once, what
GPT.forward(idx, targets) computes for one:

  - linear layers are one batched matmul over the members (torch.baddbmm with a (P, out, in) weight),
    with a backward that gives the weights their gradients in their own layout;
  - the token table is gathered per member by offsetting member i's ids by i * vocab_size in the
    flattened (P * vocab, C) table; learned positions add (P, T, C), rotary ones are shared;
  - LayerNorm normalises over the last dim, then applies each member's own gain and bias;
  - attention folds members into the batch, (P, B, H, T, D) -> (P * B, H, T, D), and calls
    scaled_dot_product_attention directly, so its fused kernels run (under vmap, CPU had to fall back
    to the slow math kernel); memory slots are each member's own keys and values;
  - the output projection is tied to the token table, as in GPT;
  - dropout draws each member its own masks; activation checkpointing wraps each block, as in GPT.

Decoding (KV cache, left padding) is not here: a population only trains and evaluates.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

from codeling.config import ModelConfig
from codeling.errors import CodelingError
from codeling.model import GPT, attention_scale, project_qk, rotary_angles


def stack(members: list[GPT]) -> dict[str, torch.Tensor]:
    """The members' parameters as one tensor per GPT parameter name, member first. The tied output
    projection is not a separate entry (named_parameters lists a shared tensor once)."""
    named = [dict(m.named_parameters()) for m in members]
    return {name: torch.stack([n[name].detach() for n in named]) for name in named[0]}


class _Linear(torch.autograd.Function):
    """x (P, N, in) times each member's weight (P, out, in), plus its bias (P, out) if given.

    Autograd's own backward of bmm(x, weight.transpose(1, 2)) hands the weight its gradient
    transposed, and .grad then copies it into the weight's layout every step (a fifth of a small
    step on CPU); this backward computes it in the weight's layout directly."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        ctx.has_bias = bias is not None
        transposed = weight.transpose(1, 2)
        return torch.bmm(x, transposed) if bias is None else torch.baddbmm(bias.unsqueeze(1), x, transposed)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        # Under autocast the forward ran in grad's dtype; the engine casts these back to the inputs'.
        grad_x = torch.bmm(grad, weight.to(grad.dtype))
        grad_weight = torch.bmm(grad.transpose(1, 2), x.to(grad.dtype))
        return grad_x, grad_weight, grad.sum(1) if ctx.has_bias else None


def _linear(params: dict, name: str, x: torch.Tensor) -> torch.Tensor:
    """x (P, N, in) through each member's nn.Linear `name`: (P, N, out)."""
    return _Linear.apply(x, params[f"{name}.weight"], params.get(f"{name}.bias"))


def _layer_norm(params: dict, name: str, x: torch.Tensor) -> torch.Tensor:
    x = F.layer_norm(x, x.shape[-1:])
    gain, bias = params[f"{name}.weight"].unsqueeze(1), params.get(f"{name}.bias")
    return x * gain if bias is None else torch.addcmul(bias.unsqueeze(1), x, gain)


def _per_row(slots: torch.Tensor, batch: int) -> torch.Tensor:
    """Memory slots (P, H, M, D) repeated for each of a member's `batch` rows: (P * batch, H, M, D)."""
    return slots.unsqueeze(1).expand(-1, batch, -1, -1, -1).flatten(0, 1)


def _attention(params, prefix, x, batch, config: ModelConfig, rope, mask, dropout: float) -> torch.Tensor:
    P, N, C = x.shape
    T, H = N // batch, config.n_head
    q, k, v = _linear(params, prefix + "c_attn", x).split(C, dim=2)
    q, k, v = (t.reshape(P * batch, T, H, C // H).transpose(1, 2) for t in (q, k, v))
    q, k = project_qk(q, k, rope, config)
    if config.n_memory:
        k = torch.cat((_per_row(params[prefix + "memory_k"], batch).to(k.dtype), k), dim=2)
        v = torch.cat((_per_row(params[prefix + "memory_v"], batch).to(v.dtype), v), dim=2)
    y = F.scaled_dot_product_attention(
        q, k, v, attn_mask=mask, dropout_p=dropout, is_causal=mask is None, scale=attention_scale(config)
    )
    y = y.transpose(1, 2).reshape(P, N, C)
    return F.dropout(_linear(params, prefix + "c_proj", y), dropout)


def _block(params, layer: int, x, batch, config: ModelConfig, rope, mask, dropout: float) -> torch.Tensor:
    prefix = f"blocks.{layer}."
    x = x + _attention(
        params, prefix + "attn.", _layer_norm(params, prefix + "ln_1", x), batch, config, rope, mask, dropout
    )
    hidden = F.gelu(_linear(params, prefix + "mlp.c_fc", _layer_norm(params, prefix + "ln_2", x)), approximate="tanh")
    return x + F.dropout(_linear(params, prefix + "mlp.c_proj", hidden), dropout)


def member_losses(
    params: dict[str, torch.Tensor], config: ModelConfig, idx: torch.Tensor, targets: torch.Tensor, training: bool
) -> torch.Tensor:
    """Mean cross-entropy over targets != -100 of each member on its own batch: idx, targets (P, B, T) -> (P,)."""
    P, B, T = idx.shape
    if T > config.block_size and config.positions == "learned":
        raise CodelingError(
            f"Sequences of {T} tokens are longer than the model's block_size {config.block_size}; "
            "make batches of at most block_size tokens."
        )
    dropout = config.dropout if training else 0.0
    table = params["wte.weight"]  # (P, vocab, C), also the output projection
    offsets = torch.arange(P, device=idx.device).view(P, 1, 1) * config.vocab_size
    x = F.embedding(idx + offsets, table.flatten(0, 1))  # (P, B, T, C)
    if config.positions == "learned":
        x = x + params["wpe.weight"][:, :T].unsqueeze(1)
        rope = None
    else:
        rope = rotary_angles(torch.arange(T, device=idx.device)[None], config.n_embd // config.n_head)
    x = F.dropout(x, dropout).flatten(1, 2)  # (P, B * T, C): every linear layer is one bmm
    # Memory slots need a mask (they carry no position, so every query sees all of them); plain
    # causal attention needs none and takes SDPA's fused path.
    mask = None
    if config.n_memory:
        mask = torch.ones(T, config.n_memory + T, dtype=torch.bool, device=idx.device).tril(diagonal=config.n_memory)
    for layer in range(config.n_layer):
        if config.gradient_checkpointing and training:
            x = checkpoint(_block, params, layer, x, B, config, rope, mask, dropout, use_reentrant=False)
        else:
            x = _block(params, layer, x, B, config, rope, mask, dropout)
    logits = _Linear.apply(_layer_norm(params, "ln_f", x), table, None)  # (P, B * T, vocab)
    token_losses = F.cross_entropy(logits.float().flatten(0, 1), targets.flatten(), ignore_index=-100, reduction="none")
    counted = (targets != -100).flatten(1).sum(1)
    return token_losses.view(P, -1).sum(1) / counted
