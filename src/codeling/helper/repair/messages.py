"""Repair candidates read from the error itself: Python 3.11+ names the value's type and the
attribute it lacks ("'list' object has no attribute 'add'"), and often a near name ("Did you mean:
'append'?"). A method missing from a built-in type is replaced by each method that type has, the
nearest names first (plausible.py orders them; the sandbox decides)."""

from __future__ import annotations

import difflib
import re

from codeling.helper.explain.explain import Problem
from codeling.helper.repair.families import Proposal
from codeling.helper.repair.logic import Text

_TYPES = {t.__name__: t for t in (list, str, dict, set, tuple, int, float)}
_NO_ATTRIBUTE = re.compile(r"'(\w+)' object has no attribute '(\w+)'")
_DID_YOU_MEAN = re.compile(r"Did you mean:? '(\w+)'")
NEAREST = 4  # methods of the type tried, nearest in spelling first


def proposals(source: str, problem: Problem) -> list[Proposal]:
    m = _NO_ATTRIBUTE.search(problem.message)
    if not m or problem.line is None or m.group(1) not in _TYPES:
        return []
    kind, wrong = m.groups()
    methods = [n for n in dir(_TYPES[kind]) if not n.startswith("_")]
    suggested = _DID_YOU_MEAN.search(problem.message)
    nearest = difflib.get_close_matches(wrong, methods, n=NEAREST, cutoff=0.0)
    names = list(dict.fromkeys(([suggested.group(1)] if suggested else []) + nearest))
    text, out = Text(source), []
    lines = source.splitlines(keepends=True)
    start = text.starts[problem.line - 1]
    line = lines[problem.line - 1]
    for at in (m.start() for m in re.finditer(rf"\.{wrong}\b", line)):
        for name in names:
            new = text.replace(start + at + 1, start + at + 1 + len(wrong), name)
            note = f"Use .{name}() here: a {kind} has no .{wrong}() (line {problem.line})."
            out.append(Proposal("method_of_type", new, note, frozenset({problem.line})))
    return out
