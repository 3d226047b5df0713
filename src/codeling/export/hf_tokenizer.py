"""The tokenizer files of a transformers export: tokenizer.json and tokenizer_config.json.

The tokenizer converts itself (`Tokenizer.to_hf`): BPE tokenizers are already in that format;
codeling's char and TinyPy tokenizers are rebuilt as a WordLevel model behind a Split pre-tokenizer
that cuts text the same way, so the ids are the same. Where codeling starts every sequence with a BOS
token, the post-processor puts it first too, so `tokenizer(prompt)`, `model.generate` and
`pipeline("text-generation")` see what `codeling generate` feeds the model.
"""

from __future__ import annotations

import json
from pathlib import Path

from tokenizers import Tokenizer as HFTokenizer
from tokenizers import processors

from codeling import rundir
from codeling.tokenizers import Tokenizer


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


def tokenizer_config(tokenizer: Tokenizer, hf: HFTokenizer, block_size: int) -> dict:
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


def write_tokenizer(folder: Path, tokenizer: Tokenizer, block_size: int) -> None:
    hf = tokenizer.to_hf()
    add_bos(hf, tokenizer)
    hf.save(str(folder / rundir.TOKENIZER))
    config = tokenizer_config(tokenizer, hf, block_size)
    (folder / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
