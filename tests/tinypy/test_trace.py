import random

import pytest

from codeling.tinypy.builder import LEVELS, Knobs
from codeling.tinypy.generator import draw_program, generate
from codeling.tinypy.interpreter import RunError
from codeling.tinypy.parser import parse
from codeling.tinypy.reader import read_file
from codeling.tinypy.reference import settrace_trace
from codeling.tinypy.trace import output_from_trace, split_trace, trace_text

TINYPY_MD_EXAMPLE = """# code
a = 5
print(a + 2)
#STEP
@a = 5$|
print(a + 2)
#STEP
a = 5
@print(a + 2)$a?5|
#STEP
a = 5
print(a + 2)
@^$a?5|# 7"""


def test_the_documented_example():
    assert trace_text(parse("a = 5\nprint(a + 2)")) == TINYPY_MD_EXAMPLE == settrace_trace("a = 5\nprint(a + 2)")


@pytest.mark.parametrize("level", LEVELS)
def test_traces_equal_settrace_reference(level):
    result = generate(400, level, seed=5, trace=True, workers=1)
    for s in result.samples:
        assert s.trace == settrace_trace(s.program), s.program
        assert output_from_trace(s.trace) == s.output


def test_nested_and_longer_programs_trace_like_settrace():
    rng = random.Random(1)
    knobs = Knobs(loop_iterations=(0, 4), extra_statements=(0, 3), depth=3)
    for i in range(700):
        program = draw_program(rng, LEVELS[i % len(LEVELS)], knobs)
        try:
            mine = trace_text(program)
        except RunError:
            continue
        assert mine == settrace_trace(program.text), program.text


def test_public_sample_traces(public_sample):
    for s in read_file(public_sample).samples:
        trace = trace_text(parse(s.program))
        assert trace == settrace_trace(s.program)
        assert output_from_trace(trace) == s.output


def test_loop_headers_and_else_lines():
    text = "a = 3\nfor a in range(1, 3) :\n\tif a > 1 :\n\t\tprint(a)\n\telse :\n\t\tprint(0)"
    trace = trace_text(parse(text))
    marked = [line.split("$")[0] for line in trace.split("\n") if line.startswith("@")]
    assert marked == [
        "@a = 3",
        "@for a in range(1, 3) :",
        "@\tif a > 1 :",
        "@\t\tprint(0)",
        "@for a in range(1, 3) :",
        "@\tif a > 1 :",
        "@\t\tprint(a)",
        "@for a in range(1, 3) :",
        "@^",
    ]


def test_output_from_trace():
    assert output_from_trace("x\n@^$a?1;b?0.5|# 1&# 0.5") == ["1", "0.5"]
    assert output_from_trace("@^$a?1|") == []
    assert output_from_trace("no end line") is None
    head, steps = split_trace(TINYPY_MD_EXAMPLE)
    assert head == "# code\na = 5\nprint(a + 2)" and steps.startswith("#STEP\n@a = 5$|")
