"""Build one random TinyPy program of a given level: its text and its statement tree at once.

The levels follow TINYPY.md and the public generator's grammar: TAB indents, a space before every
colon, parenthesised chains without spaces between them (`(a + 3)*(b - c)`), loops that run 1 to 3
times. `Knobs` stretch programs out of distribution (bigger literals, longer loops, more
statements and initialisations, nested blocks).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

LEVELS = ("1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "4.1")
VARIABLES = "abcdefghijklmnopqrstuvwxyz"
ARITHMETIC_OPS = ("+", "-", "*", "/")
RELATION_OPS = ("<", ">", "<=", ">=", "!=", "==")
# (step, iterations) pairs the public generator's loops use: bodies run 1 to 3 times.
PUBLIC_LOOP_SHAPES = ((1, 2), (2, 1), (2, 2), (2, 3), (3, 2))
# Most initialisations per level (at least one); 1.x as in TINYPY.md, the others as the public generator.
MAX_INITIALISATIONS = {"1.1": 2, "1.2": 3, "2.1": 4, "2.2": 4, "3.1": 3, "3.2": 4, "4.1": 3}


@dataclass(frozen=True)
class Knobs:
    """How programs are drawn; the defaults reproduce the public generator's distribution."""

    literals: tuple[int, int] = (0, 255)  # inclusive range of integer literals
    loop_iterations: tuple[int, int] | None = None  # None: PUBLIC_LOOP_SHAPES; else iterations, step 1-3
    initialisations: tuple[int, int] | None = None  # None: 1..MAX_INITIALISATIONS[level]
    extra_statements: tuple[int, int] = (0, 0)  # assignments/prints added before, inside or after the block
    depth: int = 1  # nesting of if/for/while blocks (levels 2-4)
    variables: int = 26  # names drawn from the first this-many letters


def _fold(items: list, ops: list[str], tight: tuple[str, ...]):
    """Tree of `items[0] ops[0] items[1] ...` with Python's precedence: `tight` ops bind first."""
    terms, joins = [items[0]], []
    for op, item in zip(ops, items[1:]):
        if op in tight:
            terms[-1] = (op, terms[-1], item)
        else:
            joins.append(op)
            terms.append(item)
    tree = terms[0]
    for op, item in zip(joins, terms[1:]):
        tree = (op, tree, item)
    return tree


class ProgramBuilder:
    """Draws one program; `lines` and the returned statements describe the same program."""

    def __init__(self, rng: random.Random, knobs: Knobs):
        self.rnd = rng.random
        self.knobs = knobs
        self.low, self.span = knobs.literals[0], knobs.literals[1] - knobs.literals[0] + 1
        self.names = VARIABLES[: knobs.variables]
        self.lines: list[str] = []
        self.assigned: list[str] = []  # names that hold a value, in order of first assignment
        self.known: dict[str, int] = {}  # names whose value is a literal we know (while bounds need it)
        self.last_target: str | None = None  # printed by default, as the public generator does
        self.protected: set[str] = set()  # loop variables extra statements must not touch

    # -- small draws -------------------------------------------------------------------------
    def pick(self, seq):
        return seq[int(self.rnd() * len(seq))]

    def between(self, low: int, high: int) -> int:
        return low + int(self.rnd() * (high - low + 1))

    def literal(self) -> int:
        return self.low + int(self.rnd() * self.span)

    def emit(self, indent: int, text: str) -> int:
        self.lines.append("\t" * indent + text if indent else text)
        return len(self.lines)

    def assign_name(self, name: str, value: int | None) -> None:
        if name not in self.assigned:
            self.assigned.append(name)
        if value is None:
            self.known.pop(name, None)
        else:
            self.known[name] = value

    # -- expressions: each returns (text, tree) ---------------------------------------------
    def term(self):
        if self.assigned and self.rnd() < 0.5:
            name = self.pick(self.assigned)
            return name, name
        value = self.literal()
        return str(value), value

    def simple_expr(self):
        (lt, ln), op, (rt, rn) = self.term(), self.pick(ARITHMETIC_OPS), self.term()
        return f"{lt} {op} {rt}", (op, ln, rn)

    def chain(self):
        parts = [self.simple_expr()]
        while len(parts) < 4 and self.rnd() < 0.5:
            parts.append(self.simple_expr())
        ops = [self.pick(ARITHMETIC_OPS) for _ in parts[1:]]
        text = f"({parts[0][0]})" + "".join(f"{op}({t})" for op, (t, _) in zip(ops, parts[1:]))
        return text, _fold([tree for _, tree in parts], ops, ("*", "/"))

    def condition(self):
        name = self.pick(self.assigned)
        rel = self.pick(RELATION_OPS)
        right_text, right = self.term()
        text, tree = f"{name} {rel} {right_text}", (rel, name, right)
        if self.rnd() < 0.5:
            return "not " + text, ("not", tree)
        return text, tree

    def chain_condition(self):
        text, tree = self.condition()
        items, texts, ops = [tree], [f"({text})"], []
        while len(items) < 4 and self.rnd() < 1 / 3:
            text, tree = self.condition()
            ops.append(self.pick(("and", "or")))
            items.append(tree)
            texts.append(f"({text})")
        joined = texts[0] + "".join(f" {op} {t}" for op, t in zip(ops, texts[1:]))
        folded = _fold(items, ops, ("and",))
        if self.rnd() < 0.5:  # `not` binds tighter than and/or: it negates the first condition only
            joined = "not " + joined
            folded = _fold([("not", items[0])] + items[1:], ops, ("and",))
        return joined, folded

    # -- statements: each emits its lines and returns its tree ------------------------------
    def initialisation(self, indent: int = 0, name: str | None = None):
        name = name or self.pick(self.names)
        value = self.literal()
        line = self.emit(indent, f"{name} = {value}")
        self.assign_name(name, value)
        return ("=", line, name, value)

    def assignment(self, indent: int, advanced: bool):
        choices = [n for n in self.names if n not in self.protected]
        name = self.pick(choices)
        text, tree = self.chain() if advanced else self.simple_expr()
        line = self.emit(indent, f"{name} = {text}")
        self.assign_name(name, None)
        self.last_target = name
        return ("=", line, name, tree)

    def display(self, indent: int, advanced: bool):
        if advanced and self.rnd() < 0.5:
            name = self.pick(self.assigned)
            op = self.pick(ARITHMETIC_OPS)
            if self.rnd() < 0.5:
                other = self.pick(self.assigned)
                right_text, right = other, other
            else:
                right = self.literal()
                right_text = str(right)
            line = self.emit(indent, f"print({name} {op} {right_text})")
            return ("print", line, (op, name, right))
        name = self.last_target if self.last_target in self.assigned else self.pick(self.assigned)
        return ("print", self.emit(indent, f"print({name})"), name)

    def extra(self, indent: int):
        if self.rnd() < 0.5:
            return self.assignment(indent, advanced=False)
        return self.display(indent, advanced=True)

    def loop_shape(self) -> tuple[int, int]:
        if self.knobs.loop_iterations is None:
            return self.pick(PUBLIC_LOOP_SHAPES)
        return self.between(1, 3), self.between(*self.knobs.loop_iterations)

    # -- blocks ------------------------------------------------------------------------------
    def body(self, indent: int, depth: int, nested, last, extras: int) -> tuple:
        """A block body: a nested block where depth allows, extras, then the `last` statement(s)."""
        stmts = []
        if depth > 1:
            stmts.extend(nested(indent, depth - 1))
        stmts.extend(self.extra(indent) for _ in range(extras))
        stmts.extend(last(indent))
        return tuple(stmts)

    def if_block(self, indent: int, depth: int, advanced: bool, extras: int = 0) -> list:
        cond = self.chain_condition if advanced else self.condition
        nested = lambda i, d: self.if_block(i, d, advanced)  # noqa: E731
        show = lambda i: [self.display(i, advanced)]  # noqa: E731
        form = int(self.rnd() * 3)  # if | if/elif/else | if/else
        text, test = cond()
        line = self.emit(indent, f"if {text} :")
        then = self.body(indent + 1, depth, nested, show, extras)
        orelse: tuple = ()
        if form == 1:
            elif_text, elif_test = cond()
            elif_line = self.emit(indent, f"elif {elif_text} :")
            elif_body = self.body(indent + 1, depth, nested, show, 0)
            self.emit(indent, "else :")
            orelse = (("if", elif_line, elif_test, elif_body, self.body(indent + 1, depth, nested, show, 0)),)
        elif form == 2:
            self.emit(indent, "else :")
            orelse = self.body(indent + 1, depth, nested, show, 0)
        return [("if", line, test, then, orelse)]

    def for_loop(self, indent: int, depth: int, advanced: bool, extras: int = 0) -> list:
        name = self.pick(self.assigned)
        step, count = self.loop_shape()
        start = self.literal()
        if self.knobs.loop_iterations is None:
            stop = start + step * count - 1  # the public generator's bound (with step 1 it runs count-1 times)
        else:
            stop = start + step * (count - 1) + 1  # exactly `count` iterations
        if step == 1 and self.rnd() < 0.5:
            args, header = (start, stop), f"range({start}, {stop})"
        else:
            args, header = (start, stop, step), f"range({start}, {stop}, {step})"
        line = self.emit(indent, f"for {name} in {header} :")
        self.assign_name(name, None)
        self.protected.add(name)
        nested = lambda i, d: self.for_loop(i, d, advanced)  # noqa: E731
        show = lambda i: [self.display(i, advanced)]  # noqa: E731
        body = self.body(indent + 1, depth, nested, show, extras)
        self.protected.discard(name)
        return [("for", line, name, args, body)]

    def while_loop(self, indent: int, depth: int, name: str, extras: int = 0) -> list:
        start = self.known[name]
        step, count = self.loop_shape()
        if start - step * count < 0 or self.rnd() < 0.5:  # count up: runs `count` times
            bound = start + step * (count - 1) + 1 + int(self.rnd() * step)
            rel, op = "<", "+"
        else:  # count down
            bound = start - step * (count - 1) - 1 - int(self.rnd() * step)
            rel, op = ">", "-"
        line = self.emit(indent, f"while {name} {rel} {bound} :")
        self.protected.add(name)
        self.assign_name(name, None)

        def nested(i: int, d: int) -> list:
            inner = self.pick([n for n in self.names if n not in self.protected])
            return [self.initialisation(i, inner)] + self.while_loop(i, d, inner)

        def show_and_step(i: int) -> list:
            shown = self.display(i, advanced=False)
            update = ("=", self.emit(i, f"{name} = {name} {op} {step}"), name, (op, name, step))
            return [shown, update]

        body = self.body(indent + 1, depth, nested, show_and_step, extras)
        self.protected.discard(name)
        return [("while", line, (rel, name, bound), body)]

    # -- whole programs ----------------------------------------------------------------------
    def program(self, level: str) -> tuple:
        knobs = self.knobs
        low, high = knobs.initialisations or (1, MAX_INITIALISATIONS[level])
        stmts = [self.initialisation() for _ in range(self.between(low, high))]
        before = after = inside = 0
        if knobs.extra_statements[1]:
            # Where the extra statements go: before the main part, after it, inside its block.
            extras = self.between(*knobs.extra_statements)
            slots = [int(self.rnd() * (3 if level[0] != "1" else 2)) for _ in range(extras)]
            before, after, inside = slots.count(0), slots.count(1), slots.count(2)

        loop_name = None
        if level == "4.1":  # the loop variable must hold a known literal when the loop starts
            loop_name = self.pick([n for n in self.assigned if n in self.known])
            self.protected.add(loop_name)
        stmts.extend([self.extra(0) for _ in range(before)])
        if level in ("1.2", "2.2", "3.2"):
            roll = self.rnd()  # the public generator's "advanced assignment": chain, simple, or none
            if roll < 2 / 3:
                stmts.append(self.assignment(0, advanced=roll < 1 / 3))
        elif level == "1.1" and self.rnd() < 0.5:
            stmts.append(self.assignment(0, advanced=False))

        if level[0] == "1":
            stmts.append(self.display(0, advanced=True))
        elif level[0] == "2":
            stmts.extend(self.if_block(0, knobs.depth, advanced=level == "2.2", extras=inside))
        elif level[0] == "3":
            stmts.extend(self.for_loop(0, knobs.depth, advanced=level == "3.2", extras=inside))
        else:
            stmts.extend(self.while_loop(0, knobs.depth, loop_name, extras=inside))
        stmts.extend([self.extra(0) for _ in range(after)])
        return tuple(stmts)
