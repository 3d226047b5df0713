"""Which documents are Python worth learning from: decoded as UTF-8, not binary, within size and
line-length limits, and accepted by Python's own parser. Runs in worker processes, so everything here
is a pure function of a RawDocument and FilterSettings.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np

from codeling.corpus.dedup import minhash_signature, normalized_hash, normalized_lines
from codeling.corpus.ingest import RawDocument
from codeling.digest import sha256_text

LICENCE_WORDS = re.compile(
    r"licen[sc]e|copyright|spdx-license-identifier|permission is hereby granted|all rights reserved", re.IGNORECASE
)


@dataclass(frozen=True)
class FilterSettings:
    max_bytes: int = 500_000
    max_line_length: int = 1000
    strip_licences: bool = False
    near_duplicates: bool = True
    num_perm: int = 128


@dataclass
class Examined:
    """A document after the filters: `reason` names why it was rejected, or is None if it is kept."""

    source: str
    path: str
    reason: str | None
    text: str = ""
    sha256: str = ""
    normalized: str = ""
    signature: np.ndarray | None = None


def strip_licence_header(text: str) -> str:
    """Drop a leading comment block that is a licence or copyright notice, keeping a shebang and an
    encoding line. Only comment headers are touched; a licence in a docstring stays."""
    lines = text.split("\n")
    keep = 0
    while keep < len(lines) and keep < 2 and (lines[keep].startswith("#!") or re.match(r"#.*coding[:=]", lines[keep])):
        keep += 1
    end = keep
    while end < len(lines) and (lines[end].startswith("#") or not lines[end].strip()):
        end += 1
    if not LICENCE_WORDS.search("\n".join(lines[keep:end])):
        return text
    return "\n".join(lines[:keep] + lines[end:])


def _parses(text: str, path: str) -> bool:
    # compile() runs the same parser as ast.parse, about twice as fast because it never builds
    # Python AST objects, and also rejects what no module may hold ('return' outside a function).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings (invalid escapes) are not ours to print
        try:
            compile(text, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            return False
    return True


def _decode(doc: RawDocument) -> tuple[str | None, str | None]:
    data = doc.data
    if isinstance(data, bytes):
        if b"\0" in data:
            return None, "binary"
        try:
            return data.decode("utf-8-sig"), None
        except UnicodeDecodeError:
            return None, "not_utf8"
    try:
        data.encode("utf-8")  # a lone surrogate comes from an undecodable CSV cell or JSON escape
    except UnicodeEncodeError:
        return None, "not_utf8"
    return (None, "binary") if "\0" in data else (data, None)


def examine(doc: RawDocument, settings: FilterSettings) -> Examined:
    if doc.problem is not None:
        return Examined(doc.source, doc.path, doc.problem)
    text, reason = _decode(doc)
    if reason is not None:
        return Examined(doc.source, doc.path, reason)
    # Python reads source in universal-newline mode, so this changes no program's meaning.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if settings.strip_licences:
        text = strip_licence_header(text)
    if not text.strip():
        reason = "empty"
    elif len(text.encode("utf-8")) > settings.max_bytes:
        reason = "too_large"
    elif max(map(len, text.split("\n"))) > settings.max_line_length:
        reason = "long_lines"
    elif not _parses(text, doc.path):
        reason = "syntax_error"
    if reason is not None:
        return Examined(doc.source, doc.path, reason)
    lines = normalized_lines(text)
    signature = minhash_signature(lines, settings.num_perm) if settings.near_duplicates else None
    sha = sha256_text(text)
    return Examined(doc.source, doc.path, None, text, sha, normalized_hash(lines), signature)


def examine_many(docs: list[RawDocument], settings: FilterSettings) -> list[Examined]:
    return [examine(doc, settings) for doc in docs]
