"""Which passing samples the loop keeps: real solutions, each once, a few per task.

normalised AST   the completed function with names renamed in order of first use (v0, v1, ...),
                 docstrings dropped and formatting gone, so `total = a + b` and `s=x+y` are one
                 solution; its sha256 deduplicates
hard-coded       a function that never reads its arguments returns the same thing for every
                 input: it can only pass tests it was shaped to, so it is rejected however it scores
quality score    among passing samples, smaller and faster is better:
                     score = 1 / (1 + nodes / 50) + 1 / (1 + 10 * runtime_s)
                 (nodes: AST nodes of the function; runtime_s: the sandboxed run, tests included),
                 between 0 and 2; a sample that fails or is hard-coded scores 0 and is never kept
per task         at most `per_task` distinct solutions, best score first, so easy tasks do not
                 swamp the dataset
off its plan     a chain's solution that does not restate its steps in order (chains.follows_steps)
                 passes only where the steps it left out change nothing; kept, it would teach
                 the model to write fewer steps than asked (`follow_plan`, on by default)
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass

from codeling.digest import sha256_text
from codeling.evals.tasks.chains import FAMILY as CHAINS
from codeling.evals.tasks.chains import follows_steps


def parse_model_text(source: str, compiled: bool = False) -> ast.Module | None:
    """The syntax tree of text a model wrote, or None if it does not parse (or compile, when asked;
    compiling runs nothing). Its SyntaxWarnings (`1if`, invalid escapes) are not ours to print."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
            if compiled:
                compile(tree, "<model>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return tree


def parse_function(source: str, entry_point: str) -> ast.FunctionDef | None:
    """The function `entry_point` of prompt + completion, or None if the source does not parse."""
    tree = parse_model_text(source)
    if tree is None:
        return None
    return next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == entry_point), None)


class _Renamer(ast.NodeTransformer):
    """Names of arguments and locals become v0, v1, ... in order of first appearance."""

    def __init__(self, local_names: set[str]):
        self.local_names, self.names = local_names, {}

    def _new(self, name: str) -> str:
        if name not in self.local_names:
            return name  # globals and builtins (len, range, ...) keep their meaning
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg, node.annotation = self._new(node.arg), None
        return node

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self._new(node.id)
        return node


def _without_docstring(function: ast.FunctionDef) -> list[ast.stmt]:
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return body


def normalised_hash(function: ast.FunctionDef) -> str:
    """sha256 of the function's body with its names canonicalised and its docstring dropped."""
    params = {a.arg for a in function.args.args + function.args.kwonlyargs}
    assigned = {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    copy = ast.parse(ast.unparse(function)).body[0]
    copy.name, copy.returns = "f", None
    copy.body = _without_docstring(copy) or [ast.Pass()]
    _Renamer(params | assigned).visit(copy)
    return sha256_text(ast.dump(copy, annotate_fields=False, include_attributes=False))


def is_hard_coded(function: ast.FunctionDef) -> bool:
    """True when the body never reads an argument (a constant answer, whatever the input)."""
    params = {a.arg for a in function.args.args + function.args.kwonlyargs}
    body = _without_docstring(function)
    read = {n.id for stmt in body for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return bool(params) and not params & read


def node_count(function: ast.FunctionDef) -> int:
    return sum(1 for stmt in _without_docstring(function) for _ in ast.walk(stmt))


def quality(function: ast.FunctionDef, runtime_s: float) -> float:
    return 1 / (1 + node_count(function) / 50) + 1 / (1 + 10 * max(runtime_s, 0.0))


@dataclass(frozen=True)
class Checked:
    """One sample after the sandbox: what the filter decided."""

    sample: int
    task: int
    outcome: str
    runtime_s: float
    ast_sha256: str | None
    score: float
    hard_coded: bool
    off_plan: bool = False

    @property
    def eligible(self) -> bool:
        return self.outcome == "passed" and not self.hard_coded and not self.off_plan and self.ast_sha256 is not None


def off_plan(sample: dict) -> bool:
    """A stored sample (store.round_samples' row) of a chain that does not follow its docstring's
    steps (see the module's notes)."""
    return sample["family"] == CHAINS and not follows_steps(sample["prompt"], sample["completion"])


def judge(sample: int, task: int, source: str, entry_point: str, outcome: str, runtime_s: float) -> Checked:
    function = parse_function(source, entry_point)
    if function is None:
        return Checked(sample, task, outcome, runtime_s, None, 0.0, False)
    hard_coded = is_hard_coded(function)
    score = quality(function, runtime_s) if outcome == "passed" and not hard_coded else 0.0
    return Checked(sample, task, outcome, runtime_s, normalised_hash(function), score, hard_coded)


def keep(checked: list[Checked], already: dict[int, set[str]], per_task: int) -> set[int]:
    """The samples to keep: eligible, a solution not seen before for its task (in this round or an
    earlier version), at most per_task solutions per task in all, best score first."""
    kept: set[int] = set()
    seen = {task: set(hashes) for task, hashes in already.items()}
    for c in sorted((c for c in checked if c.eligible), key=lambda c: (-c.score, c.sample)):
        hashes = seen.setdefault(c.task, set())
        if c.ast_sha256 in hashes or len(hashes) >= per_task:
            continue
        hashes.add(c.ast_sha256)
        kept.add(c.sample)
    return kept
