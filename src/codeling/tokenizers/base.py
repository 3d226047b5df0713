"""The interface every codeling tokenizer implements (loading one from its file: tokenizers/loading.py).

A tokenizer lives in a single JSON file. codeling's own tokenizers (char, tinypy) write
{"codeling_tokenizer": KIND, ...}; anything else is read as a Hugging Face `tokenizers` file, so a
`tokenizer.json` a user brings (GPT-2's, say) loads with no network.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

from codeling.digest import sha256_text


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
