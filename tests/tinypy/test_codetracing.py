"""The code-tracing grammar: interpreter, parser, tracer and generator against CPython."""

import json
import random
import re
import subprocess
import sys
from collections import Counter

import pytest

from codeling.errors import CodelingError
from codeling.tinypy.codetracing import CHECKED_OPS, CodeTracingKnobs, Rejected
from codeling.tinypy.generator import draw_program, generate
from codeling.tinypy.interpreter import RunError, execute, run
from codeling.tinypy.parser import parse
from codeling.tinypy.reader import output_mismatches, read_text
from codeling.tinypy.reference import cpython_output, settrace_trace
from codeling.tinypy.sample import format_samples
from codeling.tinypy.trace import trace_text
from codeling.tokenizers.tinypy import TinyPyTokenizer

DIGIT_SUM = "n = 1234\ns = 0\nwhile n > 0 :\n\ts = s + (n % 10)\n\tn = n // 10\nprint(s)"


@pytest.mark.parametrize(
    "text, printed",
    [
        (DIGIT_SUM, ["10"]),
        ("r = 3\ny = 4\nprint(r == y)\nprint(r < y)", ["False", "True"]),
        ("a = -7\nprint(a // 2)\nprint(a % 3)\nprint(-a % -4)", ["-4", "2", "-1"]),
        ("x = 0 / 5\nprint(-x)\ny = 15 / 2\nprint(y // 2)\nprint(y % 2)", ["-0.0", "3.0", "1.5"]),
        ("a = 2\nb = a * a * a - -3\nprint(b)\nprint(-(a + 1) * 2)", ["11", "-6"]),
        (
            "i = 0\nwhile i < 3 :\n\tj = 0\n\twhile j < i :\n\t\tif j % 2 == 0 :\n\t\t\tprint(j)\n"
            "\t\telse :\n\t\t\tprint(-j)\n\t\tj = j + 1\n\ti = i + 1\nprint(i != j)",
            ["0", "0", "-1", "True"],
        ),
    ],
)
def test_known_programs_print_and_trace_as_cpython(text, printed):
    assert run(parse(text)) == printed == cpython_output(text)
    assert trace_text(parse(text)) == settrace_trace(text)


def test_the_tokenizer_keeps_old_ids_and_learns_the_new_tokens():
    tokenizer = TinyPyTokenizer()
    assert tokenizer.vocab_size == 94 and tokenizer.tokens[-4:] == ["//", "%", "True", "False"]
    assert tokenizer.tokens[:3] == ["<pad>", "<bos>", "<eos>"] and tokenizer.tokens[89] == "9"
    pieces = [tokenizer.tokens[i] for i in tokenizer.encode("print(a // -2 % 3 == b)\n# True")]
    assert "//" in pieces and "%" in pieces and pieces[-1] == "True"


def test_the_value_filter():
    kept = "a = 100 / 8\nb = a / 2 + 1 / 4\nprint(b // 1)"  # every float operation is exact
    assert run(parse(kept), ops=CHECKED_OPS) == run(parse(kept)) == ["6.0"]
    for text in (
        "a = 1 / 10\nb = a + 2 / 10\nprint(b)",  # 0.30000000000000004: rounding compounds
        "a = 51 / 2\nprint(a / 10)",  # 2.55 is not what a model can work out
        "a = 1000000\nprint(a * a)",  # too large
    ):
        with pytest.raises(Rejected):
            run(parse(text), ops=CHECKED_OPS)
        run(parse(text))  # the plain interpreter runs them, as CPython does


def _reads_before_assignment(statements, defined: set) -> list[str]:
    """Names a program reads where they are not surely assigned (a static check, independent of the builder)."""

    def names(expr):
        if isinstance(expr, str):
            return {expr}
        if isinstance(expr, tuple):
            return set().union(*(names(e) for e in expr[1:]))
        return set()

    bad = []
    for stmt in statements:
        kind = stmt[0]
        if kind == "=":
            bad += sorted(names(stmt[3]) - defined)
            defined.add(stmt[2])
        elif kind == "print":
            bad += sorted(names(stmt[2]) - defined)
        elif kind == "if":
            bad += sorted(names(stmt[2]) - defined)
            bad += _reads_before_assignment(stmt[3], set(defined)) + _reads_before_assignment(stmt[4], set(defined))
        elif kind == "while":
            bad += sorted(names(stmt[2]) - defined) + _reads_before_assignment(stmt[3], set(defined))
        else:
            bad += sorted(set().union(*(names(a) for a in stmt[3])) - defined)
            bad += _reads_before_assignment(stmt[4], defined | {stmt[2]})
    return bad


def test_generated_programs_equal_cpython():
    """Trees equal what Python's parser reads; outputs equal CPython's; traces equal settrace's."""
    rng, checked, traced = random.Random("codetracing"), 0, 0
    while checked < 4000:
        program = draw_program(rng, None, CodeTracingKnobs())
        assert parse(program.text).body == program.body, program.text
        assert _reads_before_assignment(program.body, set()) == [], program.text
        try:
            mine = run(program, ops=CHECKED_OPS)
        except Rejected:
            continue
        except RunError:
            with pytest.raises(ZeroDivisionError):
                cpython_output(program.text)
            continue
        assert mine == cpython_output(program.text), program.text
        checked += 1
        mine = trace_text(program)
        if len(mine) < 50_000:  # the longest nested loops are left to the benchmark: slow to compare
            assert mine == settrace_trace(program.text), program.text
            traced += 1
    assert traced > 3500


def _loop_runs(program) -> list[int]:
    """How many times each loop of a program without nested loops runs its body."""
    events = Counter()
    execute(program, on_line=lambda line, env, printed: events.update([line]))
    headers = [i + 1 for i, line in enumerate(program.lines) if line.lstrip().startswith(("while", "for"))]
    return [events[line] - 1 for line in headers if events[line]]  # the header is seen once more at the end


def test_generator_follows_its_knobs():
    result = generate(1500, knobs=CodeTracingKnobs(), seed=0, workers=1)
    samples = result.samples
    assert len(samples) == 1500 and result.per_level == {"codetracing": 1500}
    assert result.rejected > 0 and result.failed > 0 and all(s.level is None for s in samples)
    depths = Counter(max(len(line) - len(line.lstrip("\t")) for line in s.program.split("\n")) for s in samples)
    assert set(depths) == {0, 1, 2}
    counts = Counter(len(list(_statements(parse(s.program).body))) for s in samples)
    assert min(counts) >= 5 and max(counts) <= 10 + 1  # a while loop's initialisation comes with it
    features = {
        "while": sum("while" in s.program for s in samples),
        "% or //": sum("%" in s.program or "//" in s.program for s in samples),
        "negative literal": sum(bool(re.search(r"[(=,] -\d|^\t*[a-z] = -\d", s.program, re.M)) for s in samples),
        "prints a comparison": sum(any(o in ("True", "False") for o in s.output) for s in samples),
        "several prints": sum(len(s.output) > 1 for s in samples),
    }
    assert all(count > 150 for count in features.values()), features
    literals = [int(v) for s in samples for v in re.findall(r"^\t*[a-z] = (\d+)$", s.program, re.M)]
    assert min(literals) >= 0 and max(literals) <= 255
    flat = generate(400, knobs=CodeTracingKnobs(depth=1), seed=1, workers=1).samples
    runs = [n for s in flat for n in _loop_runs(parse(s.program))]
    assert min(runs) >= 1 and max(runs) == 20 and len(set(runs)) == 20


def _statements(body):
    for stmt in body:
        yield stmt
        if stmt[0] == "if":
            yield from _statements(stmt[3])
            yield from _statements(stmt[4])
        elif stmt[0] in ("for", "while"):
            yield from _statements(stmt[-1])


def test_out_of_distribution_knobs_stretch_programs():
    base = generate(300, knobs=CodeTracingKnobs(), seed=2, workers=1).samples
    longer = generate(300, knobs=CodeTracingKnobs(statements=(12, 15)), seed=2, workers=1).samples
    deeper = generate(300, knobs=CodeTracingKnobs(depth=3), seed=2, workers=1).samples
    large = generate(300, knobs=CodeTracingKnobs(literals=(256, 999)), seed=2, workers=1).samples
    lines = lambda samples: sum(s.program.count("\n") + 1 for s in samples) / len(samples)  # noqa: E731
    assert lines(longer) > lines(base) + 4
    assert any("\n\t\t\t" in s.program for s in deeper) and not any("\n\t\t\t" in s.program for s in base)
    inits = [int(v) for s in large for v in re.findall(r"^\t*[a-z] = (\d+)$", s.program, re.M)]
    assert min(inits) >= 256
    for s in longer[:100] + deeper[:100] + large[:100]:
        assert run(parse(s.program)) == s.output == cpython_output(s.program)


def test_same_seed_same_programs_and_files_read_back():
    one = generate(600, knobs=CodeTracingKnobs(), seed=5, workers=1)
    two = generate(600, knobs=CodeTracingKnobs(), seed=5, workers=2)
    assert [(s.program, s.output) for s in one.samples] == [(s.program, s.output) for s in two.samples]
    assert one.settings()["grammar"] == "codetracing"
    back = read_text(format_samples(one.samples))
    assert back.skipped == [] and [s.program for s in back.samples] == [s.program for s in one.samples]
    assert output_mismatches(back.samples) == []
    tokenizer = TinyPyTokenizer()
    for s in generate(200, knobs=CodeTracingKnobs(loop_iterations=(1, 3)), seed=5, trace=True, workers=1).samples:
        assert tokenizer.decode(tokenizer.encode(s.trace)) == s.trace


def test_bad_code_tracing_knobs_are_clear_errors():
    with pytest.raises(CodelingError, match="Statements"):
        generate(10, knobs=CodeTracingKnobs(statements=(1, 3)))
    with pytest.raises(CodelingError, match="depth"):
        generate(10, knobs=CodeTracingKnobs(depth=5))


def _codeling(*args):
    return subprocess.run([sys.executable, "-m", "codeling", *map(str, args)], capture_output=True, text=True)


def test_generate_and_data_verbs_take_the_grammar(tmp_path):
    out = tmp_path / "ct.txt"
    proc = _codeling("tinypy", "generate", "--grammar", "codetracing", "--n", "300", "--workers", "1", "--out", out)
    assert proc.returncode == 0, proc.stderr
    samples = read_text(out.read_text()).samples
    assert len(samples) == 300 and output_mismatches(samples) == []
    assert "the value filter rejects" in " ".join(proc.stdout.split())
    proc = _codeling("tinypy", "data", "--grammar", "codetracing", "--n", "400", "--test-n", "50", "--workers", "1",
                     "--statements", "6-8", "--out", tmp_path / "d")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((tmp_path / "d" / "manifest.json").read_text())
    generator = manifest["provenance"]["source"]["generator"]
    assert generator["grammar"] == "codetracing" and generator["knobs"]["statements"] == [6, 8]
    for wrong, message in ((["--inits", "2"], "--statements"), (["--statements", "3-4"], "--grammar codetracing")):
        grammar = [] if wrong[0] == "--statements" else ["--grammar", "codetracing"]
        proc = _codeling("tinypy", "generate", *grammar, *wrong, "--n", "5", "--out", tmp_path / "x.txt")
        assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
