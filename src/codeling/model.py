"""The GPT: a decoder-only transformer, readable top to bottom.

It follows nanoGPT (token + learned position embeddings, pre-LayerNorm blocks, causal self-attention,
GELU MLP, weight tying, scaled init) and adds what codeling's users ask for:
  - rotary positions as an option (`positions="rotary"`);
  - QK-norm as an option (`qk_norm=S`): queries and keys are RMS-normalised per head and their dot
    products scaled by S instead of 1/sqrt(head_dim), so how sharp attention is does not depend on
    weights growing; a larger S than 1/sqrt(head_dim) makes look-ups sharp from the first steps;
  - memory tokens: a few learned key/value slots per layer that every position can attend to
    (persistent memory, as in Sukhbaatar et al. 2019, "Augmenting Self-attention with Persistent
    Memory"); they are real parameters in the attention, not a position bias;
  - activation checkpointing, to trade compute for memory on big models;
  - a KV cache, so decoding a token costs one position, not the whole prefix;
  - per-row positions and a key mask, so prompts of different lengths decode in one left-padded batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

from codeling.config import ModelConfig
from codeling.errors import CodelingError


@dataclass
class KVCache:
    """Keys and values of every layer for the positions decoded so far, preallocated to max_len."""

    keys: list[torch.Tensor]  # per layer: (B, n_head, max_len, head_dim)
    values: list[torch.Tensor]
    length: int = 0
    # Set by `GPT.decode_step`: the slot (a 1-element tensor) this step's keys and values go to.
    column: torch.Tensor | None = None

    @property
    def max_len(self) -> int:
        return self.keys[0].shape[2]

    def store(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Write this call's keys and values; return the keys and values attention should see."""
        # The cache may hold a wider dtype than the weights (bf16 weights, fp32 cache on a CPU).
        k, v = k.to(self.keys[layer].dtype), v.to(self.values[layer].dtype)
        if self.column is not None:
            # Static shapes, so that a compiled step (and a CUDA graph) is reused at every position:
            # write at a tensor index and hand back the whole buffer; the caller's mask hides the
            # slots not written yet (zeros, so that masking them out leaves no NaN behind).
            self.keys[layer].index_copy_(2, self.column, k)
            self.values[layer].index_copy_(2, self.column, v)
            return self.keys[layer], self.values[layer]
        start, end = self.length, self.length + k.shape[2]
        self.keys[layer][:, :, start:end] = k
        self.values[layer][:, :, start:end] = v
        return self.keys[layer][:, :, :end], self.values[layer][:, :, :end]


def rotary_angles(positions: torch.Tensor, head_dim: int, base: float = 10000.0) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of shape (B, 1, T, head_dim/2) for integer positions of shape (B, T)."""
    inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, device=positions.device, dtype=torch.float32) / head_dim))
    angles = positions.float()[..., None] * inv_freq  # (B, T, head_dim/2)
    return angles.cos()[:, None], angles.sin()[:, None]


def project_qk(q: torch.Tensor, k: torch.Tensor, rope, config: ModelConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """Queries and keys (B, H, T, D) as attention compares them: RMS-normalised under QK-norm, then rotated."""
    if config.qk_norm:
        q, k = F.rms_norm(q, (q.size(-1),)), F.rms_norm(k, (k.size(-1),))
    if rope is not None:
        q, k = apply_rotary(q, *rope), apply_rotary(k, *rope)
    return q, k


def attention_scale(config: ModelConfig) -> float | None:
    """The factor on q.k: QK-norm's fixed scale, or None for SDPA's 1/sqrt(head_dim)."""
    return config.qk_norm or None


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    # Rotate each (even, odd) pair of channels by its position's angle: relative offsets then show
    # up in q.k as a phase difference, which is what makes rotary positions relative.
    x1, x2 = x.float()[..., 0::2], x.float()[..., 1::2]
    rotated = torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)
    return rotated.type_as(x)


def embed(idx: torch.Tensor, positions: torch.Tensor, wte: torch.Tensor, wpe: torch.Tensor | None, head_dim: int):
    """Token (+ learned position) embeddings, and the rotary angles where positions are rotary."""
    x = F.embedding(idx, wte)
    if wpe is not None:
        x = x + F.embedding(positions, wpe)
    return x, rotary_angles(positions, head_dim) if wpe is None else None


class CausalSelfAttention(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.n_head = config.n_head
        self.head_dim = config.n_embd // config.n_head
        self.config = config
        self.scale = attention_scale(config)
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = config.dropout
        self.resid_dropout = nn.Dropout(config.dropout)
        self.n_memory = config.n_memory
        if self.n_memory:
            # Memory slots carry no position: every query sees them whatever its place in the text.
            self.memory_k = nn.Parameter(torch.randn(config.n_head, config.n_memory, self.head_dim) * 0.02)
            self.memory_v = nn.Parameter(torch.randn(config.n_head, config.n_memory, self.head_dim) * 0.02)

    def heads(self, qkv: torch.Tensor, rope) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """q, k, v (B, H, T, D) from c_attn's output (B, T, 3C), q and k as attention compares them."""
        B, T, _ = qkv.shape
        q, k, v = qkv.view(B, T, 3, self.n_head, self.head_dim).permute(2, 0, 3, 1, 4).unbind(0)
        q, k = project_qk(q, k, rope, self.config)
        return q, k, v

    def with_memory(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Keys and values with the memory slots in front (in the keys' dtype)."""
        if not self.n_memory:
            return k, v
        B = k.shape[0]
        k = torch.cat((self.memory_k.expand(B, -1, -1, -1).to(k.dtype), k), dim=2)
        v = torch.cat((self.memory_v.expand(B, -1, -1, -1).to(v.dtype), v), dim=2)
        return k, v

    def forward(self, x, rope, attn_mask, cache: KVCache | None, layer: int):
        B, T, C = x.shape
        q, k, v = self.heads(self.c_attn(x), rope)
        if cache is not None:
            k, v = cache.store(layer, k, v)
            q = q.to(k.dtype)
        k, v = self.with_memory(k, v)
        dropout = self.dropout if self.training else 0.0
        if attn_mask is None:  # plain causal (a whole sequence) or one new token seeing every key: the fused fast path
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, is_causal=T > 1, scale=self.scale)
        else:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, dropout_p=dropout, scale=self.scale)
        if cache is not None:  # a cache wider than the weights (fp32 beside bf16) attended in its dtype
            y = y.to(x.dtype)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, config.mlp_ratio * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU(approximate="tanh")  # GPT-2's GELU, so exported weights match exactly
        self.c_proj = nn.Linear(config.mlp_ratio * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x, rope, attn_mask, cache, layer):
        x = x + self.attn(self.ln_1(x), rope, attn_mask, cache, layer)
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        if config.vocab_size <= 0:
            raise CodelingError("model.vocab_size is not set; it comes from the data's tokenizer, so pass --data.")
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.block_size, config.n_embd) if config.positions == "learned" else None
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        # Weight tying: the input embedding and the output projection share one matrix, which saves
        # vocab_size * n_embd parameters and helps small models (Press & Wolf 2017).
        self.lm_head.weight = self.wte.weight
        self.apply(self._init_weights)
        # GPT-2's scaled init: each residual projection adds to the stream once per layer, so shrink
        # it by 1/sqrt(2 * n_layer) to keep the residual stream's variance flat with depth.
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module):
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_params(self, non_embedding: bool = False) -> int:
        """Parameters counted once (the tied matrix once); non_embedding drops token and position tables."""
        n = sum(p.numel() for p in self.parameters())
        if non_embedding:
            n -= self.wte.weight.numel()
            if self.wpe is not None:
                n -= self.wpe.weight.numel()
        return n

    def new_cache(self, batch_size: int, max_len: int, dtype: torch.dtype | None = None) -> KVCache:
        """An empty cache for max_len positions (at most block_size with learned positions), in the
        weights' dtype unless told otherwise; attention then runs in the cache's dtype."""
        c = self.config
        if self.wpe is not None and max_len > c.block_size:
            max_len = c.block_size
        p = self.wte.weight
        shape = (batch_size, c.n_head, max_len, c.n_embd // c.n_head)
        dtype = dtype or p.dtype
        return KVCache(
            keys=[torch.zeros(shape, device=p.device, dtype=dtype) for _ in range(c.n_layer)],
            values=[torch.zeros(shape, device=p.device, dtype=dtype) for _ in range(c.n_layer)],
        )

    def _attention_mask(self, T: int, past: int, key_mask: torch.Tensor | None, device) -> torch.Tensor | None:
        """Boolean mask (B|1, 1, T, memory + past + T), True where a query may look; None for plain causal."""
        # No padding and no memory: a whole sequence is plain causal, and a single new token may
        # look at every key, so neither needs a mask (SDPA's unmasked path is the fast one).
        if key_mask is None and not self.config.n_memory and (past == 0 or T == 1):
            return None
        total = past + T
        query_pos = torch.arange(past, total, device=device)[:, None]
        mask = torch.arange(total, device=device)[None, :] <= query_pos  # (T, total): causal
        mask = mask[None, None]
        if key_mask is not None:
            # Left padding: never attend to pad keys, but always to yourself, so that a row of pure
            # padding still has one key and its (ignored) output stays finite.
            diagonal = torch.arange(total, device=device)[None, :] == query_pos
            mask = mask & (key_mask[:, None, None, :total] | diagonal[None, None])
        return self._with_memory(mask)

    def _with_memory(self, mask: torch.Tensor) -> torch.Tensor:
        """The mask with the memory slots in front: every query may see them."""
        if not self.config.n_memory:
            return mask
        memory = torch.ones(*mask.shape[:-1], self.config.n_memory, dtype=torch.bool, device=mask.device)
        return torch.cat((memory, mask), dim=-1)

    def _embed(self, idx: torch.Tensor, positions: torch.Tensor):
        wpe = self.wpe.weight if self.wpe is not None else None
        x, rope = embed(idx, positions, self.wte.weight, wpe, self.config.n_embd // self.config.n_head)
        return self.drop(x), rope

    def decode_step(
        self, idx: torch.Tensor, positions: torch.Tensor, attend: torch.Tensor, cache: KVCache
    ) -> torch.Tensor:
        """Last-position logits (B, vocab) for one new token per row, idx and positions (B, 1).

        Every shape is fixed whatever the position, so one compiled graph serves every step: the
        token's keys go to slot `cache.column`, and attention looks at the whole cache through
        `attend` (B, max_len), True for the slots a row may see (its real tokens, this one included).
        Eager decoding runs DecodePlan instead: the same arithmetic, over the filled slots only.
        No checks that would need the values on the host: the caller (generate's Decoder) keeps
        positions inside the cache and the block.
        """
        x, rope = self._embed(idx, positions)
        mask = self._with_memory(attend[:, None, None, :])
        for layer, block in enumerate(self.blocks):
            x = block(x, rope, mask, cache, layer)
        return self.lm_head(self.ln_f(x))[:, -1]

    def forward(
        self,
        idx: torch.Tensor,
        targets: torch.Tensor | None = None,
        *,
        positions: torch.Tensor | None = None,
        key_mask: torch.Tensor | None = None,
        cache: KVCache | None = None,
        last_only: bool = False,
    ):
        """Logits (B, T, vocab) and, given targets, the mean cross-entropy over targets != -100.

        positions: (B, T) position ids; default counts on from what the cache holds.
        key_mask: (B, past + T) True for real tokens, False for left padding.
        cache: a KVCache from `new_cache`; its length advances by T.
        last_only: compute logits for the last position only (decoding needs nothing else).
        """
        B, T = idx.shape
        past = cache.length if cache is not None else 0
        if positions is None:
            positions = torch.arange(past, past + T, device=idx.device).expand(B, T)
        if cache is not None and past + T > cache.max_len:
            raise CodelingError(
                f"Decoding past {cache.max_len} positions overflows the cache; ask for fewer new tokens."
            )
        if self.wpe is not None and T and int(positions.max()) >= self.config.block_size:
            raise CodelingError(
                f"Sequence position {int(positions.max())} is beyond the model's block_size "
                f"{self.config.block_size}; shorten the prompt or ask for fewer new tokens."
            )
        x, rope = self._embed(idx, positions)
        attn_mask = self._attention_mask(T, past, key_mask, idx.device)
        for layer, block in enumerate(self.blocks):
            if self.config.gradient_checkpointing and self.training:
                x = checkpoint(block, x, rope, attn_mask, cache, layer, use_reentrant=False)
            else:
                x = block(x, rope, attn_mask, cache, layer)
        if cache is not None:
            cache.length += T
        x = self.ln_f(x)
        if last_only:
            x = x[:, -1:, :]
        logits = self.lm_head(x)
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.float().view(-1, logits.size(-1)), targets.view(-1), ignore_index=-100)
        return logits, loss

    def flops_per_token(self, seq_len: int) -> float:
        """Training FLOPs per token (forward + backward), as in the PaLM paper's appendix B."""
        c = self.config
        # The tied token matrix does real work as the output projection, so it counts; the position
        # table is a lookup and does not.
        matmul_params = self.num_params() - (self.wpe.weight.numel() if self.wpe is not None else 0)
        return 6 * matmul_params + 12 * c.n_layer * c.n_embd * seq_len


# The eager one-token step. A step of a small model is a few dozen small tensor ops, so on a CPU the
# Python around them (nn.Module.__call__, the mask over the whole static cache, transposes) costs
# as much as the arithmetic. The plan does the same arithmetic as decode_step in bare calls.


def as_function(linear: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """x (N, in) -> (N, out) in one bare call. A float nn.Linear becomes mm / addmm on its weight
    transposed; anything else (int8's dynamically quantised Linear) keeps its own forward, without
    nn.Module.__call__. For a single row in fp32 on a CPU the product reads a contiguous transposed
    copy, which MKL multiplies 15-30% faster than F.linear's transposed view (its sums round
    differently in the last bits); at 8 rows the view is as fast and gives F.linear's very bits."""
    if type(linear) is not nn.Linear:
        return linear.forward
    w = linear.weight.detach().t()
    w_row = w.contiguous() if w.device.type == "cpu" and w.dtype == torch.float32 else w
    if linear.bias is None:
        return lambda x: torch.mm(x, w_row if x.shape[0] == 1 else w)
    b = linear.bias.detach()
    return lambda x: torch.addmm(b, x, w_row if x.shape[0] == 1 else w)


def layer_norm_function(ln: nn.LayerNorm) -> Callable[[torch.Tensor], torch.Tensor]:
    return lambda x: torch.layer_norm(x, ln.normalized_shape, ln.weight, ln.bias, ln.eps)


def one_token_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, bias: torch.Tensor, scale: float):
    """One query per row and head, q (B, H, 1, D), over the keys and values (B, H, L, D) there are:
    softmax(q.k * scale + bias) @ v, with bias (B*H, 1, L) -inf where a row may not look. Reading
    only the filled slots is the saving; as two batched products it is as fast as SDPA on them at
    batch 1 and faster at batch 8 (measured at the tiny and era shapes)."""
    B, H, L, D = k.shape
    scores = torch.baddbmm(bias, q.reshape(B * H, 1, D), k.reshape(B * H, L, D).transpose(1, 2), alpha=scale)
    return torch.bmm(scores.softmax(dim=-1), v.reshape(B * H, L, D)).view(B, H, 1, D)


def block_function(block: Block, layer: int) -> Callable:
    """Block `layer`'s one-token step as a plain function of x (B, C)."""
    attn, mlp = block.attn, block.mlp
    ln_1, ln_2 = layer_norm_function(block.ln_1), layer_norm_function(block.ln_2)
    c_attn, attn_proj = as_function(attn.c_attn), as_function(attn.c_proj)
    c_fc, mlp_proj = as_function(mlp.c_fc), as_function(mlp.c_proj)
    scale = attn.scale or attn.head_dim**-0.5
    approximate = mlp.gelu.approximate

    def step(x: torch.Tensor, rope, bias: torch.Tensor, cache: KVCache, filled: int) -> torch.Tensor:
        B, C = x.shape
        q, k, v = attn.heads(c_attn(ln_1(x)).view(B, 1, 3 * C), rope)
        k, v = cache.store(layer, k, v)
        # Only the slots written so far, this token's included: the rest of the cache is empty.
        k, v = attn.with_memory(k[:, :, :filled], v[:, :, :filled])
        y = one_token_attention(q.to(k.dtype), k, v, bias, scale).to(x.dtype).view(B, C)
        x = x + attn_proj(y)
        return x + mlp_proj(F.gelu(c_fc(ln_2(x)), approximate=approximate))

    return step


class DecodePlan:
    """GPT.decode_step for eager decoding, built once per set of weights (the decoder keeps one per
    model and rebuilds it when the weights change): each block as a plain function, attention over
    the cache's filled slots only. Its shapes grow with the position, so a compiled step (one graph
    for every position) uses decode_step instead. Holds the model's tensors and blocks, never the
    GPT itself, so that the decoder's cache of plans, keyed weakly on the model, lets it go."""

    def __init__(self, model: GPT):
        c = model.config
        self.n_head, self.head_dim, self.n_memory = c.n_head, c.n_embd // c.n_head, c.n_memory
        self.wte = model.wte.weight.detach()
        self.wpe = model.wpe.weight.detach() if model.wpe is not None else None
        self.blocks = [block_function(block, layer) for layer, block in enumerate(model.blocks)]
        self.ln_f = layer_norm_function(model.ln_f)
        self.lm_head = as_function(model.lm_head)

    def attention_bias(self, attend: torch.Tensor, filled: int, dtype: torch.dtype) -> torch.Tensor:
        """(B*H, 1, memory + filled): 0 where a row may look, -inf on its padding; made once a step."""
        B = attend.shape[0]
        bias = torch.zeros((B, self.n_memory + filled), dtype=dtype, device=attend.device)
        bias[:, self.n_memory :].masked_fill_(~attend[:, :filled], float("-inf"))
        return bias[:, None, None].expand(B, self.n_head, 1, -1).reshape(B * self.n_head, 1, -1)

    def __call__(self, idx: torch.Tensor, positions: torch.Tensor, attend: torch.Tensor, cache: KVCache):
        """As GPT.decode_step: logits (B, vocab) for one new token per row, written at cache.column,
        which must be slot cache.length."""
        x, rope = embed(idx, positions, self.wte, self.wpe, self.head_dim)
        filled = cache.length + 1
        bias = self.attention_bias(attend, filled, cache.keys[0].dtype)
        x = x.view(idx.shape[0], -1)
        for block in self.blocks:
            x = block(x, rope, bias, cache, filled)
        return self.lm_head(self.ln_f(x))
