"""The TinyPy vocabulary: one token per keyword, operator, variable, digit, marker, plus BOS/EOS/PAD.

Text is cut by greedy longest match over a fixed vocabulary (`print` before `p`, `<=` before `<`,
four spaces before one), so decoding is plain concatenation and every encodable text round-trips
exactly. Digits are single tokens, so `255` is three and a float is digits, `.` and digits.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Sequence

from codeling.errors import CodelingError
from codeling.tokenizers.base import Tokenizer, word_level_hf

SPECIALS = ("<pad>", "<bos>", "<eos>")
MAX_SPACE_RUN = 8
KEYWORDS = ("if", "elif", "else", "for", "in", "range", "while", "print", "and", "or", "not")
MARKERS = ("# output", "# code", "# level: ", "#STEP", "# ", "#", "@^", "@", "$", "?", ";", "|", "&", "^")
OPERATORS = ("<=", ">=", "!=", "==", "<", ">", "=", "+", "-", "*", "/", "(", ")", ":", ",", ".")
WHITESPACE = ("\n", "\t") + tuple(" " * n for n in range(1, MAX_SPACE_RUN + 1))
# Added later (floor division, modulo, comparisons printed as values): appended at the end so that
# every earlier token keeps its id and older checkpoints still read their data.
LATER = ("//", "%", "True", "False")


def default_vocabulary() -> list[str]:
    letters = tuple(string.ascii_lowercase)
    digits = tuple(string.digits)
    return list(SPECIALS + KEYWORDS + MARKERS + OPERATORS + WHITESPACE + letters + digits + LATER)


class TinyPyTokenizer(Tokenizer):
    kind = "tinypy"  # what its file says it is (tokenizers/loading.py reads it back by this)

    def __init__(self, vocabulary: Sequence[str] | None = None):
        self.tokens = list(vocabulary or default_vocabulary())
        if len(set(self.tokens)) != len(self.tokens):
            raise CodelingError("The TinyPy vocabulary lists a token twice; fix the tokenizer file.")
        self.index = {token: i for i, token in enumerate(self.tokens)}
        self.pad_id, self.bos_id, self.eos_id = (self.index[s] for s in SPECIALS)
        # Longest alternatives first: Python's re takes the first alternative that matches.
        text_tokens = sorted((t for t in self.tokens if t not in SPECIALS), key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(t) for t in text_tokens) + r"|(?P<unknown>.)", re.DOTALL)

    @property
    def vocab_size(self) -> int:
        return len(self.tokens)

    def encode(self, text: str) -> list[int]:
        index = self.index
        ids = []
        for match in self._pattern.finditer(text):
            if match.lastgroup == "unknown":
                self._unknown(text, match.start())
            ids.append(index[match.group()])
        return ids

    @staticmethod
    def _unknown(text: str, pos: int) -> None:
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        raise CodelingError(
            f"Character {text[pos]!r} at line {line}, column {column} is not in the TinyPy vocabulary; "
            "TinyPy text holds lowercase letters, digits, operators and the trace markers only."
        )

    def decode(self, ids: Sequence[int]) -> str:
        specials = {self.pad_id, self.bos_id, self.eos_id}
        return "".join(self.tokens[i] for i in ids if i not in specials)

    def to_hf(self):
        # The same longest-first alternation as self._pattern; Oniguruma also takes the first
        # alternative that matches, so the cuts agree.
        text_tokens = sorted((t for t in self.tokens if t not in SPECIALS), key=len, reverse=True)
        hf = word_level_hf(self.tokens, "|".join(re.escape(t) for t in text_tokens))
        hf.add_special_tokens(list(SPECIALS))
        return hf

    def to_json(self) -> str:
        return json.dumps({"codeling_tokenizer": "tinypy", "tokens": self.tokens}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> TinyPyTokenizer:
        return cls(json.loads(text)["tokens"])
