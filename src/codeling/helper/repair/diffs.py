"""How big a change looks to a learner, and the diff they are shown."""

from __future__ import annotations

import difflib


def _common_ends(a, b) -> tuple[int, int]:
    """How many items a and b share at their start, and then at their end."""
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    return start, end


def _middles(a, b):
    start, end = _common_ends(a, b)
    return a[start : len(a) - end], b[start : len(b) - end]


def change_size(old: str, new: str) -> tuple[int, int]:
    """(lines changed, characters changed): how big a fix looks to the learner.

    Only the part between the longest common start and end is compared: a fix changes a few lines,
    and ndiff and SequenceMatcher on the whole of a long program of near-identical lines take
    minutes (a file of 1,000 `if x = 1:` blocks took over two)."""
    lines = sum(1 for d in difflib.ndiff(*_middles(old.splitlines(), new.splitlines())) if d[:1] in "+-")
    old, new = _middles(old, new)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    chars = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")
    return lines, chars


def unified_diff(old: str, new: str, name: str = "program.py") -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{name}", f"b/{name}", n=1
        )
    )
