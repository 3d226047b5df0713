"""`export_gguf`: a checkpoint as one GGUF file, the format llama.cpp and Ollama load.

Written with `gguf`, the package llama.cpp publishes, in llama.cpp's own names for its `gpt2` or
`gptneox` architecture (mapping.py decides which, or refuses). Tensors are in torch's (out, in)
layout, which gguf stores as ggml's {in, out}. Both architectures take a fused [q; k; v] projection,
codeling's own order; `gptneox` rotates channel i with i + head_dim/2, so each head's q and k rows
are reordered as for transformers' GPT-NeoX (neox.py). `gptneox` has no tied head, so the token
embedding is written a second time as `output.weight`.

Types: `f32` keeps every weight; `f16` halves the matrices; `q8_0` stores each matrix row in blocks
of 32 int8 values with one f16 scale (rows whose length is not a multiple of 32 stay f16). Vectors
(norms, biases) stay f32 in every type, as llama.cpp's converter does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from codeling import atomic, rundir
from codeling.errors import CodelingError
from codeling.export.card import Target, model_card, modelfile
from codeling.export.gguf_vocab import write_vocab
from codeling.export.gpt2 import zero_bias_if_none
from codeling.export.hf import loaded_checkpoint
from codeling.export.mapping import gguf_mapping
from codeling.export.neox import qkv_rows_for_half_rotary
from codeling.model import GPT

GGUF_TYPES = ("f32", "f16", "q8_0")
ARCH = {"gpt2": "gpt2", "gpt_neox": "gptneox"}


def llama_tensors(model: GPT, arch: str) -> dict[str, torch.Tensor]:
    """Every tensor under llama.cpp's name for `arch`, fp32, in torch's (out, in) layout."""
    config = model.config
    qkv_rows = qkv_rows_for_half_rotary(config) if arch == "gptneox" else None
    out = {"token_embd.weight": model.wte.weight}
    if model.wpe is not None:
        out["position_embd.weight"] = model.wpe.weight

    def put(name: str, module: torch.nn.Module, rows: torch.Tensor | None = None):
        weight, bias = module.weight.detach().float(), zero_bias_if_none(module, module.weight.shape[0])
        if rows is not None:
            weight, bias = weight[rows], bias[rows]
        out[f"{name}.weight"], out[f"{name}.bias"] = weight, bias

    for i, block in enumerate(model.blocks):
        put(f"blk.{i}.attn_norm", block.ln_1)
        put(f"blk.{i}.attn_qkv", block.attn.c_attn, qkv_rows)
        put(f"blk.{i}.attn_output", block.attn.c_proj)
        put(f"blk.{i}.ffn_norm", block.ln_2)
        put(f"blk.{i}.ffn_up", block.mlp.c_fc)
        put(f"blk.{i}.ffn_down", block.mlp.c_proj)
    put("output_norm", model.ln_f)
    if arch == "gptneox":
        out["output.weight"] = model.wte.weight
    return {name: t.detach().float().contiguous() for name, t in out.items()}


def encoded(tensor: torch.Tensor, kind: str):
    """(array, ggml type) for one tensor in the requested file type."""
    import gguf

    array = tensor.numpy().astype(np.float32)
    if array.ndim == 1 or kind == "f32":
        return array, gguf.GGMLQuantizationType.F32
    if kind == "q8_0" and array.shape[-1] % 32 == 0:
        return gguf.quants.quantize(array, gguf.GGMLQuantizationType.Q8_0), gguf.GGMLQuantizationType.Q8_0
    return array.astype(np.float16), gguf.GGMLQuantizationType.F16


def write_hparams(writer, model: GPT, arch: str, kind: str) -> None:
    import gguf

    c = model.config
    writer.add_context_length(c.block_size)
    writer.add_embedding_length(c.n_embd)
    writer.add_feed_forward_length(c.mlp_ratio * c.n_embd)
    writer.add_block_count(c.n_layer)
    writer.add_head_count(c.n_head)
    writer.add_layer_norm_eps(1e-5)  # torch's LayerNorm default, which codeling's blocks use
    if arch == "gptneox":
        writer.add_rope_dimension_count(c.n_embd // c.n_head)  # every channel rotates
        writer.add_rope_freq_base(10000.0)
        writer.add_bool(f"{arch}.use_parallel_residual", False)
    file_type = {"f32": "ALL_F32", "f16": "MOSTLY_F16", "q8_0": "MOSTLY_Q8_0"}[kind]
    writer.add_file_type(int(getattr(gguf.LlamaFileType, file_type)))


def gguf_name(kind: str) -> str:
    return f"model-{kind}.gguf"


def export_gguf(checkpoint, out_dir: str | Path, kind: str = "f16", overwrite: bool = False) -> Path:
    """Write `out_dir/model-<kind>.gguf`, a model card and an Ollama Modelfile; returns the GGUF file's path."""
    try:
        import gguf
    except ImportError:
        raise CodelingError("GGUF export needs the gguf package; install it with pip install -e '.[gguf]'.") from None
    if kind not in GGUF_TYPES:
        raise CodelingError(f"Unknown GGUF type {kind!r}; use --gguf-type with one of {', '.join(GGUF_TYPES)}.")
    loaded = loaded_checkpoint(checkpoint)
    out_dir = Path(out_dir)
    rundir.refuse_occupied(out_dir, "files", overwrite)
    mapping = gguf_mapping(loaded.config.model)
    arch = ARCH[mapping.name]
    name = gguf_name(kind)
    with atomic.atomic_directory(out_dir, overwrite=True) as tmp:  # occupied was refused above
        writer = gguf.GGUFWriter(str(tmp / name), arch)
        writer.add_name(out_dir.name)
        write_hparams(writer, loaded.model, arch, kind)
        vocab = write_vocab(writer, loaded.tokenizer)
        for tensor_name, tensor in llama_tensors(loaded.model, arch).items():
            array, ggml_type = encoded(tensor, kind)
            writer.add_tensor(tensor_name, array, raw_dtype=ggml_type)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        bos = loaded.tokenizer.bos_id
        prefix = vocab.tokens[bos] if vocab.model == "rwkv" and bos is not None else ""
        target = Target("gguf", mapping, gguf_file=name, tokenizer_note=vocab.note, prompt_prefix=prefix)
        (tmp / "README.md").write_text(model_card(loaded, target, out_dir.name))
        (tmp / "Modelfile").write_text(modelfile(target))
    return out_dir / name
