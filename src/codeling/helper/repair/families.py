"""Repair candidates from complete families of changes, not lists of pairs: mutation testing's
operator families run backwards (a child's mistake is a mutant of the program they meant, so every
mutant of the broken program is a candidate), plus edits of statement order and block structure.

Each family is applied where the error points and where the names it involves were last set (over
the whole program when an expected output or tests judge the result). A candidate is only a
proposal: verify.py runs it in the sandbox, and plausible.py orders those that may pass.

    operators   every arithmetic, comparison, identity, membership and boolean operator for every
                other; `not` added or taken away
    constants   a number and its neighbours; a string's prefix (f added where it holds {name})
    calls       arguments reordered or one removed; a method call's result kept (`x = x.m()`) or its
                assignment dropped; a class called to make an object (`Cls.m()` -> `Cls().m()`); a
                method of the argument's type (`xs.join(" ")` -> `" ".join(xs)`) or a near method
                of the value's own type (messages.py)
    statements  a statement moved up or down within its block, moved out of a loop body (before
                it, or after it when it is the last), or a use moved below the definition it needs;
                a function's last computed name returned; a loop given its progress step
    iteration   a loop over a copy (`xs[:]`), over a dict's `.items()`; an item used as an index
                used as itself; a second name for a list made a copy
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from codeling.helper import words
from codeling.helper.repair.logic import Text

ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**"}
COMPARE = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}
BOOL = {ast.And: "and", ast.Or: "or"}
IN_PLACE = {"sort", "append", "reverse", "extend", "insert", "remove", "clear", "update", "add", "shuffle"}
MAX_FAMILY = 600  # candidates from all families together (programs a child writes are short)


@dataclass(frozen=True)
class Proposal:
    family: str  # a key of words.FAMILY_NOTES
    source: str
    note: str
    lines: frozenset[int]  # lines the change touches (where it is, for the ranking)


def proposals(source: str, lines: set[int] | None = None) -> list[Proposal]:
    """Every family's candidates touching `lines` (all lines when None), without repeats."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    text, seen, out = Text(source), {source}, []
    for p in _all(tree, text):
        if p.source in seen or (lines is not None and not (p.lines & lines)):
            continue
        seen.add(p.source)
        out.append(p)
        if len(out) >= MAX_FAMILY:
            break
    return out


def _all(tree: ast.Module, text: Text) -> Iterator[Proposal]:
    classes = {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    for node in ast.walk(tree):
        yield from _operators(node, text)
        yield from _constants(node, text)
        yield from _calls(node, text, classes)
        yield from _iteration(node, text, tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.For, ast.While, ast.If, ast.With)):
            yield from _block_order(node, text)
        if isinstance(node, (ast.For, ast.While)):
            yield from _out_of_loop(node, text)
        if isinstance(node, ast.While):
            yield from _progress(node, text)
        if isinstance(node, ast.FunctionDef):
            yield from _missing_return(node, text)
    yield from _use_after_definition(tree, text)


def _note(family: str, **fields) -> str:
    return words.FAMILY_NOTES[family].format(**fields)


def _swap(text: Text, start: int, end: int, replacement: str, family: str, line: int, **fields) -> Proposal:
    note = _note(family, line=line, **fields)
    return Proposal(family, text.replace(start, end, replacement), note, frozenset({line}))


# -- operators and constants ---------------------------------------------------------------------------------


def _operator_between(text: Text, left: ast.AST, right: ast.AST, old: str) -> tuple[int, int] | None:
    start, end = text.span(left)[1], text.span(right)[0]
    at = text.source.find(old, start, end)
    return (at, at + len(old)) if at >= 0 else None


def _operators(node: ast.AST, text: Text) -> Iterator[Proposal]:
    if isinstance(node, ast.BinOp) and type(node.op) in ARITH:
        old = ARITH[type(node.op)]
        where = _operator_between(text, node.left, node.right, old)
        for new in ARITH.values():
            if where and new != old:
                yield _swap(text, *where, new, "operator", node.lineno, old=old, new=new)
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in COMPARE:
        old = COMPARE[type(node.ops[0])]
        where = _operator_between(text, node.left, node.comparators[0], old)
        for new in COMPARE.values():
            if where and new != old:
                yield _swap(text, *where, f" {new} ", "operator", node.lineno, old=old, new=new)
    elif isinstance(node, ast.BoolOp):
        old = BOOL[type(node.op)]
        new = "or" if old == "and" else "and"
        for left, right in zip(node.values, node.values[1:]):
            where = _operator_between(text, left, right, old)
            if where:
                yield _swap(text, *where, new, "operator", node.lineno, old=old, new=new)
    elif isinstance(node, (ast.If, ast.While)):
        start, end = text.span(node.test)
        test = text.source[start:end]
        if isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not):
            inner = text.span(node.test.operand)
            yield _swap(text, start, end, text.source[inner[0] : inner[1]], "not_removed", node.lineno)
        else:
            yield _swap(text, start, end, f"not ({test})", "not_added", node.lineno)


def _constants(node: ast.AST, text: Text) -> Iterator[Proposal]:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        start, end = text.span(node)
        for value in sorted({node.value + 1, node.value - 1, 0, 1} - {node.value}):
            yield _swap(text, start, end, str(value), "constant", node.lineno, old=node.value, new=value)
    elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "{" in node.value:
        start, end = text.span(node)
        if text.source[start] in "'\"":  # a plain literal that holds {name}: it was meant as an f-string
            yield _swap(text, start, start, "f", "f_string", node.lineno)


# -- calls -------------------------------------------------------------------------------------------------


def _calls(node: ast.AST, text: Text, classes: set[str]) -> Iterator[Proposal]:
    if isinstance(node, ast.Call) and len(node.args) >= 2 and not node.keywords:
        spans = [text.span(a) for a in node.args]
        for i in range(len(spans) - 1):
            (a0, a1), (b0, b1) = spans[i], spans[i + 1]
            first, second = text.source[a0:a1], text.source[b0:b1]
            swapped = text.source[:a0] + second + text.source[a1:b0] + first + text.source[b1:]
            yield Proposal("arguments_swapped", swapped, _note("arguments_swapped", line=node.lineno), _lines(node))
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        func = node.value.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.attr not in IN_PLACE:
            start = text.span(node)[0]
            name = func.value.id
            yield _swap(text, start, start, f"{name} = ", "result_kept", node.lineno, name=name, method=func.attr)
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.Call):
        func = node.value.func
        if isinstance(func, ast.Attribute) and func.attr in IN_PLACE:
            start, value_start = text.span(node)[0], text.span(node.value)[0]
            yield _swap(text, start, value_start, "", "result_dropped", node.lineno, method=func.attr)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in classes:
        end = text.span(node.value)[1]
        yield _swap(text, end, end, "()", "make_object", node.lineno, name=node.value.id)
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in classes:
        end = text.span(node.value)[1]
        yield _swap(text, end, end, "()", "make_object", node.lineno, name=node.value.id)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and len(node.args) == 1:
        # xs.join(" ") -> " ".join(xs): the method belongs to the argument's type, not the value's
        receiver, arg = text.span(node.func.value), text.span(node.args[0])
        new = f"{text.source[arg[0] : arg[1]]}.{node.func.attr}({text.source[receiver[0] : receiver[1]]})"
        start, end = text.span(node)
        yield _swap(text, start, end, new, "method_owner", node.lineno, method=node.func.attr)


def _lines(node: ast.AST) -> frozenset[int]:
    return frozenset(range(node.lineno, (node.end_lineno or node.lineno) + 1))


# -- iteration -------------------------------------------------------------------------------------------


def _iteration(node: ast.AST, text: Text, tree: ast.Module) -> Iterator[Proposal]:
    if isinstance(node, ast.For) and isinstance(node.iter, (ast.Name, ast.Attribute)):
        start, end = text.span(node.iter)
        name = text.source[start:end]
        yield _swap(text, end, end, "[:]", "loop_copy", node.lineno, name=name)
        if isinstance(node.target, ast.Tuple):
            yield _swap(text, end, end, ".items()", "loop_items", node.lineno, name=name)
    if isinstance(node, ast.For) and isinstance(node.target, ast.Name) and isinstance(node.iter, ast.Name):
        item, seq = node.target.id, node.iter.id
        for sub in ast.walk(node):
            if (
                isinstance(sub, ast.Subscript)
                and isinstance(sub.value, ast.Name)
                and sub.value.id == seq
                and isinstance(sub.slice, ast.Name)
                and sub.slice.id == item
            ):
                start, end = text.span(sub)
                yield _swap(text, start, end, item, "item_as_index", sub.lineno, name=item, seq=seq)
    if (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Name)
    ):
        end = text.span(node.value)[1]
        yield _swap(text, end, end, ".copy()", "copy", node.lineno, name=node.value.id)


# -- statements ------------------------------------------------------------------------------------------


def _move(source: str, first: int, last: int, to: int, indent: str | None = None) -> str:
    """Lines first..last moved to before line `to` (1-based; len+1 for the end), re-indented to `indent`."""
    lines = source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    block = lines[first - 1 : last]
    if indent is not None:
        old = len(block[0]) - len(block[0].lstrip(" "))
        block = [indent + ln[old:] if ln.strip() else ln for ln in block]
    rest = lines[: first - 1] + lines[last:]
    at = to - 1 if to <= first else to - 1 - len(block)
    return "".join(rest[:at] + block + rest[at:])


def _block_order(node: ast.AST, text: Text) -> Iterator[Proposal]:
    for field in ("body", "orelse"):
        stmts = [s for s in getattr(node, field, []) if not isinstance(s, (ast.FunctionDef, ast.ClassDef))]
        for a, b in zip(stmts, stmts[1:]):
            if a.end_lineno < b.lineno:  # b moved above a: two neighbours in the wrong order
                moved = _move(text.source, b.lineno, b.end_lineno, a.lineno)
                yield Proposal("order", moved, _note("order", line=b.lineno), _lines(a) | _lines(b))


def _out_of_loop(loop: ast.For | ast.While, text: Text) -> Iterator[Proposal]:
    indent = " " * loop.col_offset
    body = loop.body
    if len(body) >= 2:  # the last statement belongs after the loop: it ran on every turn
        last = body[-1]
        moved = _move(text.source, last.lineno, last.end_lineno, loop.end_lineno + 1, indent)
        yield Proposal("after_loop", moved, _note("after_loop", line=last.lineno), _lines(last))
    for stmt in body:  # a start value set on every turn belongs before the loop
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant) and len(body) >= 2:
            moved = _move(text.source, stmt.lineno, stmt.end_lineno, loop.lineno, indent)
            yield Proposal("before_loop", moved, _note("before_loop", line=stmt.lineno), _lines(stmt))


def _progress(loop: ast.While, text: Text) -> Iterator[Proposal]:
    """A while loop whose test names a variable its body never changes: add the step towards the end
    (+1 while it must grow to reach the bound, -1 while it must shrink)."""
    test = loop.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return
    changed = {
        t.id
        for s in ast.walk(loop)
        if isinstance(s, (ast.Assign, ast.AugAssign))
        for t in (s.targets if isinstance(s, ast.Assign) else [s.target])
        if isinstance(t, ast.Name)
    }
    op = type(test.ops[0])
    sides = ((test.left, op in (ast.Lt, ast.LtE, ast.NotEq)), (test.comparators[0], op in (ast.Gt, ast.GtE)))
    for side, grows in sides:
        if isinstance(side, ast.Name) and side.id not in changed:
            name = side.id
            sign = "+" if grows else "-"
            indent = " " * loop.body[0].col_offset
            line = f"{indent}{name} = {name} {sign} 1\n"
            lines = text.source.splitlines(keepends=True)
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            new = "".join(lines[: loop.end_lineno] + [line] + lines[loop.end_lineno :])
            yield Proposal("progress", new, _note("progress", name=name, sign=sign, line=loop.lineno), _lines(loop))


def _missing_return(func: ast.FunctionDef, text: Text) -> Iterator[Proposal]:
    if any(isinstance(n, ast.Return) for n in ast.walk(func)):
        return
    stored = [t.id for s in func.body if isinstance(s, ast.Assign) for t in s.targets if isinstance(t, ast.Name)]
    if not stored:
        return
    indent = " " * func.body[-1].col_offset
    lines = text.source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    end = func.end_lineno
    new = "".join(lines[:end] + [f"{indent}return {stored[-1]}\n"] + lines[end:])
    yield Proposal("return_value", new, _note("return_value", name=stored[-1], line=end), _lines(func))


def _use_after_definition(tree: ast.Module, text: Text) -> Iterator[Proposal]:
    """A top-level statement that uses a function or class defined further down, moved below it."""
    defined = {s.name: s for s in tree.body if isinstance(s, (ast.FunctionDef, ast.ClassDef))}
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.ClassDef)):
            continue
        used = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and n.id in defined}
        later = [defined[u] for u in used if defined[u].lineno > stmt.lineno]
        if later:
            target = max(d.end_lineno for d in later) + 1
            moved = _move(text.source, stmt.lineno, stmt.end_lineno, target)
            yield Proposal("after_definition", moved, _note("after_definition", line=stmt.lineno), _lines(stmt))
