"""A TinyPy interpreter: computes what a program prints without handing it to Python's `exec`.

Programs are small trees of tuples, built directly by the generator or converted from Python's
`ast` by `codeling.tinypy.parser`. Tuples rather than classes because the generator builds and runs
tens of thousands of them a second.

Expressions:  an int (literal, negative ones included) | a str (variable name) | (op, left, right)
              for op in + - * / // % < > <= >= != == and or | ("not", operand) | ("neg", operand)
Statements:   ("=", line, name, expr)           assignment
              ("print", line, expr)
              ("if", line, cond, body, orelse)  an `elif` is an "if" alone in `orelse`
              ("for", line, name, (start, stop[, step]), body)
              ("while", line, cond, body)
`line` is the 1-based line of the program text the statement starts on (traces mark it).

Arithmetic uses Python's own operators on Python ints and floats, so values, and how `print`
writes them (`str`, which is `repr` for floats), are exactly CPython's.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

ARITHMETIC = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
}
RELATIONS = {
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
    "!=": operator.ne,
    "==": operator.eq,
}
BINARY = {**ARITHMETIC, **RELATIONS}

# A program that loops more often than this is not a TinyPy sample (and may never stop).
MAX_STEPS = 100_000


class RunError(Exception):
    """The program fails at run time (division by zero, an unassigned name, a runaway loop)."""


@dataclass(frozen=True)
class ParsedProgram:
    text: str  # the source as written, without a trailing newline
    body: tuple  # statements, as described above

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


# on_line(line, env, printed) is called before each line runs, as sys.settrace's "line" events are.
LineHook = Callable[[int, dict, list], None]


def eval_expr(expr, env: dict, ops: dict = BINARY):
    """The value of `expr`; `ops` maps each binary operator to its function (a checked table can
    refuse results, see codetracing.py)."""
    kind = type(expr)
    if kind is int:
        return expr
    if kind is str:
        try:
            return env[expr]
        except KeyError:
            raise RunError(f"name {expr!r} is used before it is assigned") from None
    op = expr[0]
    if op == "and":
        return eval_expr(expr[1], env, ops) and eval_expr(expr[2], env, ops)
    if op == "or":
        return eval_expr(expr[1], env, ops) or eval_expr(expr[2], env, ops)
    if op == "not":
        return not eval_expr(expr[1], env, ops)
    if op == "neg":
        return -eval_expr(expr[1], env, ops)
    return ops[op](eval_expr(expr[1], env, ops), eval_expr(expr[2], env, ops))


class _Machine:
    def __init__(self, on_line: LineHook | None, max_steps: int, ops: dict):
        self.env: dict = {}
        self.ops = ops
        self.printed: list[str] = []
        self.on_line = on_line
        self.steps_left = max_steps

    def tick(self) -> None:
        self.steps_left -= 1
        if self.steps_left < 0:
            raise RunError("the program runs too many loop iterations")

    def block(self, statements) -> None:
        env, hook, ops = self.env, self.on_line, self.ops
        for stmt in statements:
            kind = stmt[0]
            if hook:
                hook(stmt[1], env, self.printed)
            if kind == "=":
                env[stmt[2]] = eval_expr(stmt[3], env, ops)
            elif kind == "print":
                self.printed.append(str(eval_expr(stmt[2], env, ops)))
            elif kind == "if":
                if eval_expr(stmt[2], env, ops):
                    self.block(stmt[3])
                else:
                    self.block(stmt[4])
            elif kind == "for":
                bounds = [eval_expr(arg, env, ops) for arg in stmt[3]]
                if any(type(b) is not int for b in bounds):
                    raise RunError("range() takes integers only")
                for value in range(*bounds):
                    self.tick()
                    env[stmt[2]] = value
                    self.block(stmt[4])
                    if hook:  # CPython reports the header again before each next() of the loop
                        hook(stmt[1], env, self.printed)
            elif kind == "while":
                while eval_expr(stmt[2], env, ops):
                    self.tick()
                    self.block(stmt[3])
                    if hook:  # ... and before each re-test of a while condition
                        hook(stmt[1], env, self.printed)
            else:
                raise ValueError(f"unknown statement kind {kind!r}")


@dataclass
class Execution:
    printed: list[str]  # each printed line, as CPython's print writes it
    env: dict  # final variables, in order of first assignment


def execute(
    program: ParsedProgram | tuple, on_line: LineHook | None = None, max_steps: int = MAX_STEPS, ops: dict = BINARY
) -> Execution:
    """Run a program; raises RunError where CPython would raise (or would loop for too long)."""
    body = program.body if isinstance(program, ParsedProgram) else program
    machine = _Machine(on_line, max_steps, ops)
    try:
        machine.block(body)
    except ZeroDivisionError:
        raise RunError("division by zero") from None
    except OverflowError:  # an int too large to turn into a float, as CPython says too
        raise RunError("a number is too large for a float") from None
    except ValueError:  # CPython refuses to print an int of more than 4,300 digits
        raise RunError("an int too long to print") from None
    return Execution(machine.printed, machine.env)


def run(program: ParsedProgram | tuple, max_steps: int = MAX_STEPS, ops: dict = BINARY) -> list[str]:
    """The lines a program prints."""
    return execute(program, max_steps=max_steps, ops=ops).printed
