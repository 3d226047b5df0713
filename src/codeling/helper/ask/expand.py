"""A question in a child's words, widened with the words pygame's own corpus uses for the same
thing: the API names that pygame's documents and examples write beside a plain word (a doc's
one-line description of each function, an example's comments and the names its code calls), and
the small table of children's words in helper/ask/childwords.py.

The corpus's pairs are built with the retrieval index (helper/ask/retrieve.py keeps them in the same
SQLite file, table `vocab`): for each chunk, every plain word of its descriptions next to every API
name in it. A word the corpus already uses often needs no help; a rare one borrows the names it is
seen with most.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

from codeling.errors import CodelingError
from codeling.helper.ask.childwords import CHILD_WORDS

MODES = ("none", "corpus", "table", "both")
PER_WORD = 2  # API names a word borrows from the corpus
RARE = 12  # a word in at most this many chunks is rare enough to widen
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_CALLED = re.compile(r"\.([a-z_][a-z0-9_]{2,})\s*\(|\b([A-Z][A-Z0-9_]{2,})\b")
_SUMMARY = re.compile(r":sl:`([^`]*)`")
_COMMENT = re.compile(r"#\s*(.+)$|\"\"\"(.+?)\"\"\"", re.MULTILINE | re.DOTALL)


def stem(word: str) -> str:
    """Plain English endings off (spinning -> spin, spins -> spin), as the table and the pairs store words."""
    word = word.lower()
    for ending in ("ing", "ed", "es", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            word = word[: -len(ending)]
            if ending == "ing" and len(word) > 3 and word[-1] == word[-2]:
                word = word[:-1]  # spinning -> spinn -> spin
            break
    return word


def pairs(body: str, title: str, is_python: bool) -> Iterator[tuple[str, str]]:
    """(plain word, API name) pairs of one chunk, each once."""
    if is_python:
        described = " ".join(a or b for a, b in _COMMENT.findall(body))
        names = {a or b for a, b in _CALLED.findall(body)}
    else:  # a documented function: its one-line description (its paragraphs add more noise than words)
        described = " ".join(_SUMMARY.findall(body))
        names = {title.split(".")[-1]} if re.fullmatch(r"[\w.]+", title) else set()
    words = {stem(w) for w in _WORD.findall(described) if len(w) > 2} - {stem(n) for n in names}
    for word in sorted(words):
        for name in sorted(names):
            yield word, name.lower()


def corpus_terms(db: sqlite3.Connection, word: str) -> list[str]:
    """The API names the corpus writes most beside `word`, when `word` itself is rare there."""
    seen = db.execute("SELECT count(*) FROM chunks WHERE chunks MATCH ?", (f'"{word}"',)).fetchone()[0]
    if seen > RARE:
        return []
    rows = db.execute(
        "SELECT v.name, count(*) * 1.0 / (SELECT count(*) FROM vocab w WHERE w.name = v.name) AS strength "
        "FROM vocab v WHERE v.word = ? GROUP BY v.name ORDER BY strength DESC, v.name LIMIT ?",
        (stem(word), PER_WORD),
    ).fetchall()
    return [name for name, _ in rows]


def table_terms(word: str) -> list[str]:
    return list(CHILD_WORDS.get(stem(word), CHILD_WORDS.get(word.lower(), ())))


def expanded(db: sqlite3.Connection, words: list[str], mode: str = "both") -> list[str]:
    """The phrases to search for: the question's own words, then what they borrow (no repeats); an
    API name is a phrase of its parts (set_alpha -> "set alpha"), as the index splits it."""
    if mode not in MODES:
        raise CodelingError(f"unknown expansion {mode!r}; choose one of {', '.join(MODES)}.")
    extra: list[str] = []
    for word in words:
        if mode in ("table", "both"):
            extra += table_terms(word)
        if mode in ("corpus", "both"):
            extra += corpus_terms(db, word)
    return list(dict.fromkeys(words + [" ".join(p for p in e.split("_") if p) for e in extra]))
