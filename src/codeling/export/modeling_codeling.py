"""codeling's GPT as a `transformers` model, for exports no standard architecture computes exactly.

This file is copied as is into an exported directory whose config.json names it in `auto_map`, so
`AutoModelForCausalLM.from_pretrained(folder, trust_remote_code=True)` loads it from that folder
(nothing is downloaded). It needs only torch and transformers, never codeling: whoever receives the
folder may not have codeling installed. It computes what codeling's model.py computes:

  - learned positions (a table) or rotary positions, (even, odd) channel pairs rotated;
  - QK-norm: queries and keys RMS-normalised per head (no weight), their dot products scaled by
    `qk_norm` instead of 1/sqrt(head_dim);
  - memory tokens: per layer, learned key/value slots that every query attends to, never cached;
  - pre-LayerNorm blocks, a tanh-GELU MLP, the output head tied to the token embedding.

Weight names are codeling's own (`wte.weight`, `blocks.0.attn.c_attn.weight`, ...).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from transformers import GenerationMixin, PretrainedConfig, PreTrainedModel
from transformers.cache_utils import Cache, DynamicCache
from transformers.modeling_outputs import CausalLMOutputWithPast

# transformers 5 calls the cache `cache`; 4.x called it `past_key_values`. This file takes either.
CACHE_FIELD = "cache" if "cache" in CausalLMOutputWithPast.__dataclass_fields__ else "past_key_values"


class CodelingConfig(PretrainedConfig):
    model_type = "codeling"

    def __init__(
        self,
        vocab_size=256,
        block_size=256,
        n_layer=4,
        n_head=4,
        n_embd=128,
        mlp_ratio=4,
        bias=True,
        positions="learned",
        n_memory=0,
        qk_norm=0.0,
        rope_base=10000.0,
        use_cache=True,
        **kwargs,
    ):
        self.vocab_size, self.block_size, self.n_layer, self.n_head = vocab_size, block_size, n_layer, n_head
        self.n_embd, self.mlp_ratio, self.bias, self.positions = n_embd, mlp_ratio, bias, positions
        self.n_memory, self.qk_norm, self.rope_base = n_memory, qk_norm, rope_base
        self.use_cache = use_cache
        # The names generation utilities look for.
        self.hidden_size, self.num_hidden_layers, self.num_attention_heads = n_embd, n_layer, n_head
        self.max_position_embeddings = block_size
        kwargs.setdefault("tie_word_embeddings", False)  # the head is computed from wte directly
        super().__init__(**kwargs)


def rotate_pairs(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    x1, x2 = x.float()[..., 0::2], x.float()[..., 1::2]
    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2).type_as(x)


class Attention(nn.Module):
    def __init__(self, config: CodelingConfig, layer: int):
        super().__init__()
        self.config, self.layer = config, layer
        self.n_head, self.head_dim = config.n_head, config.n_embd // config.n_head
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        if config.n_memory:
            self.memory_k = nn.Parameter(torch.zeros(config.n_head, config.n_memory, self.head_dim))
            self.memory_v = nn.Parameter(torch.zeros(config.n_head, config.n_memory, self.head_dim))

    def forward(self, x, rope, mask, cache):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, self.head_dim).transpose(1, 2) for t in (q, k, v))
        if self.config.qk_norm:
            q, k = F.rms_norm(q, (self.head_dim,)), F.rms_norm(k, (self.head_dim,))
        if rope is not None:
            q, k = rotate_pairs(q, *rope), rotate_pairs(k, *rope)
        if cache is not None:
            k, v = cache.update(k, v, self.layer)
        if self.config.n_memory:  # memory slots are parameters, not history: prepended after the cache
            k = torch.cat((self.memory_k.expand(B, -1, -1, -1).to(k.dtype), k), dim=2)
            v = torch.cat((self.memory_v.expand(B, -1, -1, -1).to(v.dtype), v), dim=2)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=self.config.qk_norm or None)
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class MLP(nn.Module):
    def __init__(self, config: CodelingConfig):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, config.mlp_ratio * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.mlp_ratio * config.n_embd, config.n_embd, bias=config.bias)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, config: CodelingConfig, layer: int):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = Attention(config, layer)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x, rope, mask, cache):
        x = x + self.attn(self.ln_1(x), rope, mask, cache)
        return x + self.mlp(self.ln_2(x))


class CodelingForCausalLM(PreTrainedModel, GenerationMixin):
    config_class = CodelingConfig
    base_model_prefix = "codeling"
    _supports_cache_class = True
    _supports_sdpa = True

    def __init__(self, config: CodelingConfig):
        super().__init__(config)
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.block_size, config.n_embd) if config.positions == "learned" else None
        self.blocks = nn.ModuleList(Block(config, i) for i in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.post_init()

    def get_input_embeddings(self):
        return self.wte

    def set_input_embeddings(self, value):
        self.wte = value

    def rotary(self, positions: torch.Tensor):
        head_dim = self.config.n_embd // self.config.n_head
        steps = torch.arange(0, head_dim, 2, device=positions.device, dtype=torch.float32) / head_dim
        angles = positions.float()[..., None] * (1.0 / (self.config.rope_base**steps))
        return angles.cos()[:, None], angles.sin()[:, None]

    def mask(self, attention_mask, T: int, past: int, device) -> torch.Tensor:
        """Boolean (B|1, 1, T, memory + past + T): causal, never a pad key but always itself, memory always."""
        total = past + T
        query = torch.arange(past, total, device=device)[:, None]
        key = torch.arange(total, device=device)[None, :]
        mask = (key <= query)[None, None]
        if attention_mask is not None:
            mask = mask & (attention_mask[:, None, None, :total].bool() | (key == query)[None, None])
        if self.config.n_memory:
            memory = torch.ones(*mask.shape[:-1], self.config.n_memory, dtype=torch.bool, device=device)
            mask = torch.cat((memory.expand(mask.shape[0], -1, -1, -1), mask), dim=-1)
        return mask

    def forward(
        self,
        input_ids=None,
        attention_mask=None,
        position_ids=None,
        past_key_values: Cache | None = None,
        inputs_embeds=None,
        labels=None,
        use_cache=None,
        cache: Cache | None = None,
        **kwargs,
    ):
        past_key_values = cache if cache is not None else past_key_values
        x = self.wte(input_ids) if inputs_embeds is None else inputs_embeds
        B, T = x.shape[:2]
        use_cache = self.config.use_cache if use_cache is None else use_cache
        if use_cache and past_key_values is None:
            past_key_values = DynamicCache()
        past = past_key_values.get_seq_length() if past_key_values is not None else 0
        if position_ids is None:
            position_ids = torch.arange(past, past + T, device=x.device).expand(B, T)
        rope = None
        if self.wpe is not None:
            x = x + self.wpe(position_ids)
        else:
            rope = self.rotary(position_ids)
        mask = self.mask(attention_mask, T, past, x.device)
        for block in self.blocks:
            x = block(x, rope, mask, past_key_values)
        logits = F.linear(self.ln_f(x), self.wte.weight)
        loss = None
        if labels is not None:
            shifted = logits[:, :-1].reshape(-1, logits.size(-1)).float()
            loss = F.cross_entropy(shifted, labels[:, 1:].reshape(-1), ignore_index=-100)
        return CausalLMOutputWithPast(loss=loss, logits=logits, **{CACHE_FIELD: past_key_values})
