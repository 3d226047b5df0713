"""Which candidate to try first, when several may pass. With an expected output or tests the
sandbox picks the right one, and the order only decides how soon; when the only check is "runs
without the error", the first candidate that runs is shown, so the order is the answer.

A candidate's plausibility, most important first:

1. what the error names. Python says which operation failed ("'NoneType' object is not
   subscriptable", "list indices must be integers", "missing 1 required positional argument:
   'self'"); the families that change that operation come first. A loop stopped by the clock wants
   its progress step before a test turned round or a `while` made an `if` (which also stops it, and
   no longer loops).
2. how natural the program is to a code model trained on Python, when one is given (--rank).
3. how small the change is (characters), then the families' order.
"""

from __future__ import annotations

import re

from codeling.helper.explain.explain import Problem
from codeling.helper.repair.diffs import change_size
from codeling.helper.repair.families import Proposal

# (pattern on "Exception: message" or the problem's kind, the families it names, best first)
NAMED: list[tuple[re.Pattern, tuple[str, ...]]] = [
    (re.compile(r"^infinite_loop$"), ("progress", "after_loop", "order")),
    (re.compile(r"NoneType"), ("result_dropped", "result_kept")),
    (re.compile(r"indices must be integers"), ("item_as_index",)),
    (re.compile(r"missing \d+ required positional argument: 'self'"), ("make_object",)),
    (re.compile(r"values to unpack"), ("loop_items",)),
    (re.compile(r"^AttributeError"), ("method_of_type", "method_owner", "make_object")),
    (re.compile(r"^NameError"), ("after_definition",)),
    (
        re.compile(r"^TypeError: (can only concatenate|unsupported operand|can't multiply|.* must be)"),
        ("arguments_swapped",),
    ),
]
# Without an error to name a family (a wrong output): the small families first, the big ones
# (every operator, every constant) last, so a typical fix is found in the first batches.
LAST = ("operator", "constant", "not_added", "not_removed", "order")


def named(problem: Problem) -> tuple[str, ...]:
    said = problem.kind if problem.exception is None else f"{problem.exception}: {problem.message}"
    for pattern, families in NAMED:
        if pattern.search(said) or pattern.search(problem.kind):
            return families
    return ()


def order(
    source: str, found: list[Proposal], problem: Problem, scores: dict[str, float] | None = None
) -> list[Proposal]:
    """`found` most plausible first; `scores`: a code model's log-probability of each candidate's
    program, when one is at hand."""
    first = named(problem)

    def key(p: Proposal):
        tier = first.index(p.family) if p.family in first else len(first) + (p.family in LAST)
        natural = -(scores or {}).get(p.source, 0.0)
        return (tier, natural, change_size(source, p.source)[1])

    return sorted(found, key=key)
