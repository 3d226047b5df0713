"""`codeling explain`, `fix` and `ask` as a learner runs them, and what bad input gets: one clear
sentence (exit 2, no traceback) or a sandboxed result, and never a changed file without --write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CODELING = str(Path(sys.executable).with_name("codeling"))  # the entry point `pip install` made


def run(*args, cache=None):
    """The installed `codeling` command; `cache` keeps the retrieval index out of the home directory."""
    env = {**os.environ, "COLUMNS": "200", **({"CODELING_CACHE": str(cache)} if cache else {})}
    return subprocess.run([CODELING, *map(str, args)], capture_output=True, text=True, timeout=120, env=env)


def test_fix_prints_explanation_and_diff_and_writes_only_when_asked(tmp_path, mode):
    prog = tmp_path / "game.py"
    prog.write_text("score = 3\nprint(scroe)\n")
    proc = _run_ok("fix", prog, "--sandbox", mode, "--json", tmp_path / "fix.json")
    assert "Python does not know the name scroe." in proc.stdout
    assert "-print(scroe)\n+print(score)" in proc.stdout
    assert prog.read_text() == "score = 3\nprint(scroe)\n"
    assert json.loads((tmp_path / "fix.json").read_text())["fixed"] == "score = 3\nprint(score)\n"
    _run_ok("fix", prog, "--sandbox", mode, "--write")
    assert prog.read_text() == "score = 3\nprint(score)\n"
    assert (tmp_path / "game.py.orig").read_text() == "score = 3\nprint(scroe)\n"


def test_fix_with_tests_and_explain_with_stdin(tmp_path, mode):
    prog = tmp_path / "add.py"
    prog.write_text("def add(a, b):\n    return a - b\n")
    (tmp_path / "t.py").write_text("assert add(2, 3) == 5\n")
    proc = _run_ok("fix", prog, "--tests", tmp_path / "t.py", "--sandbox", mode)
    assert "+    return a + b" in proc.stdout
    (tmp_path / "ask.py").write_text("age = input()\nprint(age + 1)\n")
    (tmp_path / "in.txt").write_text("9\n")
    proc = _run_ok("explain", tmp_path / "ask.py", "--stdin", tmp_path / "in.txt", "--sandbox", mode)
    assert "You tried to mix text and a number." in proc.stdout and "Line 2, column 7:" in proc.stdout


def _run_ok(*args):
    proc = run(*args)
    assert proc.returncode == 0, proc.stderr
    return proc


BAD_FILES = {
    "binary": (b"\x7fELF\x00\x01\x02", "is binary"),
    "latin1": ("print('caf\xe9')\n".encode("latin-1"), "not UTF-8"),
    "empty": (b"  \n", "is empty"),
    "huge": (b"x = 1\n" * 40_000, "more than a program file may be"),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_bad_files_get_one_sentence_and_are_never_changed(kind, tmp_path):
    data, words = BAD_FILES[kind]
    prog = tmp_path / "bad.py"
    prog.write_bytes(data)
    for verb in ("explain", "fix"):
        proc = run(verb, prog, *(["--write"] if verb == "fix" else []))
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert proc.stderr.count("\n") == 1 and words in proc.stderr and proc.stderr.startswith("error: ")
    assert prog.read_bytes() == data and not (tmp_path / "bad.py.orig").exists()


def test_missing_file_and_both_checks_are_refused(tmp_path):
    proc = run("explain", tmp_path / "nope.py")
    assert proc.returncode == 2 and proc.stderr.startswith("error: ") and "does not exist" in proc.stderr
    (tmp_path / "p.py").write_text("print(1)\n")
    proc = run("fix", tmp_path / "p.py", "--tests", tmp_path / "p.py", "--expect", tmp_path / "p.py")
    assert proc.returncode == 2 and "not both" in proc.stderr


@pytest.mark.parametrize(
    "source, words",
    [
        ("Dear teacher, here is my essay about dogs.\n", "Python could not read this line."),
        ("while True:\n    print('x' * 10000)\n", "Your program printed far too much."),
        ("import os\nwhile True:\n    os.fork()\n", "too many copies"),
    ],
)
def test_programs_that_are_not_python_or_misbehave_get_a_sandboxed_explanation(source, words, tmp_path, mode):
    prog = tmp_path / "odd.py"
    prog.write_text(source)
    proc = run("fix", prog, "--sandbox", mode)
    assert proc.returncode == 0 and words in proc.stdout and "Traceback" not in proc.stdout + proc.stderr
    assert prog.read_text() == source


def test_ask_lists_hits_with_files_and_lines(tmp_path):
    pytest.importorskip("pygame")
    proc = run(
        "ask",
        "how do I draw a circle",
        "--k",
        "3",
        "--method",
        "bm25",
        "--json",
        tmp_path / "hits.json",
        cache=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    hits = json.loads((tmp_path / "hits.json").read_text())["hits"]
    assert len(hits) == 3 and proc.stdout.startswith(f"1. pygame/{hits[0]['path']} lines {hits[0]['start_line']}-")
    assert any("circle" in h["title"] for h in hits)


def test_fix_repairs_a_mistake_no_rule_knows_and_explains_it(tmp_path, mode):
    prog = tmp_path / "pies.py"
    source = "pies = 9\nslice = pies / 3\nfor j in range(slice):\n    print('pie', j)\n"
    prog.write_text(source)
    proc = _run_ok("fix", prog, "--sandbox", mode)
    assert "A value is the wrong kind of thing" in proc.stdout  # the explanation, in a child's words
    assert "Write // instead of / on line 2." in proc.stdout
    assert "-slice = pies / 3\n+slice = pies // 3" in proc.stdout
    assert prog.read_text() == source  # untouched without --write


def test_fix_that_finds_nothing_says_so_and_still_explains(tmp_path, mode):
    prog = tmp_path / "zero.py"
    prog.write_text("total = 1 / 0\nprint(totl)\n")
    proc = _run_ok("fix", prog, "--sandbox", mode)
    assert "You tried to divide by zero." in proc.stdout and "I did not change anything." in proc.stdout
    assert "---" not in proc.stdout


@pytest.mark.parametrize("where", ["missing", "not_a_checkpoint"])
def test_a_bad_rank_model_is_one_sentence(where, tmp_path):
    prog = tmp_path / "p.py"
    prog.write_text("print(1)\n")
    path = tmp_path / "nothing"
    if where == "not_a_checkpoint":
        path.mkdir()
        (path / "config.json").write_text("{}")
    proc = run("fix", prog, "--rank", path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1


def test_ask_understands_a_childs_words(tmp_path):
    pytest.importorskip("pygame")
    proc = run("ask", "twist my picture", "--method", "bm25", "--json", tmp_path / "hits.json", cache=tmp_path)
    assert proc.returncode == 0, proc.stderr
    hits = json.loads((tmp_path / "hits.json").read_text())["hits"]
    assert "docs/generated/_sources/ref/transform.rst.txt" in {h["path"] for h in hits}
