"""Parse TinyPy source text into the interpreter's statement tuples.

Python's own parser (`ast.parse`, which never runs anything) does the reading, so every whitespace
quirk other tools write (`if  x > 3 :`, `( n == n)`, `(9 * w)*(8 * 3)`) is accepted for free; this
module then admits only the TinyPy subset: single-letter variables, int literals, unary minus,
+ - * / // %, comparisons (also as values: `print(a == b)`), and/or/not, assignment, print,
if/elif/else, for-in-range, while, one statement per line, and no other lines than `else :`.
"""

from __future__ import annotations

import ast
import re

from codeling.tinypy.interpreter import ParsedProgram

_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%"}
_REL = {ast.Lt: "<", ast.Gt: ">", ast.LtE: "<=", ast.GtE: ">=", ast.NotEq: "!=", ast.Eq: "=="}
_NAME = re.compile(r"[a-z]\Z")
_ELSE_LINE = re.compile(r"[ \t]*else[ \t]*:[ \t]*\Z")
# Expressions nest at most this deep: converting and evaluating them recurses once a level, and a
# typed `1 + 1 + ... + 1` of 1,500 terms would otherwise end in a RecursionError.
MAX_DEPTH = 100


class ParseError(ValueError):
    """The text is not a TinyPy program; `line` is 1-based within the program (0 if unknown)."""

    def __init__(self, message: str, line: int = 0):
        super().__init__(message)
        self.line = line


def _show(node: ast.AST) -> str:
    """The first line of `node`'s source, cut short: a message never quotes a whole typed program."""
    try:
        text = ast.unparse(node).split("\n")[0]
    except RecursionError:  # a chain such as a.a.a... nested thousands deep
        return "a deeply nested construct"
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _fail(node: ast.AST, what: str):
    raise ParseError(f"{what} is not TinyPy", getattr(node, "lineno", 0))


def _name(node: ast.AST) -> str:
    if not isinstance(node, ast.Name) or not _NAME.match(node.id):
        _fail(node, "a name other than a single lowercase letter")
    return node.id


def _expr(node: ast.AST, depth: int = 0):
    depth += 1
    if depth > MAX_DEPTH:
        _fail(node, f"an expression nested more than {MAX_DEPTH} deep")
    if isinstance(node, ast.Constant):
        if type(node.value) is not int:
            _fail(node, f"the literal {_show(node)}")
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        operand = _expr(node.operand, depth)
        # `-5` is the literal -5, as CPython's compiler folds it; `-x` negates at run time.
        return -operand if type(operand) is int else ("neg", operand)
    if isinstance(node, ast.Name):
        return _name(node)
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
        return (_ARITH[type(node.op)], _expr(node.left, depth), _expr(node.right, depth))
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _REL:
        return (_REL[type(node.ops[0])], _expr(node.left, depth), _expr(node.comparators[0], depth))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ("not", _expr(node.operand, depth))
    if isinstance(node, ast.BoolOp):
        op = "and" if isinstance(node.op, ast.And) else "or"
        if depth + len(node.values) > MAX_DEPTH:  # the chain becomes that many nested pairs
            _fail(node, f"an expression nested more than {MAX_DEPTH} deep")
        tree = _expr(node.values[0], depth)
        for value in node.values[1:]:  # `a and b and c` is evaluated left to right, as ((a and b) and c)
            tree = (op, tree, _expr(value, depth))
        return tree
    _fail(node, f"the expression {_show(node)}")


def _block(nodes: list[ast.stmt], lines_used: set[int]) -> tuple:
    return tuple(_stmt(node, lines_used) for node in nodes)


def _stmt(node: ast.stmt, lines_used: set[int]):
    line = node.lineno
    if line in lines_used:
        _fail(node, "more than one statement on a line")
    lines_used.add(line)
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        return ("=", line, _name(node.targets[0]), _expr(node.value))
    if isinstance(node, ast.Expr):
        call = node.value
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "print"
            and len(call.args) == 1
            and not call.keywords
        ):
            return ("print", line, _expr(call.args[0]))
        _fail(node, "an expression statement other than print(expr)")
    if isinstance(node, ast.If):
        return ("if", line, _expr(node.test), _block(node.body, lines_used), _block(node.orelse, lines_used))
    if isinstance(node, ast.For):
        call = node.iter
        if (
            node.orelse
            or not isinstance(call, ast.Call)
            or not isinstance(call.func, ast.Name)
            or call.func.id != "range"
            or not 1 <= len(call.args) <= 3
            or call.keywords
        ):
            _fail(node, "a for loop other than `for v in range(...)`")
        return ("for", line, _name(node.target), tuple(_expr(a) for a in call.args), _block(node.body, lines_used))
    if isinstance(node, ast.While) and not node.orelse:
        return ("while", line, _expr(node.test), _block(node.body, lines_used))
    _fail(node, f"the statement {_show(node)}")


def parse(text: str) -> ParsedProgram:
    """A ParsedProgram from TinyPy source; raises ParseError saying what is wrong and on which line."""
    text = text.replace("\r\n", "\n").rstrip("\n")
    try:
        tree = ast.parse(text)
    except SyntaxError as e:
        raise ParseError(f"syntax error: {e.msg}", e.lineno or 0) from None
    except UnicodeEncodeError:
        raise ParseError("it holds a lone surrogate, which is not text") from None
    except (ValueError, RecursionError, MemoryError) as e:  # null bytes, nesting too deep for the parser
        raise ParseError(f"Python's parser cannot read it ({type(e).__name__})") from None
    if not tree.body:
        raise ParseError("the program is empty", 1)
    lines_used: set[int] = set()
    body = _block(tree.body, lines_used)
    # Every line must start a statement or be an `else :`: no comments, blanks or continuations,
    # because traces mark whole lines.
    for number, line in enumerate(text.split("\n"), start=1):
        if number not in lines_used and not _ELSE_LINE.match(line):
            raise ParseError(f"line {number} is neither a statement nor `else :`", number)
    return ParsedProgram(text, body)
