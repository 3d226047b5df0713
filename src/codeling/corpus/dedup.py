"""Duplicate removal at three strengths: the same bytes, the same code once comments and whitespace
are gone, and nearly the same code (MinHash with locality-sensitive hashing, from `datasketch`).

Whatever comes first in the corpus's fixed order is kept; later copies are reported as duplicates
of it, so a build is deterministic.
"""

from __future__ import annotations

import re
import zlib

import numpy as np

from codeling.digest import sha256_text
from codeling.errors import CodelingError

# On a line holding a '#': a string literal (kept) or a comment (dropped); strings match first so
# a '#' inside one survives. Lines are taken one at a time because most hold no '#' and cost
# nothing; a '#' inside a multi-line string may be cut, which is harmless here since every copy of a
# file is cut alike.
_STRING_OR_COMMENT = re.compile(r"""("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')|#.*""")
MINHASH_SEED = 1
MINHASH_SCHEME = "affine32"  # datasketch >= 2.0; fixed so signatures stay comparable across versions


def normalized_lines(text: str) -> list[str]:
    """The code's non-empty lines with comments and all whitespace removed."""
    lines = []
    for line in text.split("\n"):
        if "#" in line:
            line = _STRING_OR_COMMENT.sub(lambda m: m.group(1) or "", line)
        line = "".join(line.split())
        if line:
            lines.append(line)
    return lines


def normalized_hash(lines: list[str]) -> str:
    return sha256_text("\n".join(lines))


def _datasketch():
    try:
        import datasketch
    except ImportError:
        raise CodelingError(
            "Near-duplicate removal needs datasketch; install it with `pip install datasketch` or pass --no-near-dedup."
        ) from None
    return datasketch


_PERMUTATIONS: dict[int, object] = {}


def minhash_signature(lines: list[str], num_perm: int = 128) -> np.ndarray:
    """MinHash over pairs of consecutive normalised lines: an edit touches two shingles, a reordered
    block a few, so files that share most of their code score a high Jaccard similarity."""
    datasketch = _datasketch()
    shingles = {f"{a}\n{b}".encode() for a, b in zip(lines, lines[1:])} or {line.encode("utf-8") for line in lines}
    if num_perm not in _PERMUTATIONS:  # drawing the permutations costs more than hashing a small file
        _PERMUTATIONS[num_perm] = datasketch.MinHash(num_perm, seed=MINHASH_SEED, scheme=MINHASH_SCHEME).permutations
    # crc32 rather than the default sha1: deterministic, in C, and plenty for 32-bit MinHash.
    minhash = datasketch.MinHash(
        num_perm, seed=MINHASH_SEED, hashfunc=zlib.crc32, permutations=_PERMUTATIONS[num_perm], scheme=MINHASH_SCHEME
    )
    minhash.update_batch(sorted(shingles))
    return minhash.hashvalues


class Deduplicator:
    """Remembers what has been kept and says whether the next document repeats any of it."""

    def __init__(self, near_threshold: float | None = 0.85, num_perm: int = 128):
        self.exact: dict[str, str] = {}
        self.normalized: dict[str, str] = {}
        self.near_threshold = near_threshold
        self.num_perm = num_perm
        self.lsh = None
        if near_threshold is not None:
            datasketch = _datasketch()
            if not 0.0 < near_threshold < 1.0:
                raise CodelingError(
                    f"Near-duplicate threshold {near_threshold} must lie between 0 and 1 (0.85 is usual)."
                )
            self.lsh = datasketch.MinHashLSH(threshold=near_threshold, num_perm=num_perm)
            self._lean = datasketch.LeanMinHash

    def check(
        self, name: str, sha256: str, normalized: str, signature: np.ndarray | None
    ) -> tuple[str | None, str | None]:
        """(reason, name of the document repeated) for a duplicate; (None, None) records a new one."""
        if sha256 in self.exact:
            return "exact_duplicate", self.exact[sha256]
        if normalized in self.normalized:
            return "normalized_duplicate", self.normalized[normalized]
        minhash = None
        if self.lsh is not None and signature is not None:
            minhash = self._lean(seed=MINHASH_SEED, hashvalues=signature, scheme=MINHASH_SCHEME)
            matches = self.lsh.query(minhash)
            if matches:
                return "near_duplicate", min(matches)
        self.exact[sha256] = name
        self.normalized[normalized] = name
        if minhash is not None:
            self.lsh.insert(name, minhash)
        return None, None
