"""Character-level tokenizer: one token per distinct character of the training text (nanoGPT's
shakespeare_char path), plus a comparison baseline for the TinyPy and code tokenizers."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from codeling.errors import CodelingError
from codeling.tokenizers.base import Tokenizer, word_level_hf


class CharTokenizer(Tokenizer):
    kind = "char"  # what its file says it is (tokenizers/loading.py reads it back by this)

    def __init__(self, chars: Sequence[str]):
        self.chars = list(chars)
        self.index = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def fit(cls, texts: Iterable[str]) -> CharTokenizer:
        seen: set[str] = set()
        for text in texts:
            seen.update(text)
        return cls(sorted(seen))

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        try:
            return [self.index[c] for c in text]
        except KeyError:
            for pos, c in enumerate(text):
                if c not in self.index:
                    line = text.count("\n", 0, pos) + 1
                    raise CodelingError(
                        f"Character {c!r} at line {line} is not in this character vocabulary; "
                        "rebuild the tokenizer from text that contains it."
                    ) from None
            raise

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(self.chars[i] for i in ids)

    def to_hf(self):
        return word_level_hf(self.chars, r"[\s\S]")  # every character alone, newlines included

    def to_json(self) -> str:
        return json.dumps({"codeling_tokenizer": "char", "chars": self.chars}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> CharTokenizer:
        return cls(json.loads(text)["chars"])
