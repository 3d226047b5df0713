"""Retrieval in a child's words: questions widened with the corpus's own vocabulary and the
children's-words table (their recall is measured by benchmarks/helper_ask.py on held-out questions)."""

from __future__ import annotations

import pytest

from codeling.errors import CodelingError
from codeling.helper.ask import expand, retrieve


def test_words_are_stemmed_alike_in_the_table_and_the_question():
    assert [expand.stem(w) for w in ("spinning", "spins", "spin", "bounced", "touches")] == [
        "spin",
        "spin",
        "spin",
        "bounc",
        "touch",
    ]
    assert expand.table_terms("Twisting") == ["rotate"]


def small_corpus(tmp_path):
    root = tmp_path / "pygame"
    (root / "examples").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "examples" / "ship.py").write_text(
        "def turn(ship):\n    # make the rocket twirl round\n    return pygame.transform.rotate(ship, 90)\n"
    )
    (root / "docs" / "transform.rst").write_text(
        "pygame.transform\n================\n\n.. function:: rotate\n\n   | :sl:`rotate an image`\n\n"
        "   Unfiltered counterclockwise rotation.\n"
    )
    return retrieve.build_index(root, tmp_path / "index.sqlite")


def test_a_rare_word_borrows_the_api_names_the_corpus_writes_beside_it(tmp_path, monkeypatch):
    db = small_corpus(tmp_path)
    assert expand.corpus_terms(db, "twirl") == ["rotate"]  # an example's comment beside its call
    assert ("image", "rotate") in set(db.execute("SELECT word, name FROM vocab"))  # a doc's description
    assert expand.expanded(db, ["twirl"], "none") == ["twirl"]
    assert expand.expanded(db, ["twirl"], "corpus") == ["twirl", "rotate"]
    assert expand.expanded(db, ["twist"], "table") == ["twist", "rotate"]
    monkeypatch.setitem(expand.CHILD_WORDS, "fade", ("alpha", "set_alpha"))
    assert expand.expanded(db, ["fade"], "table") == ["fade", "alpha", "set alpha"]  # an API name as a phrase
    with pytest.raises(CodelingError, match="unknown expansion"):
        expand.expanded(db, ["spin"], "more")


def test_one_file_does_not_crowd_out_the_others():
    hits = [retrieve.Hit(p, n, n, "t", 1.0, "") for p, n in [("a", 1), ("a", 2), ("a", 3), ("b", 1), ("a", 4)]]
    assert [(h.path, h.start_line) for h in retrieve.varied(hits, 4)] == [("a", 1), ("a", 2), ("b", 1), ("a", 3)]
