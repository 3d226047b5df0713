"""Repair by search, for the mistakes no rule knows: try the edit grammar's small changes
(helper/repair/edits.py) near where the error points (over the whole program when tests or an expected
output judge it), then pairs of changes, within a time budget.

Cheap checks come first: compile() on the host (it runs nothing) throws out most candidates; only
those that compile go to the sandbox, in batches, the smallest changes first. Among changes of one
size, a code model's log-probability decides the order when one is given (helper/repair/naturalness.py),
else the grammar's own order. The first candidate that runs without an error (and passes the tests
or prints the expected output) is the fix: nothing unverified is ever returned.
"""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from codeling.helper import program, words
from codeling.helper.explain.explain import Problem, compile_problem, problem_of_run
from codeling.helper.repair import edits
from codeling.helper.repair.diffs import change_size
from codeling.helper.repair.edits import Edit, Program
from codeling.helper.repair.rules import Candidate

BUDGET_S = 6.0  # the search's wall clock; a batch already started finishes (a game's batch: its 3 s demo run)
MAX_RUNS = 400  # candidates sent to the sandbox at most (about 10 ms each, warm)
BATCH = 8
PAIR_FIRSTS = 12  # the smallest single edits paired with each other (66 pairs)
SYNTAX_FIRSTS = 40  # for a syntax mistake: first edits that move the error on, each tried with the edits near it
MAX_COMPILES = 20_000  # of programs a few dozen lines long: well under a second


@dataclass(frozen=True)
class Searched:
    candidate: Candidate | None
    edits: tuple[Edit, ...]  # the winner's, () when none
    tried: int  # candidates run in the sandbox
    compiled: int  # candidates compiled on the host
    out_of_time: bool


RANKED = 64  # options the model scores: the smallest ones, where a winner is found
# For a program that compiles (it fails when it runs, or gives a wrong answer) the edits that keep
# its shape come first (one token or name for another, self, global, quote marks, call brackets),
# those that take a token out or wrap a value next, and those that add a token or a line last. For
# a syntax mistake every kind is alike and the smallest change in characters wins.
SHAPE_TIER = dict.fromkeys(("name", "self", "global", "case", "quote", "call", "brackets", "replace"), 0)
SHAPE_TIER |= dict.fromkeys(("delete", "wrap", "keyword"), 1) | dict.fromkeys(("insert", "start"), 2)


@dataclass(frozen=True)
class _Option:
    edits: tuple[Edit, ...]
    source: str
    size: tuple[int, int, int]  # edits, shape tier, lines changed: "equal size" for the model's ranking
    chars: int  # characters changed: the tie-break without a model, then the grammar's order
    order: int


class Ranker(Protocol):
    """Anything that scores programs by how natural they look (higher is better): naturalness.Naturalness."""

    def logprobs(self, sources: list[str]) -> list[float]: ...


def sites(prog: Program, problem: Problem, whole: bool) -> list[int]:
    """The lines to edit: around the error (Python often notices a mistake a line late) and where
    the names the error line uses were last given a value; or all of them."""
    count = len(prog.lines)
    if whole or problem.line is None or problem.in_tests:
        return list(range(1, count + 1))
    near = [n for n in (problem.line, problem.line - 1, problem.line + 1) if 1 <= n <= count]
    return list(dict.fromkeys(near + _assigned_before(prog, problem.line)))


def _assigned_before(prog: Program, line: int) -> list[int]:
    """The last line before `line` that assigns each name used on it (a value can go wrong where it is made)."""
    if prog.tree is None:
        return []
    used = {n.id for n in ast.walk(prog.tree) if isinstance(n, ast.Name) and n.lineno == line}
    last: dict[str, int] = {}
    for node in ast.walk(prog.tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id in used and node.lineno < line:
            last[node.id] = max(last.get(node.id, 0), node.lineno)
    return sorted(set(last.values()), reverse=True)[:3]


def subject(problem: Problem) -> str | None:
    """The name the error is about: the unknown name, or the function called with the wrong values."""
    m = re.search(r"(\w+)\(\) (?:takes|missing)", problem.message)
    return m.group(1) if m else problem.name


def search(
    source: str,
    problem: Problem,
    judge: Callable[[list[str]], list[Problem]],
    whole: bool = False,
    ranker: Ranker | None = None,
    budget_s: float = BUDGET_S,
    clock: Callable[[], float] = time.monotonic,
    kinds: tuple[str, ...] = edits.KINDS,
    pairs: bool = True,
) -> Searched:
    """The smallest verified repair of `source` by one edit, else (with `pairs`) by two; `judge`
    runs programs in the sandbox and says what is wrong with each (fine when nothing is); `kinds`
    are the edit kinds tried."""
    deadline = clock() + budget_s
    prog = Program(source)
    firsts = list(edits.single_edits(prog, sites(prog, problem, whole), subject(problem), kinds))
    syntax = problem.exception in ("SyntaxError", "IndentationError", "TabError")
    singles, compiled = _compiling(source, ((e,) for e in firsts), 0, syntax)
    state = Run(judge, deadline, clock)
    found = state.first_fine(_ranked(singles, ranker))
    if found is None and pairs and not state.out_of_time:
        doubles, compiled = _compiling(source, _pairs(source, problem, firsts, singles, kinds), compiled, syntax)
        found = state.first_fine(_ranked(doubles, ranker))
    if found is None:
        return Searched(None, (), state.tried, compiled, state.out_of_time)
    return Searched(Candidate("search", found.source, note_for(found.edits)), found.edits, state.tried, compiled, False)


class Run:
    """Candidates sent to the sandbox in batches until one is fine, the runs or the time run out."""

    def __init__(self, judge, deadline: float, clock):
        self.judge, self.deadline, self.clock = judge, deadline, clock
        self.tried, self.out_of_time = 0, False

    def first_fine(self, options: list):
        """The first option (anything with a `.source`) the judge finds fine, or None."""
        for start in range(0, len(options), BATCH):
            if self.tried >= MAX_RUNS:
                return None
            if self.clock() > self.deadline:
                self.out_of_time = True
                return None
            batch = options[start : start + BATCH]
            problems = self.judge([o.source for o in batch])
            self.tried += len(batch)
            for option, problem in zip(batch, problems):
                if problem.fine:
                    return option
        return None


def _compiling(
    source: str, proposals: Iterable[tuple[Edit, ...]], compiled: int, syntax: bool
) -> tuple[list[_Option], int]:
    seen, out = {source}, []
    for order, chosen in enumerate(proposals):
        if compiled >= MAX_COMPILES:
            break
        edited = edits.apply_all(source, chosen)
        if edited is None or edited in seen:
            continue
        seen.add(edited)
        compiled += 1
        if compile_problem(edited) is None and not _adds_bare_annotation(source, edited):
            lines, chars = change_size(source, edited)
            tier = 0 if syntax else max(SHAPE_TIER[e.kind] for e in chosen)
            out.append(_Option(chosen, edited, (len(chosen), tier, lines), chars, order))
    return out, compiled


@lru_cache(maxsize=4)  # the original program is asked about once per candidate
def _bare_annotations(source: str) -> int:
    try:
        return sum(isinstance(n, ast.AnnAssign) and n.value is None for n in ast.walk(ast.parse(source)))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return 0


def _adds_bare_annotation(source: str, edited: str) -> bool:
    """A colon that turns a line into `name: (value)`, which runs and does nothing: never a fix."""
    return ":" in edited and _bare_annotations(edited) > _bare_annotations(source)


def _ranked(options: list[_Option], ranker: Ranker | None) -> list[_Option]:
    """Smallest change first; among equal sizes the model's most likely program, else the fewest
    characters changed and the grammar's order."""
    ordered = sorted(options, key=lambda o: (o.size, o.chars, o.order))
    if ranker is None or not ordered:
        return ordered
    head, tail = ordered[:RANKED], ordered[RANKED:]
    scores = dict(zip((o.source for o in head), ranker.logprobs([o.source for o in head])))
    return sorted(head, key=lambda o: (o.size, -scores[o.source], o.chars, o.order)) + tail


def _pairs(
    source: str, problem: Problem, firsts: list[Edit], singles: list[_Option], kinds: tuple[str, ...]
) -> Iterable[tuple[Edit, ...]]:
    """Two edits. For a syntax mistake: an edit that moves the error further on, then one edit near
    where the error is now. For other mistakes: the same change made in every place it fits (a
    child repeats a mistake), and pairs of the smallest single edits that compile."""
    if problem.exception in ("SyntaxError", "IndentationError", "TabError"):
        yield from _syntax_pairs(source, problem, firsts, kinds)
        return
    same: dict[tuple[str, str, str], list[Edit]] = {}
    for edit in firsts:
        same.setdefault((edit.kind, edit.old, edit.text), []).append(edit)
    for group in same.values():
        if len(group) > 1:
            yield tuple(group)
    smallest = sorted(singles, key=lambda o: (o.size, o.chars, o.order))[:PAIR_FIRSTS]
    for i, a in enumerate(smallest):
        for b in smallest[i + 1 :]:
            yield a.edits + b.edits


def _syntax_pairs(
    source: str, problem: Problem, firsts: list[Edit], kinds: tuple[str, ...]
) -> Iterable[tuple[Edit, ...]]:
    """The first edits that let Python read further before it stops (in the grammar's order), each
    with every edit near where it stops now."""
    where = (problem.line or 0, problem.column or 0)
    moved = 0
    for first in firsts:
        after = compile_problem(first.apply(source))
        if after is None or (after.line or 0, after.column or 0) <= where:
            continue
        moved += 1
        if moved > SYNTAX_FIRSTS:
            return
        inner = Program(first.apply(source))
        for second in edits.single_edits(inner, sites(inner, after, False), None, kinds):
            shifted = _shift(second, first)
            if shifted is not None:
                yield (first, shifted)


def _shift(edit: Edit, before: Edit) -> Edit | None:
    """`edit`, made on the program after `before`, as an edit of the original program; None when
    it changes what `before` wrote."""
    delta = len(before.text) - (before.end - before.start)
    if edit.start >= before.start + len(before.text):
        return Edit(edit.kind, edit.start - delta, edit.end - delta, edit.text, edit.old, edit.line)
    if edit.end <= before.start:
        return edit
    return None


def note_for(chosen: tuple[Edit, ...]) -> str:
    """The learner's sentence for each edit made; the same change in several places is told once,
    with its lines ("on line 3 and 5")."""
    lines: dict[tuple[str, str, str], list[int]] = {}
    for edit in sorted(chosen, key=lambda e: e.start):
        lines.setdefault((edit.kind, edit.old, edit.text), []).append(edit.line)
    notes = []
    for (kind, old, text), where in lines.items():
        said = " and ".join(str(n) for n in dict.fromkeys(where))
        notes.append(_note(Edit(kind, 0, 0, text, old, 0), said))
    return " ".join(notes)


def _note(edit: Edit, line: str) -> str:
    key = edit.kind
    if key == "quote":
        key = "quote" if edit.text.startswith(('"', "'")) else "unquote"
    elif key == "wrap":
        key = "wrap_" + edit.text.split("(")[0]
    elif key == "brackets":
        key = "square" if edit.text.startswith("[") else "group"
    elif key == "keyword" and not edit.old:
        key = "return"
    return words.EDIT_NOTES[key].format(old=edit.old.strip(), new=edit.text.strip(), line=line)


def sandbox_judge(check, mode: str) -> Callable[[list[str]], list[Problem]]:
    """Run programs in the sandbox and say what is wrong with each, as verify.py does."""

    def judge(sources: list[str]) -> list[Problem]:
        runs = program.run_many(sources, check.stdin, check.tests, mode)
        return [problem_of_run(run, s, check.tests, check.expect) for run, s in zip(runs, sources)]

    return judge
