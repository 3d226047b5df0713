"""The tokenizer inside a GGUF file, so llama.cpp (and Ollama) tokenize as codeling does.

llama.cpp ships a fixed set of tokenizer algorithms; each codeling tokenizer goes to one that gives
the same ids:
  - bpe: llama.cpp's `gpt2` byte-level BPE (vocabulary, merges, the `gpt-2` pre-tokenizer regex).
    codeling's indent rule (a newline and the indentation after it cut off first; the default of
    `codeling tokenizer train`) has no pre-tokenizer in llama.cpp, so such a tokenizer is carried
    with a note: decoding is exact and so is every token id fed in, but llama.cpp cuts a prompt's
    newline-plus-indent differently from codeling.
  - char and tinypy: llama.cpp's `rwkv` tokenizer, a greedy longest match over a fixed vocabulary,
    which is exactly how these two cut text (one character each, or TinyPy's longest-first tokens).
    Its tokens are stored escaped (a backslash starts an escape), so backslashes are doubled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from codeling.errors import CodelingError
from codeling.tokenizers import Tokenizer

INDENT_RULE_NOTE = (
    "This tokenizer uses codeling's indent rule, which llama.cpp cannot express: token ids and decoding "
    "agree exactly, but llama.cpp may cut a prompt's newline-plus-indentation into different tokens, so "
    "pass it token ids from codeling's tokenizer when the exact prompt matters."
)

# llama.cpp's greedy (rwkv) tokenizer adds no BOS when asked to (llama-vocab.cpp), unlike its BPE.
GREEDY_BOS_NOTE = (
    "codeling opens every prompt with {bos}; llama-cpp-python's completion API does so too (it reads "
    "add_bos_token), but llama.cpp's greedy tokenizer never adds it itself, so with llama-cli start the "
    "prompt with the text {bos} (the Modelfile's template does)."
)


@dataclass
class GgufVocab:
    model: str  # llama.cpp's tokenizer.ggml.model
    tokens: list[str]
    types: list[int]  # gguf.TokenType values
    merges: list[str]
    pre: str | None
    note: str | None  # one sentence when llama.cpp will not cut text exactly as codeling does


def _bpe_vocab(tokenizer: Tokenizer, normal: int, control: int) -> GgufVocab:
    spec = json.loads(tokenizer.to_hf().to_str())
    model, pre = spec["model"], spec.get("pre_tokenizer") or {}
    steps = pre.get("pretokenizers", [pre]) if pre.get("type") == "Sequence" else [pre]
    byte_level = [s for s in steps if s.get("type") == "ByteLevel"]
    if model.get("type") != "BPE" or not byte_level or not byte_level[0].get("use_regex", True):
        raise CodelingError(
            "This BPE tokenizer is not GPT-2's byte-level kind, the one BPE llama.cpp can carry for it; "
            "export with --format hf, or train the tokenizer with `codeling tokenizer train`."
        )
    tokens = [None] * tokenizer.vocab_size
    for token, i in model["vocab"].items():
        tokens[i] = token
    special = {t["id"] for t in spec.get("added_tokens", []) if t.get("special")}
    for added in spec.get("added_tokens", []):
        tokens[added["id"]] = added["content"]
    merges = [m if isinstance(m, str) else " ".join(m) for m in model.get("merges", [])]
    types = [control if i in special else normal for i in range(len(tokens))]
    note = INDENT_RULE_NOTE if len(steps) > 1 else None
    return GgufVocab("gpt2", tokens, types, merges, "gpt-2", note)


def _greedy_vocab(tokenizer: Tokenizer, normal: int, control: int) -> GgufVocab:
    tokens = [tokenizer.decode([i]) for i in range(tokenizer.vocab_size)]
    specials = {tokenizer.bos_id, tokenizer.eos_id, tokenizer.pad_id} - {None}
    if "\n" not in tokens:
        raise CodelingError(
            "llama.cpp's greedy tokenizer needs a newline token and this character vocabulary has none; "
            "rebuild the tokenizer from text with line breaks, or export with --format hf."
        )
    names = getattr(tokenizer, "tokens", None)  # TinyPy keeps its special tokens' names
    for i in specials:
        tokens[i] = names[i] if names else tokens[i]
    escaped = [t.replace("\\", "\\\\") for t in tokens]
    types = [control if i in specials else normal for i in range(len(tokens))]
    note = None
    if tokenizer.bos_id is not None:
        note = GREEDY_BOS_NOTE.format(bos=tokens[tokenizer.bos_id])
    return GgufVocab("rwkv", escaped, types, [], None, note)


def gguf_vocab(tokenizer: Tokenizer) -> GgufVocab:
    import gguf

    normal, control = int(gguf.TokenType.NORMAL), int(gguf.TokenType.CONTROL)
    if tokenizer.kind == "bpe":
        return _bpe_vocab(tokenizer, normal, control)
    return _greedy_vocab(tokenizer, normal, control)


def write_vocab(writer, tokenizer: Tokenizer) -> GgufVocab:
    """Add the tokenizer's keys to a gguf.GGUFWriter; returns what was written (its note included)."""
    vocab = gguf_vocab(tokenizer)
    writer.add_tokenizer_model(vocab.model)
    if vocab.pre:
        writer.add_tokenizer_pre(vocab.pre)
    writer.add_token_list(vocab.tokens)
    writer.add_token_types(vocab.types)
    if vocab.merges:
        writer.add_token_merges(vocab.merges)
    for token_id, add in (
        (tokenizer.bos_id, writer.add_bos_token_id),
        (tokenizer.eos_id, writer.add_eos_token_id),
        (tokenizer.pad_id, writer.add_pad_token_id),
    ):
        if token_id is not None:
            add(token_id)
    # codeling's generate opens every prompt with BOS where the tokenizer has one; so does llama.cpp then.
    writer.add_add_bos_token(tokenizer.bos_id is not None)
    writer.add_add_eos_token(False)
    return vocab
