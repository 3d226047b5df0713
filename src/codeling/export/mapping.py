"""Which architecture an exported checkpoint becomes, and why: one decision, read by every target.

A standard architecture is chosen only where it computes exactly what codeling's GPT computes, which
was checked against the consumers' code, not their names:

  - GPT-2 (transformers `gpt2`, llama.cpp `gpt2`): learned positions, pre-LayerNorm, tanh GELU, a
    tied head. codeling's GPT is GPT-2 plus options, so with none of them on it maps one to one.
  - GPT-NeoX with sequential residuals (transformers `gpt_neox` with `use_parallel_residual=false`,
    llama.cpp `gptneox`): LayerNorm, tanh GELU, full-width rotary with base 10000, SDPA's
    1/sqrt(head_dim) scale. It rotates channel i with channel i + head_dim/2 where codeling rotates
    (2i, 2i+1), so each head's query and key rows are reordered (evens, then odds): the same
    permutation of q and k leaves every q.k, hence the model, unchanged.
  - Anything with QK-norm or memory tokens has no standard counterpart that computes the same thing,
    so transformers gets codeling's own modelling file (`auto_map`, loaded with
    `trust_remote_code=True` from the folder) and GGUF is refused. llama.cpp's graphs are fixed per
    architecture in C++. Those that RMS-normalise queries and keys (per head: Qwen-3, Gemma-3/4,
    OpenELM, ...; OLMo-2 over the whole width) all have RMSNorm blocks and a gated or xIELU MLP
    without biases; those with LayerNorm blocks normalise q and k with LayerNorm, which subtracts
    the mean (StableLM, Command-R, MPT, BERT). None computes codeling's QK-norm inside LayerNorm
    blocks with an ungated GELU MLP (docs/EXPORT.md lists what was read), so `codeling demo` trains
    without QK-norm: its model is GPT-NeoX's and runs exactly in llama.cpp.
"""

from __future__ import annotations

from dataclasses import dataclass

from codeling.config import ModelConfig
from codeling.errors import CodelingError


@dataclass(frozen=True)
class Mapping:
    name: str  # "gpt2", "gpt_neox" or "codeling" (our modelling file)
    reason: str  # one sentence, for --help, the CLI's report and the model card


GPT2 = Mapping("gpt2", "learned positions and no QK-norm or memory tokens: GPT-2 computes the same function")
NEOX = Mapping(
    "gpt_neox",
    "rotary positions and no QK-norm or memory tokens: GPT-NeoX with sequential residuals computes the same "
    "function once each head's query and key channels are reordered for its rotary layout",
)


def _unmatched(config: ModelConfig) -> str | None:
    """The option no standard architecture expresses, as the user would spell it; None if none."""
    if config.qk_norm:
        return f"model.qk_norm={config.qk_norm:g}"
    if config.n_memory:
        return f"model.n_memory={config.n_memory}"
    return None


def hf_mapping(config: ModelConfig) -> Mapping:
    """The transformers architecture for a model: GPT-2, GPT-NeoX, or codeling's own modelling file."""
    option = _unmatched(config)
    if option is not None:
        return Mapping(
            "codeling",
            f"{option}: no transformers architecture computes it, so the export carries codeling's own "
            "modelling file (load it with trust_remote_code=True; nothing is downloaded)",
        )
    return GPT2 if config.positions == "learned" else NEOX


def gguf_mapping(config: ModelConfig) -> Mapping:
    """The llama.cpp architecture for a model, or a CodelingError naming the option it cannot express."""
    option = _unmatched(config)
    if option is not None:
        raise CodelingError(
            f"llama.cpp has no architecture that computes {option} (its graphs are fixed per architecture), so "
            "this model cannot be a GGUF file; export it with --format hf, or train with that option off."
        )
    return GPT2 if config.positions == "learned" else NEOX
