"""Run a TinyPy program someone typed (a page, a file) under bounds on time, value size and
printed output, so that no program can hold a CPU or fill memory in the process that runs it.

The plain interpreter trusts its programs: the generator's loops run a known number of times and
its values stay small. A typed program does not: `for i in range(32): x = x * x` squares a number
past a billion digits. Here every product is refused before it is computed when it would exceed
`int_bits`, each statement checks a deadline and the printed text is counted. Expression depth is
bounded by the parser (`parser.MAX_DEPTH`), so no input reaches Python's recursion limit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from codeling.errors import CodelingError
from codeling.tinypy.interpreter import BINARY, MAX_STEPS, ParsedProgram, RunError, execute
from codeling.tinypy.parser import ParseError, parse


@dataclass(frozen=True)
class Bounds:
    time_s: float = 2.0  # of interpreter time; TinyPy samples take well under a millisecond
    int_bits: int = 14_000  # about 4,200 digits: just under the longest int CPython will print
    printed_chars: int = 100_000  # all lines printed, together
    steps: int = MAX_STEPS  # loop iterations


class TooBig(RunError):
    """The program went past one of the bounds."""


def _bounded_ops(bits: int) -> dict:
    def check(value):
        if isinstance(value, int) and value.bit_length() > bits:
            raise TooBig(f"a value grew past {bits:,} bits")
        return value

    def times(a, b):
        # Refuse before multiplying: computing the product is the expensive part.
        if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > bits + 1:
            raise TooBig(f"a product would grow past {bits:,} bits")
        return check(a * b)

    plus, minus = BINARY["+"], BINARY["-"]
    return {**BINARY, "*": times, "+": lambda a, b: check(plus(a, b)), "-": lambda a, b: check(minus(a, b))}


def run_bounded(program: ParsedProgram, bounds: Bounds = Bounds()) -> list[str]:
    """The lines `program` prints; RunError when it fails, TooBig when it passes a bound."""
    deadline = time.monotonic() + bounds.time_s
    counted = [0, 0]  # lines already counted, their characters

    def guard(_line, _env, printed):
        if time.monotonic() > deadline:
            raise TooBig(f"it ran longer than {bounds.time_s:g} s")
        while counted[0] < len(printed):
            counted[1] += len(printed[counted[0]])
            counted[0] += 1
        if counted[1] > bounds.printed_chars:
            raise TooBig(f"it printed more than {bounds.printed_chars:,} characters")

    printed = execute(program, on_line=guard, max_steps=bounds.steps, ops=_bounded_ops(bounds.int_bits)).printed
    guard(0, None, printed)  # the last statement may have printed past the bound
    return printed


def output_of(text: str, bounds: Bounds = Bounds()) -> list[str]:
    """What the TinyPy program `text` prints, run under `bounds`; CodelingError saying why when it
    is not TinyPy, fails, or passes a bound."""
    try:
        return run_bounded(parse(text), bounds)
    except ParseError as e:
        where = f" (line {e.line})" if e.line else ""
        raise CodelingError(f"This is not a TinyPy program: {e}{where}.") from None
    except TooBig as e:
        raise CodelingError(f"The program was stopped because {e}; TinyPy programs stay far below that.") from None
    except RunError as e:
        raise CodelingError(f"The program fails when it runs: {e}.") from None
