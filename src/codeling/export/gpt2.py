"""A codeling GPT as transformers' GPT-2: weight names and config.json.

codeling's GPT is GPT-2's architecture (learned positions, pre-LayerNorm, tanh GELU, tied output
head), so this is a renaming of weights plus two GPT-2 quirks: the layers live under
`transformer.`, and GPT-2's linear layers are `Conv1D`s that store their weight as (in, out), the
transpose of torch's nn.Linear. `bias=False` is written as zero biases, which compute the same thing.
"""

from __future__ import annotations

import torch

from codeling.config import ModelConfig
from codeling.model import GPT
from codeling.tokenizers import Tokenizer

# GPT-2's Conv1D layers hold their weight as (in_features, out_features).
CONV1D = ("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj")


def zero_bias_if_none(module: torch.nn.Module, size: int) -> torch.Tensor:
    """A module's bias as fp32; a bias=False model's is zeros, the same function in an architecture that has one."""
    return module.bias.detach().float().clone() if module.bias is not None else torch.zeros(size)


def state_dict(model: GPT) -> dict[str, torch.Tensor]:
    """GPT2LMHeadModel's weights, fp32 and contiguous; lm_head is left out as GPT-2 ties it to wte."""
    out: dict[str, torch.Tensor] = {}
    for name, module in model.named_modules():
        if not isinstance(module, (torch.nn.Linear, torch.nn.LayerNorm, torch.nn.Embedding)) or name == "lm_head":
            continue
        hf_name = "transformer." + name.replace("blocks.", "h.")
        weight = module.weight.detach().float()
        if name.endswith(CONV1D):
            weight = weight.t()
        out[f"{hf_name}.weight"] = weight.contiguous().clone()
        if not isinstance(module, torch.nn.Embedding):
            out[f"{hf_name}.bias"] = zero_bias_if_none(module, weight.shape[-1])
    return out


def config_json(config: ModelConfig, tokenizer: Tokenizer) -> dict:
    """config.json for GPT2LMHeadModel; dropout rates carry over for anyone who fine-tunes it."""
    return {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "vocab_size": config.vocab_size,
        "n_positions": config.block_size,
        "n_embd": config.n_embd,
        "n_layer": config.n_layer,
        "n_head": config.n_head,
        "n_inner": config.mlp_ratio * config.n_embd,
        "activation_function": "gelu_new",  # the tanh approximation, as codeling's MLP uses
        "layer_norm_epsilon": 1e-5,  # torch's LayerNorm default
        "resid_pdrop": config.dropout,
        "embd_pdrop": config.dropout,
        "attn_pdrop": config.dropout,
        "scale_attn_weights": True,
        "tie_word_embeddings": True,
        **special_ids(tokenizer),
        "torch_dtype": "float32",
        "use_cache": True,
    }


def special_ids(tokenizer: Tokenizer) -> dict:
    return {"bos_token_id": tokenizer.bos_id, "eos_token_id": tokenizer.eos_id, "pad_token_id": tokenizer.pad_id}
