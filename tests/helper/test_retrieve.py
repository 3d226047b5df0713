"""Pygame retrieval: recall@5 on the questions in questions.py, readable chunks, and an index that
is cached per pygame version and rebuilt only where a file changed."""

from __future__ import annotations

import sqlite3

import pytest

from codeling.errors import CodelingError
from codeling.helper.ask import retrieve

from .questions import QUESTIONS

pygame_present = pytest.mark.skipif(
    retrieve.importlib.util.find_spec("pygame") is None, reason="pygame is not installed (pip install .[learn])"
)


@pygame_present
def test_recall_at_5_is_at_least_90_percent(cache):
    assert len(QUESTIONS) >= 40
    answered = [q for q, files in QUESTIONS if {h.path for h in retrieve.ask(q, 5, cache, method="bm25")} & set(files)]
    assert len(answered) / len(QUESTIONS) >= 0.9, sorted(set(q for q, _ in QUESTIONS) - set(answered))


@pygame_present
def test_the_arrow_keys_question_returns_an_example_that_moves_a_sprite(cache):
    hits = retrieve.ask("how do I move a sprite with the arrow keys", 5, cache, method="bm25")
    example = next(h for h in hits if h.path.startswith("examples/"))
    assert "K_LEFT" in example.text or "K_RIGHT" in example.text or ".move(" in example.text
    assert example.text.lstrip().startswith(("def ", "class ", "#", "import", '"""', "@")) or example.title == "module"
    root, version = retrieve.pygame_root()
    lines = (root / example.path).read_text().splitlines()
    assert "\n".join(lines[example.start_line - 1 : example.end_line]) == example.text
    assert retrieve.index_path(version, cache).name == f"pygame-{version}-index-v{retrieve.FORMAT}.sqlite"


def test_python_is_chunked_by_whole_functions():
    text = "import os\n\n\ndef a():\n    return 1\n\n\nclass B:\n    def m(self):\n        pass\n\n\na()\n"
    assert retrieve.chunk_python(text) == [(4, 5, "a"), (8, 10, "B"), (1, 1, "module"), (13, 13, "module")]


def test_rest_is_chunked_by_documented_function():
    text = (
        "pygame.draw\n===========\n\nintro\n\n"
        ".. function:: circle\n\n   draws a circle\n\n.. function:: line\n\n   a line\n"
    )
    assert retrieve.chunk_rest(text) == [(1, 5, "pygame.draw"), (6, 9, "circle"), (10, 12, "line")]


def test_rebuilding_reads_only_the_files_that_changed(tmp_path):
    root = tmp_path / "pygame"
    (root / "examples").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "examples" / "one.py").write_text("def jump():\n    return 'hop'\n")
    (root / "examples" / "two.py").write_text("def swim():\n    return 'splash'\n")
    index = tmp_path / "index.sqlite"
    retrieve.build_index(root, index).close()
    db = sqlite3.connect(index)
    db.execute("UPDATE chunks SET body = 'marked' WHERE path = 'examples/one.py'")  # would be redone if re-read
    db.commit()
    db.close()
    (root / "examples" / "two.py").write_text("def dive():\n    return 'deep'\n")
    db = retrieve.build_index(root, index)
    bodies = dict(db.execute("SELECT path, body FROM chunks"))
    assert bodies == {"examples/one.py": "marked", "examples/two.py": "def dive():\n    return 'deep'"}
    (root / "examples" / "two.py").unlink()
    assert [r[0] for r in retrieve.build_index(root, index).execute("SELECT path FROM chunks")] == ["examples/one.py"]


def test_a_question_without_words_is_refused():
    with pytest.raises(CodelingError, match="no words"):
        retrieve.query_terms("how do I ?")
