"""How big a change looks to a learner, and the diff they are shown."""

from __future__ import annotations

import difflib


def change_size(old: str, new: str) -> tuple[int, int]:
    """(lines changed, characters changed): how big a fix looks to the learner."""
    lines = sum(1 for d in difflib.ndiff(old.splitlines(), new.splitlines()) if d[:1] in "+-")
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    chars = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")
    return lines, chars


def unified_diff(old: str, new: str, name: str = "program.py") -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{name}", f"b/{name}", n=1
        )
    )
