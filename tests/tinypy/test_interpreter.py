import random

import pytest

from codeling.tinypy.builder import LEVELS, Knobs
from codeling.tinypy.generator import draw_program
from codeling.tinypy.interpreter import RunError, run
from codeling.tinypy.parser import ParseError, parse
from codeling.tinypy.reference import cpython_output


@pytest.mark.parametrize("level", LEVELS)
def test_outputs_equal_cpython_on_10000_programs(level):
    rng = random.Random(f"cpython:{level}")
    checked = 0
    while checked < 10_000:
        program = draw_program(rng, level, Knobs())
        try:
            mine = run(program)
        except RunError:
            with pytest.raises(ZeroDivisionError):
                cpython_output(program.text)
            continue
        assert mine == cpython_output(program.text), program.text
        checked += 1


def test_outputs_equal_cpython_out_of_distribution():
    rng = random.Random(0)
    knobs = Knobs(literals=(100, 9999), loop_iterations=(0, 6), extra_statements=(0, 3), depth=2)
    for i in range(2000):
        program = draw_program(rng, LEVELS[i % len(LEVELS)], knobs)
        try:
            mine = run(program)
        except RunError:
            continue
        assert mine == cpython_output(program.text), program.text


@pytest.mark.parametrize(
    "text, printed",
    [
        ("s = 4\nprint(s / 7)", ["0.5714285714285714"]),
        ("l = 1\nx = 4 / l\nprint(x)", ["4.0"]),
        ("a = 3\nprint(a - 9)", ["-6"]),
        ("q = (2 + 3)+(0 * 1)/(5 / 1)/(4 - 2)*(1 - 6)\nprint(q)", ["5.0"]),
        ("w = 8\nfor w in range(8, 1) :\n\tprint(w)", []),
        ("b = 1\nwhile b < 6 :\n\tprint(b)\n\tb = b + 2", ["1", "3", "5"]),
        (
            "x = 7\nif  x == 1 :\n\tprint(x)\n"
            "elif not ( x >= 3) or (x > 5) and (x < 9) :\n\tprint(x * 2)\nelse :\n\tprint(0)",
            ["14"],
        ),
    ],
)
def test_known_programs(text, printed):
    assert run(parse(text)) == printed == cpython_output(text)


def test_runtime_failures():
    with pytest.raises(RunError, match="division by zero"):
        run(parse("a = 0\nprint(5 / a)"))
    with pytest.raises(RunError, match="before it is assigned"):
        run(parse("print(z)"))
    with pytest.raises(RunError, match="too many"):
        run(parse("a = 0\nwhile a < 5 :\n\tprint(a)"))


@pytest.mark.parametrize(
    "text, line",
    [
        ("import os", 1),
        ("a = 1\nb = 'x'", 2),
        ("a = 1\nprint(len(a))", 2),
        ("a = 1; b = 2", 1),
        ("a = 1\n# comment\nprint(a)", 2),
        ("ab = 1", 1),
        ("a = 1.5", 1),
        ("a = 1\nif a < 2 < 3 :\n\tprint(a)", 2),
        ("a = (1 +\n2)", 2),
        ("a = 1\nif a :\nprint(a)", 3),
    ],
)
def test_non_tinypy_is_refused_with_its_line(text, line):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert info.value.line == line
