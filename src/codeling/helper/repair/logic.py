"""Small edits for logic mistakes, tried only when tests or an expected output can judge them:
off-by-one in range() and in numbers, a flipped comparison, + for -, a wrong variable, and a return
that sits inside a loop instead of after it.
"""

from __future__ import annotations

import ast
import re

from codeling.helper.repair.rules import Candidate

_SWAP_COMPARE = {"<": ["<=", ">"], "<=": ["<", ">="], ">": [">=", "<"], ">=": [">", "<="], "==": ["!="], "!=": ["=="]}
_SWAP_ARITH = {"+": ["-"], "-": ["+"], "*": ["/", "+"], "/": ["//", "*"], "//": ["/"], "%": ["//"]}
MAX_CANDIDATES = 400
_ADD_ZERO = re.compile(r"[-+] 0\b")


class Text:
    """The source as lines, with (line, column) of ast positions turned into string offsets."""

    def __init__(self, source: str):
        self.source = source
        self.starts = [0]
        for line in source.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, line: int, col: int) -> int:
        # ast columns are UTF-8 byte offsets; beginners' programs are almost always ASCII.
        text = self.source[self.starts[line - 1] :]
        return self.starts[line - 1] + len(text.encode()[:col].decode(errors="ignore"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def replace(self, start: int, end: int, text: str) -> str:
        return self.source[:start] + text + self.source[end:]


def _operator_edits(text: Text, left: ast.AST, right: ast.AST, ops: dict[str, list[str]], rule: str):
    """Swap the operator written between `left` and `right`."""
    start, end = text.span(left)[1], text.span(right)[0]
    between = text.source[start:end]
    for op in sorted(ops, key=len, reverse=True):
        at = between.find(op)
        if at >= 0:
            for new in ops[op]:
                yield Candidate(
                    rule, text.replace(start + at, start + at + len(op), new), f"Use {new} instead of {op}."
                )
            return


def _scope_names(tree: ast.AST) -> dict[ast.AST, set[str]]:
    """For each function (and the module), the names assigned or passed in it."""
    scopes: dict[ast.AST, set[str]] = {}
    for scope in [tree, *[n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]]:
        names = {a.arg for a in getattr(getattr(scope, "args", None), "args", [])}
        for node in ast.walk(scope):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
        scopes[scope] = names
    return scopes


def _edits(tree: ast.AST, text: Text):
    scopes = _scope_names(tree)
    for scope, names in scopes.items():
        for node in ast.walk(scope):
            yield from _node_edits(node, text, names)


def _node_edits(node: ast.AST, text: Text, names: set[str]):
    if isinstance(node, ast.Compare):
        yield from _operator_edits(text, node.left, node.comparators[0], _SWAP_COMPARE, "flipped_comparison")
    elif isinstance(node, ast.BinOp):
        yield from _operator_edits(text, node.left, node.right, _SWAP_ARITH, "wrong_operator")
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range" and node.args:
        for arg in node.args[:2]:
            start, end = text.span(arg)
            if isinstance(arg, ast.BinOp) and isinstance(arg.right, ast.Constant) and arg.right.value == 1:
                left_end = text.span(arg.left)[1]
                yield Candidate("range_off_by_one", text.replace(left_end, end, ""), "Count to the end in range().")
            for delta in (" + 1", " - 1"):
                note = f"Count one {'more' if '+' in delta else 'less'} in range()."
                yield Candidate("range_off_by_one", text.replace(end, end, delta), note)
    elif isinstance(node, ast.Constant) and type(node.value) is int:
        start, end = text.span(node)
        for value in (node.value + 1, node.value - 1):
            yield Candidate("number_off_by_one", text.replace(start, end, str(value)), f"Use {value}.")
    elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in names:
        start, end = text.span(node)
        for other in sorted(names - {node.id}):
            yield Candidate("wrong_variable", text.replace(start, end, other), f"Use {other} instead of {node.id}.")
    elif isinstance(node, (ast.For, ast.While)) and isinstance(node.body[-1], ast.Return):
        yield from _return_out_of_loop(node, text)


def _return_out_of_loop(loop: ast.AST, text: Text):
    ret = loop.body[-1]
    if ret.lineno != ret.end_lineno or len(loop.body) < 2:
        return
    lines = text.source.splitlines(keepends=True)
    line = lines[ret.lineno - 1]
    indent = " " * loop.col_offset
    moved = lines[: ret.lineno - 1] + lines[ret.lineno : loop.end_lineno]
    moved += [indent + line.lstrip()] + lines[loop.end_lineno :]
    yield Candidate("return_in_loop", "".join(moved), "Move the return after the loop, so the loop can finish.")


def candidates(source: str) -> list[Candidate]:
    """Single small edits of `source`, in the order the program reads, without duplicates."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    text, seen, out = Text(source), {source}, []
    zeros = len(_ADD_ZERO.findall(source))
    for c in _edits(tree, text):
        # "n - 1" -> "n - 0" is an off-by-one repair only a machine would write; drop it for "n".
        if c.source not in seen and len(_ADD_ZERO.findall(c.source)) == zeros:
            seen.add(c.source)
            out.append(c)
            if len(out) == MAX_CANDIDATES:
                break
    return out
