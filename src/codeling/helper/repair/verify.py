"""Offer a fix only when it really works. A candidate is verified when it compiles, runs in the
sandbox without the old error and without a new one (a game still running counts as fine), and
passes the tests or prints the expected output when those are given. Among verified candidates the
smallest change wins; when none verifies, the answer says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from codeling.helper import program, words
from codeling.helper.explain.explain import Explanation, Problem, compile_problem, diagnose, explain, problem_of_run
from codeling.helper.repair import logic, pool, rules, search
from codeling.helper.repair.diffs import change_size, unified_diff
from codeling.helper.repair.rules import Candidate


class Proposer(Protocol):
    """Anything that proposes repairs for a problem: the fixer model (helper/fixer/model.py), or a test's stub."""

    def candidates(self, source: str, problem: Problem) -> list[Candidate]: ...


SYNTAX = ("SyntaxError", "IndentationError", "TabError")
BATCH = 8  # candidates run together; the smallest ones first, so the first batch with a winner ends the search


@dataclass(frozen=True)
class Check:
    """What a fixed program must do beyond running without an error."""

    stdin: str = ""
    tests: str | None = None
    expect: str | None = None

    @property
    def judges_logic(self) -> bool:
        return self.tests is not None or self.expect is not None


@dataclass(frozen=True)
class Fix:
    explanation: Explanation  # of the original program's problem
    fixed: str | None  # the verified program, or None
    diff: str  # unified diff from the original to `fixed`, "" when none
    note: str  # one sentence: what the fix does, or why there is none
    rule: str | None = None
    tried: int = 0  # candidates run in the sandbox
    seconds: float = 0.0
    rejected: list[str] = field(default_factory=list)  # rules whose candidates did not verify

    def to_dict(self) -> dict:
        return {
            "explanation": self.explanation.to_dict(),
            "fixed": self.fixed,
            "diff": self.diff,
            "note": self.note,
            "rule": self.rule,
            "tried": self.tried,
            "seconds": round(self.seconds, 3),
        }


def first_verified(
    original: str, found: list[Candidate], check: Check, mode: str
) -> tuple[Candidate | None, int, list[Candidate]]:
    """The smallest candidate that verifies, how many ran, and those that ran without an error but
    failed the tests or the expected output (a base for a logic fix)."""
    compiling = [c for c in found if compile_problem(c.source) is None]
    compiling.sort(key=lambda c: change_size(original, c.source))
    tried, clean = 0, []
    for start in range(0, len(compiling), BATCH):
        batch = compiling[start : start + BATCH]
        runs = program.run_many([c.source for c in batch], check.stdin, check.tests, mode)
        tried += len(batch)
        for c, run in zip(batch, runs):
            problem = problem_of_run(run, c.source, check.tests, check.expect)
            if problem.fine:
                return c, tried, clean
            if problem.kind in ("test_failed", "wrong_output"):
                clean.append(c)
    return None, tried, clean


def fix_program(
    source: str,
    check: Check | None = None,
    mode: str = "bwrap",
    name: str = "program.py",
    model: Proposer | str | Path | None = None,
    ranker: search.Ranker | str | Path | None = None,
    use_search: bool = True,
    budget_s: float = search.BUDGET_S,
) -> Fix:
    """Explain what is wrong with `source` and find the smallest verified fix: the rules' candidates
    and the fixer model's (when `model`, a Fixer or a checkpoint path, is given) together, then (with
    tests or an expected output) small logic edits, on the original or on a fix that removed the
    error but still gives a wrong answer; then the rules step by step; and last the repair search
    (helper/repair/search.py: the edit grammar, within `budget_s`, its ties ordered by `ranker`, a code
    model or its checkpoint path, when given)."""
    check = check or Check()
    if isinstance(model, (str, Path)):
        from codeling.helper.fixer.model import Fixer  # torch and the model load only when asked for

        model = Fixer.load(model)
    if isinstance(ranker, (str, Path)):
        from codeling.helper.repair.naturalness import Naturalness  # torch loads only when asked for

        ranker = Naturalness.load(ranker)
    started = time.monotonic()
    problem, run = diagnose(source, check.stdin, check.tests, check.expect, mode)
    explanation = explain(source, problem, run, check.tests)
    if problem.fine:
        return Fix(explanation, None, "", words.NOTHING_TO_FIX, seconds=time.monotonic() - started)
    found = rules.candidates(source, problem) + chained_candidates(source, problem)
    if model is not None:
        found += model.candidates(source, problem)
    best, tried, clean = first_verified(source, found, check, mode)
    if best is None and check.judges_logic:
        bases = [source] if _runs_clean(problem) else [c.source for c in clean[:1]]
        for base in bases:
            best, more, _ = first_verified(source, logic.candidates(base), check, mode)
            tried += more
            if best is not None:
                break
    if best is None:
        best, more = step_by_step(source, problem, check, mode)
        tried += more
    out_of_time = False
    judge = search.sandbox_judge(check, mode)
    if best is None and use_search and problem.exception not in SYNTAX:
        # The families first: for a program that runs (or stops on the clock) they hold the changes a
        # child's meaning needs (a loop's progress step), where the grammar's first fit only silences
        # the error (a while made an if). Half the budget, so the grammar keeps its turn.
        left = max(0.0, budget_s - (time.monotonic() - started)) / 2
        best, more, out_of_time = pool.search(source, problem, judge, check.judges_logic, ranker, left)
        tried += more
    if best is None and use_search:
        left = max(0.0, budget_s - (time.monotonic() - started))
        searched = search.search(source, problem, judge, check.judges_logic, ranker, left)
        best, tried, out_of_time = searched.candidate, tried + searched.tried, searched.out_of_time
    seconds = time.monotonic() - started
    if best is None:
        note = words.OUT_OF_TIME if out_of_time else words.NO_FIX
        return Fix(explanation, None, "", note, None, tried, seconds, sorted({c.rule for c in found}))
    return Fix(explanation, best.source, unified_diff(source, best.source, name), best.note, best.rule, tried, seconds)


def chained_candidates(source: str, problem: Problem, depth: int = 3) -> list[Candidate]:
    """For a program with more than one syntax mistake: repair the first, and if the next mistake is
    further down, repair that one too (greedily, the smallest repair each time)."""
    out: list[Candidate] = []
    current, notes = source, []
    while depth and problem.exception in ("SyntaxError", "IndentationError", "TabError"):
        depth -= 1
        ahead = []
        for c in rules.candidates(current, problem):
            after = compile_problem(c.source)
            if after is None or (after.line or 0) > (problem.line or 0):
                ahead.append((change_size(current, c.source), c, after))
        if not ahead:
            break
        _, step, problem = min(ahead, key=lambda t: t[0])
        current, notes = step.source, notes + [step.note]
        if len(notes) > 1:
            out.append(Candidate("several", current, " ".join(notes)))
        if problem is None:
            break
    return out


def step_by_step(
    source: str, problem: Problem, check: Check, mode: str, depth: int = 4
) -> tuple[Candidate | None, int]:
    """For a program whose mistakes show one at a time (a missing colon hides a misspelled print,
    which hides text joined to a number): repair the first, run it, and go on while each repair gets
    further through the program; the result counts only if the last step verifies."""
    current, notes, tried = source, [], 0
    for _ in range(depth):
        proposed = rules.candidates(current, problem) + chained_candidates(current, problem)
        found = [c for c in proposed if compile_problem(c.source) is None]  # only what compiles is run
        found.sort(key=lambda c: change_size(current, c.source))
        further = None
        runs = program.run_many([c.source for c in found[:BATCH]], check.stdin, check.tests, mode) if found else []
        tried += len(runs)
        for c, run in zip(found, runs):
            after = problem_of_run(run, c.source, check.tests, check.expect)
            if after.fine:
                return Candidate("several", c.source, " ".join([*notes, c.note])), tried
            if _further(after, problem):
                further = (c, after)
                break
        if further is None:
            return None, tried
        (step, problem), current = further, further[0].source
        notes.append(step.note)
    return None, tried


def _further(after: Problem, before: Problem) -> bool:
    """A repair got further when the next mistake is later in the program, or another one on the same line."""
    later = (after.line or 0) > (before.line or 0)
    return later or ((after.line or 0) == (before.line or 0) and after.exception != before.exception)


def _runs_clean(problem: Problem) -> bool:
    return problem.kind in ("test_failed", "wrong_output")
