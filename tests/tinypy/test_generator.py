import re

import pytest

from codeling.errors import CodelingError
from codeling.tinypy.builder import LEVELS, Knobs
from codeling.tinypy.generator import generate, resolve_levels
from codeling.tinypy.interpreter import run
from codeling.tinypy.levels import conforms
from codeling.tinypy.parser import parse


def test_same_seed_same_samples_whatever_the_worker_count():
    one = generate(1500, "ALL", seed=7, workers=1)
    two = generate(1500, "ALL", seed=7, workers=2)
    assert [(s.program, s.output, s.level) for s in one.samples] == [
        (s.program, s.output, s.level) for s in two.samples
    ]
    other = generate(1500, "ALL", seed=8, workers=1)
    assert [s.program for s in other.samples] != [s.program for s in one.samples]


@pytest.mark.parametrize("level", LEVELS)
def test_every_sample_fits_its_level_grammar(level):
    result = generate(1000, level, seed=1, workers=1)
    assert len(result.samples) == 1000
    assert {s.level for s in result.samples} == {level}
    misfits = [s.program for s in result.samples if not conforms(s.program, level)]
    assert misfits == []
    # Tab indents and a space before every colon, as the public generator writes them.
    for s in result.samples[:200]:
        for line in s.program.split("\n"):
            assert not line.startswith(" ")
            if line.endswith(":"):
                assert line.endswith(" :")


def test_samples_are_distinct_and_never_raise():
    result = generate(3000, "ALL", seed=3, workers=1)
    programs = [s.program for s in result.samples]
    assert len(set(programs)) == len(programs)
    assert result.failed > 0  # divisions by zero were drawn and dropped
    for s in result.samples[:500]:
        assert run(parse(s.program)) == s.output


def test_all_draws_every_level_about_equally():
    result = generate(7000, "ALL", seed=0, workers=1)
    assert set(result.per_level) == set(LEVELS)
    assert all(800 < count < 1200 for count in result.per_level.values())


def test_small_spaces_run_out_instead_of_looping_forever():
    knobs = Knobs(literals=(0, 1), variables=2, initialisations=(1, 1))
    result = generate(100_000, "1.1", seed=0, knobs=knobs, workers=1)
    assert result.exhausted and 0 < len(result.samples) < 100_000


def test_literal_range_knob():
    for low, high in ((0, 9), (1000, 9999)):
        result = generate(300, "1.2", seed=0, knobs=Knobs(literals=(low, high)), workers=1)
        for s in result.samples:
            inits = [int(v) for v in re.findall(r"^[a-z] = (\d+)$", s.program, re.M)]
            assert inits and all(low <= v <= high for v in inits)


def test_loop_length_knob():
    result = generate(300, "3.1", seed=0, knobs=Knobs(loop_iterations=(5, 8)), workers=1)
    for s in result.samples:
        assert 5 <= len(s.output) <= 8
    result = generate(300, "4.1", seed=0, knobs=Knobs(loop_iterations=(6, 6)), workers=1)
    assert all(len(s.output) == 6 for s in result.samples)


def test_default_loops_run_one_to_three_times():
    for level in ("3.1", "3.2", "4.1"):
        result = generate(500, level, seed=0, workers=1)
        assert {len(s.output) for s in result.samples} <= {1, 2, 3}


def test_depth_and_extra_statements_knobs():
    result = generate(300, "ALL", seed=0, knobs=Knobs(depth=3, extra_statements=(2, 2)), workers=1)
    block_levels = [s for s in result.samples if s.level[0] != "1"]
    assert all("\n\t\t\t" in s.program for s in block_levels)  # three blocks deep
    plain = generate(300, "ALL", seed=0, workers=1)
    lines = lambda samples: sum(s.program.count("\n") + 1 for s in samples)  # noqa: E731
    assert lines(result.samples) >= lines(plain.samples) + 2 * 300
    for s in result.samples:
        assert run(parse(s.program)) == s.output


def test_initialisation_and_variable_knobs():
    result = generate(300, "1.1", seed=0, knobs=Knobs(initialisations=(6, 6), variables=3), workers=1)
    for s in result.samples:
        lines = s.program.split("\n")
        assert all(re.fullmatch(r"[abc] = \d+", line) for line in lines[:6])
        assert set(re.findall(r"\b[a-z]\b", s.program)) <= set("abc")


def test_bad_settings_are_clear_errors():
    with pytest.raises(CodelingError, match="level"):
        resolve_levels("5.1")
    with pytest.raises(CodelingError, match="Literal range"):
        generate(10, knobs=Knobs(literals=(9, 0)))
    with pytest.raises(CodelingError, match="depth"):
        generate(10, knobs=Knobs(depth=0))
    assert resolve_levels("ALL") == LEVELS
    assert resolve_levels("3.1, 1.1") == ("3.1", "1.1")
