"""A rotary codeling GPT as transformers' GPT-NeoX (sequential residuals): weights and config.json.

Two layouts differ from codeling's, and nothing else (see mapping.py for what was checked):
  - rotary pairs: GPT-NeoX rotates channel i with channel i + head_dim/2, codeling (2i, 2i+1) with
    the same frequency, so each head's query and key rows are put in the order evens-then-odds
    (`half_rotary_order`); permuting q and k alike leaves q.k unchanged;
  - the fused projection: GPT-NeoX reads `query_key_value` per head as [q_h, k_h, v_h], codeling's
    `c_attn` is [all q; all k; all v].
"""

from __future__ import annotations

import torch

from codeling.config import ModelConfig
from codeling.export.gpt2 import special_ids, zero_bias_if_none
from codeling.model import GPT
from codeling.tokenizers import Tokenizer


def half_rotary_order(head_dim: int) -> torch.Tensor:
    """The channel order that turns codeling's (2i, 2i+1) rotary pairs into (i, i + head_dim/2)."""
    return torch.cat((torch.arange(0, head_dim, 2), torch.arange(1, head_dim, 2)))


def qkv_rows_for_half_rotary(config: ModelConfig) -> torch.Tensor:
    """Row order of c_attn ([q; k; v], heads in order) with each q and k head reordered for half rotary."""
    n, d = config.n_embd, config.n_embd // config.n_head
    within = half_rotary_order(d)
    heads = torch.arange(config.n_head)[:, None] * d
    qk = (heads + within).flatten()
    return torch.cat((qk, n + qk, 2 * n + torch.arange(n)))


def per_head_qkv(config: ModelConfig) -> torch.Tensor:
    """Row order turning [all q; all k; all v] into GPT-NeoX's [q_0, k_0, v_0, q_1, ...]."""
    n, d = config.n_embd, config.n_embd // config.n_head
    rows = [torch.arange(part * n + h * d, part * n + (h + 1) * d) for h in range(config.n_head) for part in range(3)]
    return torch.cat(rows)


def state_dict(model: GPT) -> dict[str, torch.Tensor]:
    """GPTNeoXForCausalLM's weights, fp32; the head is left out as tie_word_embeddings ties it to embed_in."""
    config = model.config
    order = qkv_rows_for_half_rotary(config)[per_head_qkv(config)]
    out = {"gpt_neox.embed_in.weight": model.wte.weight.detach().float().clone()}

    def put(name: str, module: torch.nn.Module, rows: torch.Tensor | None = None):
        weight = module.weight.detach().float()
        bias = zero_bias_if_none(module, weight.shape[0])
        if rows is not None:
            weight, bias = weight[rows], bias[rows]
        out[f"{name}.weight"], out[f"{name}.bias"] = weight.contiguous().clone(), bias.contiguous()

    for i, block in enumerate(model.blocks):
        prefix = f"gpt_neox.layers.{i}"
        put(f"{prefix}.input_layernorm", block.ln_1)
        put(f"{prefix}.attention.query_key_value", block.attn.c_attn, order)
        put(f"{prefix}.attention.dense", block.attn.c_proj)
        put(f"{prefix}.post_attention_layernorm", block.ln_2)
        put(f"{prefix}.mlp.dense_h_to_4h", block.mlp.c_fc)
        put(f"{prefix}.mlp.dense_4h_to_h", block.mlp.c_proj)
    put("gpt_neox.final_layer_norm", model.ln_f)
    return out


def config_json(config: ModelConfig, tokenizer: Tokenizer) -> dict:
    """config.json for GPTNeoXForCausalLM, in the field names transformers 4.x and 5.x both read."""
    return {
        "architectures": ["GPTNeoXForCausalLM"],
        "model_type": "gpt_neox",
        "vocab_size": config.vocab_size,
        "max_position_embeddings": config.block_size,
        "hidden_size": config.n_embd,
        "num_hidden_layers": config.n_layer,
        "num_attention_heads": config.n_head,
        "intermediate_size": config.mlp_ratio * config.n_embd,
        "hidden_act": "gelu_pytorch_tanh",  # torch's tanh GELU, the very function codeling's MLP calls
        "layer_norm_eps": 1e-5,
        "rotary_pct": 1.0,
        "rotary_emb_base": 10000.0,
        "use_parallel_residual": False,  # codeling's blocks: x + attn(ln_1(x)), then + mlp(ln_2(.))
        "attention_bias": True,
        "attention_dropout": config.dropout,
        "hidden_dropout": config.dropout,
        "tie_word_embeddings": True,
        **special_ids(tokenizer),
        "torch_dtype": "float32",
        "use_cache": True,
    }
