"""Export a codeling checkpoint as a Hugging Face `transformers` GPT-2 directory.

codeling's GPT is GPT-2's architecture (learned positions, pre-LayerNorm, tanh GELU, tied output
head), so export is a renaming of weights plus two GPT-2 quirks: the checkpoint's layers live under
`transformer.`, and GPT-2's linear layers are `Conv1D`s that store their weight as (in, out), the
transpose of torch's nn.Linear. Options GPT-2 has no slot for (rotary positions, memory tokens, QK-norm) are
refused; `bias=False` is exported as zero biases, which compute the same thing.

The tokenizer travels as a `tokenizers` tokenizer.json that `PreTrainedTokenizerFast` loads, made by
the tokenizer itself (`Tokenizer.to_hf`): BPE tokenizers are already in that format; codeling's char
and TinyPy tokenizers are rebuilt as a WordLevel model behind a Split pre-tokenizer that cuts text
the same way, so the ids are the same.
Where codeling starts every sequence with a BOS token, the exported tokenizer's post-processor puts
it first too, so `tokenizer(prompt)`, `model.generate` and `pipeline("text-generation")` see what
`codeling generate` feeds the model and greedy decoding agrees.

Nothing here needs `transformers` installed: config.json and the weights are written directly.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import processors

from codeling import atomic
from codeling.config import ModelConfig
from codeling.errors import CodelingError
from codeling.model import GPT
from codeling.tokenizers import Tokenizer
from codeling.train.checkpoint import Loaded, load_checkpoint

# GPT-2's Conv1D layers hold their weight as (in_features, out_features).
CONV1D = ("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj")


def check_gpt2_compatible(config: ModelConfig) -> None:
    """Raise CodelingError naming the first option GPT-2 cannot express."""
    if config.positions != "learned":
        raise CodelingError(
            f"This model uses {config.positions} positions, which GPT-2 has no equivalent for (it learns a position "
            "table); export supports only models trained with model.positions=learned."
        )
    if config.n_memory:
        raise CodelingError(
            f"This model has {config.n_memory} memory tokens per layer, which GPT-2 has no equivalent for; "
            "export supports only models trained with model.n_memory=0."
        )
    if config.qk_norm:
        raise CodelingError(
            "This model normalises its attention queries and keys (model.qk_norm), which GPT-2 has no equivalent for; "
            "export supports only models trained with model.qk_norm=0."
        )


def hf_state_dict(model: GPT) -> dict[str, torch.Tensor]:
    """GPT2LMHeadModel's weights, fp32 and contiguous; lm_head is left out as GPT-2 ties it to wte."""
    check_gpt2_compatible(model.config)
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
            # bias=False models: a zero bias is the same function, and GPT-2 always has one.
            bias = module.bias.detach().float() if module.bias is not None else torch.zeros(weight.shape[-1])
            out[f"{hf_name}.bias"] = bias.contiguous().clone()
    return out


def hf_config(config: ModelConfig, tokenizer: Tokenizer) -> dict:
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
        "bos_token_id": tokenizer.bos_id,
        "eos_token_id": tokenizer.eos_id,
        "pad_token_id": tokenizer.pad_id,
        "torch_dtype": "float32",
        "use_cache": True,
    }


def add_bos(hf: HFTokenizer, tokenizer: Tokenizer) -> None:
    """Make encoding (with special tokens, transformers' default) put BOS first, as codeling does."""
    if tokenizer.bos_id is None:
        return
    bos = hf.id_to_token(tokenizer.bos_id)
    hf.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A", pair=f"{bos} $A $B", special_tokens=[(bos, tokenizer.bos_id)]
    )


def _token(hf: HFTokenizer, token_id: int | None) -> str | None:
    return hf.id_to_token(token_id) if token_id is not None else None


def hf_tokenizer_config(tokenizer: Tokenizer, hf: HFTokenizer, block_size: int) -> dict:
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": block_size,
        "bos_token": _token(hf, tokenizer.bos_id),
        "eos_token": _token(hf, tokenizer.eos_id),
        "pad_token": _token(hf, tokenizer.pad_id),
        # codeling encodes "<|endoftext|>" inside a source file as text, not as the special token.
        "split_special_tokens": True,
        "clean_up_tokenization_spaces": False,
    }


def export_hf(checkpoint: str | Path | Loaded, out_dir: str | Path, overwrite: bool = False) -> Path:
    """Write a GPT-2 `transformers` directory for a checkpoint (a path or a Loaded) at out_dir."""
    loaded = checkpoint if isinstance(checkpoint, Loaded) else load_checkpoint(checkpoint)
    out_dir = Path(out_dir)
    if out_dir.exists() and not overwrite:
        raise CodelingError(f"{out_dir} already exists; choose another --out or pass --overwrite.")
    config, tokenizer = loaded.config.model, loaded.tokenizer
    check_gpt2_compatible(config)
    weights = hf_state_dict(loaded.model)
    hf = tokenizer.to_hf()
    add_bos(hf, tokenizer)
    with atomic.atomic_directory(out_dir, overwrite=overwrite) as tmp:
        save_file(weights, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        (tmp / "config.json").write_text(json.dumps(hf_config(config, tokenizer), indent=2) + "\n")
        hf.save(str(tmp / "tokenizer.json"))
        tokenizer_config = hf_tokenizer_config(tokenizer, hf, config.block_size)
        (tmp / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2) + "\n")
    return out_dir
