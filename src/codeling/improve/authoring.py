"""Tasks the model writes: the format it learns, reading a draft back, and the checks made without
running anything (the sandboxed ones are in writing.py).

A task document is a suite task written out whole: its signature and docstring, its reference
body, then asserts on its own inputs:

    # a new task                       <- TASK_HEADER: the prompt, never learned
    def clamp(n: int) -> int:          <- the prompt of the task (signature + docstring)
        \"\"\"Return n if ... \"\"\"
        if n < -3:                     <- the reference body
        ...
    assert clamp(-3) == -3             <- the task's tests
    ...

The seed set holds one for each seed task (after TASK_HEADER, learned like a body), so sampling
from TASK_HEADER drafts a new task. A draft is accepted only when (checked in this order, the first
failure is the reason given):

    malformed    it parses to one function with a docstring and a body, then asserts that each call
                 it, and nothing else
    few_asserts  fewer than MIN_ASSERTS asserts with distinct inputs (arguments of the call)
    hard_coded   the reference never reads its arguments (filters.is_hard_coded)
    near_copy    NEAR_COPY or more of the n-grams of a test-split or held-out task (prompt +
                 reference) are in the draft: the n-gram check of `codeling eval contamination`
    duplicate    its reference's normalised AST (filters.normalised_hash) is a train-split task's or
                 an earlier accepted task's: a copy of a known task is not a new one
    fails_own_asserts, weak_asserts, no_mutants   in the sandbox (writing.py)
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from codeling.evals.contamination import ngrams
from codeling.evals.tasks import Task
from codeling.improve import filters

TASK_HEADER = "# a new task\n"
DOC_ASSERTS = 4  # asserts in a seed task document: a few more than MIN_ASSERTS, and short enough
MIN_ASSERTS = 3  # with distinct inputs
NGRAM = 13  # as `codeling eval contamination`
NEAR_COPY = 0.5  # share of a held-out task's n-grams found in the draft


@dataclass(frozen=True)
class Draft:
    """A draft read back: what the store needs to hold it as a task."""

    entry_point: str
    prompt: str  # signature + docstring, ending in a newline
    reference: str  # the body
    tests: str  # the asserts, each on its own line
    inputs: int  # asserts with distinct inputs
    function: ast.FunctionDef

    @property
    def source(self) -> str:
        return self.prompt + self.reference


def task_document(task: Task) -> str:
    """A suite task written out whole (prompt, reference, asserts): what the model learns to write."""
    lines = [f"assert {task.entry_point}({_arguments(args)}) == {expected}" for args, expected in _cases(task)]
    return task.prompt + task.reference + "\n\n" + "\n".join(lines) + "\n"


def _cases(task: Task) -> list[tuple[str, str]]:
    """DOC_ASSERTS cases, different answers first, so the asserts tell bodies apart."""
    chosen, answers = [], set()
    for args, expected in task.cases:
        if expected not in answers:
            chosen.append((args, expected))
            answers.add(expected)
    chosen += [c for c in task.cases if c not in chosen]
    return chosen[:DOC_ASSERTS]


def _arguments(args_repr: str) -> str:
    return ", ".join(map(repr, ast.literal_eval(args_repr)))


def parse_draft(text: str) -> Draft | None:
    """The draft's task, or None unless it is one function with a docstring and a body followed by
    asserts that each call it."""
    tree = filters.parse_model_text(text, compiled=True)
    if tree is None or not tree.body or not isinstance(tree.body[0], ast.FunctionDef):
        return None
    function, asserts = tree.body[0], tree.body[1:]
    body = function.body
    if len(body) < 2 or not (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)):
        return None
    calls = [_call_of(a, function.name) for a in asserts]
    if not asserts or any(c is None for c in calls):
        return None
    lines = text.splitlines(keepends=True)
    prompt = "".join(lines[: body[0].end_lineno])
    reference = "".join(lines[body[0].end_lineno : function.end_lineno])
    tests = "\n\n" + "".join(ast.get_source_segment(text, a) + "\n" for a in asserts)
    inputs = len({ast.dump(ast.Tuple(elts=[*c.args, *c.keywords], ctx=ast.Load())) for c in calls})
    return Draft(function.name, _ending(prompt), _ending(reference), tests, inputs, function)


def _call_of(statement: ast.stmt, name: str) -> ast.Call | None:
    """The first call of `name` in an assert statement, or None."""
    if not isinstance(statement, ast.Assert):
        return None
    calls = (n for n in ast.walk(statement.test) if isinstance(n, ast.Call))
    return next((c for c in calls if isinstance(c.func, ast.Name) and c.func.id == name), None)


def _ending(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


class NearCopies:
    """The n-grams of every test-split and held-out task, to tell a near-copy of one."""

    def __init__(self, tasks: list[Task]):
        self.items = [(t.task_id, grams) for t in tasks if (grams := ngrams(t.prompt + t.reference, NGRAM))]

    def match(self, text: str) -> str | None:
        """The first held-out task with NEAR_COPY or more of its n-grams in `text`, or None."""
        found = ngrams(text, NGRAM)
        return next((name for name, grams in self.items if len(grams & found) / len(grams) >= NEAR_COPY), None)


def static_verdict(text: str, near: NearCopies, known: set[str]) -> tuple[Draft | None, str | None, str | None]:
    """(draft, its normalised-AST hash, rejection reason or None) from the checks that run nothing."""
    draft = parse_draft(text)
    if draft is None:
        return None, None, "malformed"
    digest = filters.normalised_hash(draft.function)
    if draft.inputs < MIN_ASSERTS:
        return draft, digest, "few_asserts"
    if filters.is_hard_coded(draft.function):
        return draft, digest, "hard_coded"
    if near.match(draft.source) is not None:
        return draft, digest, "near_copy"
    if digest in known:
        return draft, digest, "duplicate"
    return draft, digest, None
