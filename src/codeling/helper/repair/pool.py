"""The families' search (helper/repair/families.py, messages.py): every candidate near where the
error points (or anywhere, when an output or tests judge it), compiled here first, then run in the
sandbox in batches, most plausible first (plausible.py), until one passes the check or the time is
up. Nothing unverified is returned."""

from __future__ import annotations

import time
from collections.abc import Callable

from codeling.helper.explain.explain import Problem, compile_problem
from codeling.helper.repair import families, messages, plausible
from codeling.helper.repair.edits import Program
from codeling.helper.repair.rules import Candidate
from codeling.helper.repair.search import Ranker, Run, sites

MAX_RUNS = 240  # candidates run at most: the families of a child's program are a few hundred
RANKED = 64  # candidates a code model scores, when one is given


def search(
    source: str,
    problem: Problem,
    judge: Callable[[list[str]], list[Problem]],
    whole: bool = False,
    ranker: Ranker | None = None,
    budget_s: float = 4.0,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[Candidate | None, int, bool]:
    """(the first verified candidate, how many ran, whether the time ran out)."""
    deadline = clock() + budget_s
    lines = None if whole or problem.line is None else set(sites(Program(source), problem, False))
    found = messages.proposals(source, problem) + families.proposals(source, lines)
    if not whole:
        # Only "runs without the error" can be checked: an operator, a constant or a test turned
        # round that happens to run is a different program, not the child's (the grammar's edits,
        # tried next, are closer to what was typed). With an output or tests to judge, they stay.
        found = [p for p in found if p.family not in plausible.LAST]
    found = [p for p in found if compile_problem(p.source) is None]
    scores = None
    if ranker is not None and found:
        head = plausible.order(source, found, problem)[:RANKED]
        scores = dict(zip((p.source for p in head), ranker.logprobs([p.source for p in head])))
    ordered = plausible.order(source, found, problem, scores)[:MAX_RUNS]
    run = Run(judge, deadline, clock)
    found = run.first_fine(ordered)
    if found is None:
        return None, run.tried, run.out_of_time
    return Candidate(found.family, found.source, found.note), run.tried, False
