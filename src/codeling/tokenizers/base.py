"""The interface every codeling tokenizer implements, and loading any of them from one file.

A tokenizer lives in a single JSON file. codeling's own tokenizers (char, tinypy) write
{"codeling_tokenizer": KIND, ...}; anything else is read as a Hugging Face `tokenizers` file, so a
`tokenizer.json` a user brings (GPT-2's, say) loads with no network.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

from codeling.digest import sha256_text
from codeling.errors import CodelingError


class Tokenizer(ABC):
    kind: str = "abstract"

    @property
    @abstractmethod
    def vocab_size(self) -> int: ...

    @abstractmethod
    def encode(self, text: str) -> list[int]: ...

    @abstractmethod
    def decode(self, ids: Sequence[int]) -> str: ...

    @abstractmethod
    def to_json(self) -> str:
        """The whole tokenizer as JSON text; `save` writes exactly this."""

    @abstractmethod
    def to_hf(self):
        """A Hugging Face `tokenizers.Tokenizer` giving the same ids on any text this one encodes
        (what export writes, so transformers users tokenize as codeling does)."""

    # Special tokens: None where a tokenizer has no such token.
    bos_id: int | None = None
    eos_id: int | None = None
    pad_id: int | None = None

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    def identity(self) -> dict:
        """What shards and checkpoints record so that a mismatch can be caught."""
        digest = sha256_text(self.to_json())
        return {"kind": self.kind, "vocab_size": self.vocab_size, "sha256": digest}


def word_level_hf(vocabulary: Sequence[str], split_pattern: str):
    """A `tokenizers` WordLevel model over `vocabulary` behind a Split pre-tokenizer that cuts text
    with `split_pattern`; decoding is concatenation, as for codeling's own tokenizers."""
    from tokenizers import Regex, decoders, models, pre_tokenizers
    from tokenizers import Tokenizer as HFTokenizer

    # No unknown token: like codeling's tokenizers, encoding a character outside the vocabulary fails.
    hf = HFTokenizer(models.WordLevel({token: i for i, token in enumerate(vocabulary)}, unk_token=None))
    hf.pre_tokenizer = pre_tokenizers.Split(Regex(split_pattern), behavior="isolated")
    hf.decoder = decoders.Fuse()
    return hf


_REGISTRY: dict[str, type] = {}


def register(kind: str):
    """Class decorator: make `load_tokenizer` know a codeling tokenizer kind."""

    def wrap(cls):
        cls.kind = kind
        _REGISTRY[kind] = cls
        return cls

    return wrap


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
        from codeling.tokenizers.bpe import BPETokenizer  # Hugging Face format

        return BPETokenizer.from_json(text)
    if kind not in _REGISTRY:
        # Importing the package registers every built-in kind.
        import codeling.tokenizers  # noqa: F401
    if kind not in _REGISTRY:
        raise CodelingError(f"{source} names tokenizer kind {kind!r}; known kinds are {sorted(_REGISTRY)}.")
    return _REGISTRY[kind].from_json(text)
