import pytest

from codeling.errors import CodelingError
from codeling.tinypy.builder import LEVELS
from codeling.tinypy.generator import generate
from codeling.tinypy.reader import output_mismatches, read_file, read_text
from codeling.tinypy.sample import format_samples


def test_public_sample_file_reads_whole_and_matches_the_interpreter(public_sample):
    result = read_file(public_sample)
    assert len(result.samples) == 300 and result.skipped == []
    assert output_mismatches(result.samples) == []
    assert all(s.level in LEVELS for s in result.samples)  # the classifier places every one
    assert {"1.1", "2.1", "2.2", "3.1"} <= {s.level for s in result.samples}


def test_generated_files_read_back_exactly():
    samples = generate(700, "ALL", seed=2, workers=1).samples
    for tagged in (False, True):
        back = read_text(format_samples(samples, level_tag=tagged))
        assert back.skipped == []
        assert [(s.program, s.output) for s in back.samples] == [(s.program, s.output) for s in samples]
        if tagged:
            assert [s.level for s in back.samples] == [s.level for s in samples]


QUIRKY = (
    "n = 7\r\nv = 7 - 9\r\nif not ( n == n) :\r\n\tprint(v)\r\n# output\r\n# \r\n\r\n"
    "w = 6\nif  w < 8 :\n\tprint(w)\nelif  w == 1 :\n\tprint(w)\nelse :\n\tprint(w)\n# output\n# 6\n"
    "q = 9\nq = (7 * 8)-(2 - 9)+(q / q)\nprint(q)\n# output\n# 64.0\n\n\n"
    "a = 8\nfor a in range(8, 5) :\n\tprint(a * 2)\n# output\n# "
)


def test_quirks_are_accepted_and_kept():
    result = read_text(QUIRKY)
    assert result.skipped == []
    assert [s.output for s in result.samples] == [[], ["6"], ["64.0"], []]
    assert [s.line for s in result.samples] == [1, 8, 17, 24]
    assert result.samples[0].program == "n = 7\nv = 7 - 9\nif not ( n == n) :\n\tprint(v)"
    assert result.samples[1].program.startswith("w = 6\nif  w < 8 :")  # never rewritten
    assert [s.level for s in result.samples] == ["2.2", "2.1", "1.2", "3.2"]
    assert output_mismatches(result.samples) == []


def test_malformed_samples_are_reported_by_line_and_skipped():
    text = (
        "a = 1\nprint(a)\n# output\n# 1\n\n"
        "b = 2\nprint(b)\n\n"  # no output block
        "c = 3\nimport os\n# output\n# 3\n\n"  # not TinyPy, on line 10
        "# level: 9.9\nd = 1\nprint(d)\n# output\n# 1\n\n"
        "e = 5\nprint(e)\n# output\n# 5\n"
    )
    result = read_text(text)
    assert [s.program for s in result.samples] == ["a = 1\nprint(a)", "e = 5\nprint(e)"]
    assert [p.line for p in result.skipped] == [6, 10, 14]
    assert "no `# output`" in result.skipped[0].message
    assert "not a TinyPy program" in result.skipped[1].message


def test_wrong_recorded_output_is_found():
    result = read_text("a = 2\nprint(a / 4)\n# output\n# 0.5\n\nb = 1\nprint(b)\n# output\n# 2\n")
    mismatches = output_mismatches(result.samples)
    assert [p.line for p in mismatches] == [6]


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CodelingError, match="does not exist"):
        read_file(tmp_path / "nope.txt")
