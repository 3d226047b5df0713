"""Mutants of a function: copies with one small change each, to show that a task's asserts test it.

A mutant changes exactly one thing in the function's body (never its docstring):

    operator     + -> -, - -> +, * -> +, / -> *, // -> *, % -> //, ** -> *  (in expressions and
                 augmented assignments), and -> or, or -> and, -x -> x, not x -> x
    comparison   == <-> !=, < -> <=, <= -> <, > -> >=, >= -> >, in <-> not in, is <-> is not
    constant     an int n -> n + 1, a float x -> x + 1, True <-> False, a string s -> s + 'x'
                 ('' -> 'x')

Asserts that every mutant passes would pass a wrong body too, so the share of mutants the asserts
kill (fail) measures whether they test anything. Mutants come in the order of their sites in the
source (line, then column), so the same function always gives the same mutants.
"""

from __future__ import annotations

import ast
import copy

BINARY = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Add,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
}
COMPARE = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
BOOLEAN = {ast.And: ast.Or, ast.Or: ast.And}


def _body_nodes(function: ast.FunctionDef) -> list[ast.AST]:
    """The nodes a mutant may change: the body's, less a leading docstring, in source order."""
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    nodes = [n for stmt in body for n in ast.walk(stmt) if hasattr(n, "lineno")]
    return sorted(nodes, key=lambda n: (n.lineno, n.col_offset, n.end_lineno, n.end_col_offset, type(n).__name__))


def _sites(node: ast.AST) -> int:
    """How many one-change mutants this node has (a comparison chain has one per operator)."""
    if isinstance(node, (ast.BinOp, ast.AugAssign)):
        return int(type(node.op) in BINARY)
    if isinstance(node, ast.Compare):
        return sum(type(op) in COMPARE for op in node.ops)
    if isinstance(node, ast.BoolOp):
        return 1
    if isinstance(node, ast.UnaryOp):
        return int(isinstance(node.op, (ast.USub, ast.Not)))
    if isinstance(node, ast.Constant):
        return int(isinstance(node.value, (bool, int, float, str)))
    return 0


def _mutate(node: ast.AST, which: int, parent_of: dict) -> None:
    """Apply the `which`-th change of `node`, in place."""
    if isinstance(node, (ast.BinOp, ast.AugAssign)):
        node.op = BINARY[type(node.op)]()
    elif isinstance(node, ast.Compare):
        positions = [i for i, op in enumerate(node.ops) if type(op) in COMPARE]
        i = positions[which]
        node.ops[i] = COMPARE[type(node.ops[i])]()
    elif isinstance(node, ast.BoolOp):
        node.op = BOOLEAN[type(node.op)]()
    elif isinstance(node, ast.UnaryOp):
        _replace(parent_of[node], node, node.operand)  # drop the minus or the not
    elif isinstance(node.value, bool):
        node.value = not node.value
    elif isinstance(node.value, (int, float)):
        node.value = node.value + 1
    else:
        node.value = node.value + "x"


def _replace(parent: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for name, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, name, new)
        elif isinstance(value, list):
            setattr(parent, name, [new if item is old else item for item in value])


def mutants(function_source: str, entry_point: str, limit: int = 20) -> list[str]:
    """Up to `limit` distinct mutants of the function `entry_point` in `function_source`, each the
    whole function's source with one change; [] when it has no site to change."""
    tree = ast.parse(function_source)
    original = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == entry_point)
    sites = [(i, which) for i, node in enumerate(_body_nodes(original)) for which in range(_sites(node))]
    unchanged = ast.unparse(original) + "\n"
    found: list[str] = []
    for i, which in sites:
        function = copy.deepcopy(original)
        parent_of = {child: parent for parent in ast.walk(function) for child in ast.iter_child_nodes(parent)}
        _mutate(_body_nodes(function)[i], which, parent_of)
        source = ast.unparse(function) + "\n"
        if source != unchanged and source not in found:
            found.append(source)
        if len(found) >= limit:
            break
    return found
