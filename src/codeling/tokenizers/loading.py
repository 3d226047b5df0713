"""Loading any tokenizer from its one JSON file.

The kinds are listed here, by import, rather than registered by the classes as they are imported:
the base module then imports no tokenizer and no tokenizer imports this, so there is no import
circle (base -> bpe -> base) and no kind that is known only after some other import ran.
"""

from __future__ import annotations

import json
from pathlib import Path

from codeling.errors import CodelingError
from codeling.tokenizers.base import Tokenizer
from codeling.tokenizers.bpe import BPETokenizer
from codeling.tokenizers.char import CharTokenizer
from codeling.tokenizers.tinypy import TinyPyTokenizer

KINDS: dict[str, type[Tokenizer]] = {cls.kind: cls for cls in (BPETokenizer, CharTokenizer, TinyPyTokenizer)}


def load_tokenizer(path: str | Path) -> Tokenizer:
    path = Path(path)
    if not path.is_file():
        raise CodelingError(
            f"Tokenizer file {path} does not exist; pass the tokenizer.json of your data or checkpoint."
        )
    text = path.read_text(encoding="utf-8")
    return tokenizer_from_json(text, source=str(path))


def tokenizer_from_json(text: str, source: str = "tokenizer JSON") -> Tokenizer:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise CodelingError(
            f"{source} is not valid JSON ({e.msg} at line {e.lineno}); pass a tokenizer.json file."
        ) from None
    kind = data.get("codeling_tokenizer") if isinstance(data, dict) else None
    if kind is None:
        return BPETokenizer.from_json(text)  # a Hugging Face tokenizer file
    if kind not in KINDS:
        raise CodelingError(f"{source} names tokenizer kind {kind!r}; known kinds are {sorted(KINDS)}.")
    return KINDS[kind].from_json(text)
