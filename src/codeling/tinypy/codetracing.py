"""The code-tracing grammar of the 2025 challenge: random programs beside the 2024 levels.

In the style of that challenge's generator: a few statements (assignments, prints, `if/elif/else`,
`while` and `for` loops, nested), arithmetic `+ - * / // %` with parentheses, unary minus and
negative literals, comparisons both as conditions and as printed values (`print(a == b)`).
Every name is read only after it is surely assigned (an assignment inside a block counts only
inside it), and every loop runs a number of times chosen in advance, so no program loops forever.

The value filter (`CHECKED_OPS`) drops programs a model cannot be expected to reproduce:
- floats come from `/`; a `/` of two integers may round (CPython rounds it correctly, so its
  digits are a function of the two integers), but arithmetic with a float operand must give the
  exact rational result (`25.0 / 2` is kept; `0.1 + 0.2` and `25.5 / 10` are dropped): rounding
  compounded over several operations cannot be predicted without emulating IEEE doubles;
- every value stays below 10**12 in magnitude (no 40-digit products from loops).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction

from codeling.tinypy.builder import VARIABLES
from codeling.tinypy.interpreter import ARITHMETIC, BINARY, RunError

GRAMMAR = "codetracing"
OPS = ("+", "-", "*", "/", "//", "%")
RELATIONS = ("<", ">", "<=", ">=", "!=", "==")
PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "//": 2, "%": 2}
ATOM = 3  # names, literals and negations bind tighter than any operator
LIMIT = 10**12
# How a while loop's control variable moves: (operator, steps to draw from).
UPDATES = (("+", range(1, 10)), ("-", range(1, 10)), ("*", (2, 3)), ("/", (2, 4)), ("//", (2, 3, 10)))


@dataclass(frozen=True)
class CodeTracingKnobs:
    """How code-tracing programs are drawn; the defaults are the 2025 generator's settings."""

    statements: tuple[int, int] = (5, 10)  # statements per program, those inside blocks included
    depth: int = 2  # blocks nest at most this deep (0: straight-line programs)
    loop_iterations: tuple[int, int] = (1, 20)  # each loop's body runs this many times
    literals: tuple[int, int] = (0, 255)  # inclusive range of literals (a loop bound may lie outside)
    variables: int = 26  # names drawn from the first this-many letters


class Rejected(RunError):
    """The run computed a value the value filter refuses (see the module docstring)."""


def _checked(name: str):
    plain = ARITHMETIC[name]

    def apply(a, b):
        result = plain(a, b)
        if type(a) is float or type(b) is float:
            if not math.isfinite(result) or Fraction(result) != plain(Fraction(a), Fraction(b)):
                raise Rejected(f"{a!r} {name} {b!r} rounds")
        if abs(result) >= LIMIT:
            raise Rejected(f"{a!r} {name} {b!r} is too large")
        return result

    return apply


CHECKED_OPS = {**BINARY, **{name: _checked(name) for name in ARITHMETIC}}


class CodeTracingBuilder:
    """Draws one program; `lines` and the returned statements describe the same program."""

    def __init__(self, rng: random.Random, knobs: CodeTracingKnobs):
        self.rnd = rng.random
        self.knobs = knobs
        self.names = VARIABLES[: knobs.variables]
        self.lines: list[str] = []
        self.defined: list[str] = []  # names surely assigned at this point of the program
        self.protected: set[str] = set()  # loop variables of the enclosing loops: never assigned

    # -- small draws -------------------------------------------------------------------------
    def pick(self, seq):
        return seq[int(self.rnd() * len(seq))]

    def between(self, low: int, high: int) -> int:
        return low + int(self.rnd() * (high - low + 1))

    def literal(self) -> int:
        return self.between(*self.knobs.literals)

    def emit(self, indent: int, text: str) -> int:
        self.lines.append("\t" * indent + text)
        return len(self.lines)

    def define(self, name: str) -> None:
        if name not in self.defined:
            self.defined.append(name)

    # -- expressions: each returns (text, tree, precedence) ----------------------------------
    def term(self):
        if self.defined and self.rnd() < 0.6:
            name = self.pick(self.defined)
            if self.rnd() < 0.08:
                return f"-{name}", ("neg", name), ATOM
            return name, name, ATOM
        value = self.literal()
        if value and self.rnd() < 0.08:
            value = -value  # a negative literal: `-5` is one int, as CPython folds it
        return str(value), value, ATOM

    def expr(self, terms: int):
        """An expression of `terms` terms, grouped at random; parentheses where precedence needs
        them, and now and then where it does not (`s + (n % 10)`), as the 2025 programs have."""
        if terms == 1:
            return self.term()
        split = self.between(1, terms - 1)
        (lt, ln, lp), (rt, rn, rp), op = self.expr(split), self.expr(terms - split), self.pick(OPS)
        prec = PRECEDENCE[op]
        if lp < prec or (lp < ATOM and self.rnd() < 0.3):
            lt = f"({lt})"
        if rp <= prec or (rp < ATOM and self.rnd() < 0.3):
            rt = f"({rt})"
        return f"{lt} {op} {rt}", (op, ln, rn), prec

    def some_expr(self):
        roll = self.rnd()
        return self.expr(1 if roll < 0.3 else 2 if roll < 0.8 else 3)[:2]

    def condition(self):
        """A comparison that involves a variable, so that it is true in some programs, false in others."""
        name = self.pick(self.defined)
        if self.rnd() < 0.25:  # a remainder test, as in `if n % 2 == 0 :`
            k = self.between(2, 5)
            left_text, left = f"{name} % {k}", ("%", name, k)
            rel, right = self.pick(("==", "!=")), self.between(0, k - 1)
            return f"{left_text} {rel} {right}", (rel, left, right)
        rel = self.pick(RELATIONS)
        right_text, right, _ = self.term() if self.rnd() < 0.7 else self.expr(2)
        if right == name:  # `x < x` is always false: compare with a literal instead
            right = self.literal()
            right_text = str(right)
        return f"{name} {rel} {right_text}", (rel, name, right)

    # -- statements: each emits its lines and returns (statements, how many it used) --------
    def assignment(self, indent: int):
        free = [n for n in self.names if n not in self.protected]
        updates = [n for n in self.defined if n not in self.protected]
        name = self.pick(updates) if updates and self.rnd() < 0.4 else self.pick(free)
        text, tree = self.some_expr() if self.defined else (str(self.literal()), None)
        tree = int(text) if tree is None else tree
        line = self.emit(indent, f"{name} = {text}")
        self.define(name)
        return [("=", line, name, tree)], 1

    def display(self, indent: int):
        roll = self.rnd()
        if roll < 0.2:
            text, tree = self.condition()  # a comparison printed as a value: True or False
        elif roll < 0.5:
            text, tree = self.some_expr()
        else:
            name = self.pick(self.defined)
            text, tree = name, name
        return [("print", self.emit(indent, f"print({text})"), tree)], 1

    def if_block(self, indent: int, depth: int, room: int):
        """`if`, `if/else` or `if/elif/else`, each branch at least one statement, `room` in all."""
        form = self.pick([f for f, needs in (("if", 2), ("else", 3), ("elif", 5)) if needs <= room])
        text, test = self.condition()
        line = self.emit(indent, f"if {text} :")
        then, used = self.branch(indent + 1, depth - 1, self.between(1, room - {"if": 1, "else": 2, "elif": 4}[form]))
        used += 1
        orelse: list = []
        if form == "elif":
            elif_text, elif_test = self.condition()
            elif_line = self.emit(indent, f"elif {elif_text} :")
            elif_body, n = self.branch(indent + 1, depth - 1, self.between(1, room - used - 2))
            used += n + 1
            self.emit(indent, "else :")
            else_body, n = self.branch(indent + 1, depth - 1, self.between(1, room - used))
            used += n
            orelse = [("if", elif_line, elif_test, tuple(elif_body), tuple(else_body))]
        elif form == "else":
            self.emit(indent, "else :")
            orelse, n = self.branch(indent + 1, depth - 1, self.between(1, room - used))
            used += n
        return [("if", line, test, tuple(then), tuple(orelse))], used

    def for_loop(self, indent: int, depth: int, room: int):
        name = self.pick([n for n in self.names if n not in self.protected])
        count, start = self.between(*self.knobs.loop_iterations), self.literal()
        step = self.between(1, 3)
        if self.rnd() < 0.25:  # counting down: range(10, 4, -2)
            stop, step = start - step * (count - 1) - 1, -step
        else:
            stop = start + step * (count - 1) + 1
        if step == 1 and self.rnd() < 0.5:
            args, header = (start, stop), f"range({start}, {stop})"
        else:
            args, header = (start, stop, step), f"range({start}, {stop}, {step})"
        line = self.emit(indent, f"for {name} in {header} :")
        self.protected.add(name)
        body, used = self.branch(indent + 1, depth - 1, self.between(1, room - 1), inside=name)
        self.protected.discard(name)
        return [("for", line, name, args, tuple(body))], used + 1

    def while_loop(self, indent: int, depth: int, room: int):
        """`c = start`, then `while c < bound :` whose body updates c once: it runs a known number of times."""
        name = self.pick([n for n in self.names if n not in self.protected])
        start, op, step, count, values = self.loop_plan()
        init = ("=", self.emit(indent, f"{name} = {start}"), name, start)
        rel, bound = self.bound(values, count, rising=op in ("+", "*"))
        line = self.emit(indent, f"while {name} {rel} {bound} :")
        self.define(name)
        self.protected.add(name)
        extra = self.between(0, room - 3)
        at = self.between(0, extra)  # where the update goes among the other statements
        before, used_before = self.branch(indent + 1, depth - 1, at)
        update = ("=", self.emit(indent + 1, f"{name} = {name} {op} {step}"), name, (op, name, step))
        after, used_after = self.branch(indent + 1, depth - 1, extra - at)
        self.protected.discard(name)
        body = (*before, update, *after)
        return [init, ("while", line, (rel, name, bound), body)], used_before + used_after + 3

    def loop_plan(self):
        """(start, op, step, iterations, values the control variable takes at each test)."""
        op, steps = self.pick(UPDATES)
        step = self.pick(steps)
        start = self.literal()
        if op in ("*", "/", "//"):
            start = max(start, 1)  # zero never grows or shrinks
        wanted = self.between(*self.knobs.loop_iterations)
        values = [start]
        for _ in range(wanted):
            value = ARITHMETIC[op](values[-1], step)
            falling = op in ("-", "/", "//")
            # The loop can stop after len(values) tests only if an integer bound fits between the
            # last two values, and values must stay of a size a person would write.
            if (falling and math.ceil(value) >= values[-1]) or abs(value) >= 10**7:
                break
            values.append(value)
        if len(values) - 1 < max(1, self.knobs.loop_iterations[0]):
            # Too few iterations fit (a product outgrows its bound, a quotient reaches 0): count up.
            step = self.between(1, 9)
            values = [start + step * i for i in range(wanted + 1)]
            return start, "+", step, max(wanted, 1), values if wanted else [start, start + step]
        return start, op, step, len(values) - 1, values

    @staticmethod
    def _bounds(values: list, count: int, rising: bool) -> list[tuple[str, int, int]]:
        """(relation, lowest, highest integer bound) that make the test true `count` times, then false."""
        last, stop = values[count - 1], values[count]
        if rising:
            return [("<", last + 1, stop), ("<=", last, stop - 1)]
        return [(">", math.ceil(stop), math.ceil(last) - 1), (">=", math.floor(stop) + 1, math.floor(last))]

    def bound(self, values: list, count: int, rising: bool) -> tuple[str, int]:
        rel, low, high = self.pick([b for b in self._bounds(values, count, rising) if b[1] <= b[2]])
        return rel, self.between(low, high)

    # -- blocks and whole programs -------------------------------------------------------------
    def branch(self, indent: int, depth: int, size: int, inside: str | None = None):
        """Statements of a block body. Names it assigns are surely assigned only inside it."""
        outer = list(self.defined)
        if inside:
            self.define(inside)
        body = self.statements(indent, depth, size)
        self.defined = outer
        return body

    def statements(self, indent: int, depth: int, size: int):
        out, used = [], 0
        while used < size:
            stmts, n = self.statement(indent, depth, size - used)
            out.extend(stmts)
            used += n
        return out, used

    def statement(self, indent: int, depth: int, room: int):
        if not self.defined:
            return self.assignment(indent)
        kinds = ["=", "=", "=", "=", "print", "print", "print"]
        if depth > 0 and room >= 2:
            kinds += ["if", "if", "for"]
        if depth > 0 and room >= 3:
            kinds += ["while", "while"]
        kind = self.pick(kinds)
        if kind == "=":
            return self.assignment(indent)
        if kind == "print":
            return self.display(indent)
        block = {"if": self.if_block, "for": self.for_loop, "while": self.while_loop}[kind]
        return block(indent, depth, room)

    def program(self) -> tuple:
        """Statements as many as the knob draws, the last one a print."""
        total = self.between(*self.knobs.statements)
        body, _ = self.statements(0, self.knobs.depth, total - 1)
        return (*body, *self.display(0)[0])
