"""Retrieval in a child's words: questions widened with the corpus's own vocabulary and the
children's-words table, measured on the questions in child_questions.py (written before either)."""

from __future__ import annotations

import pytest

from codeling.errors import CodelingError
from codeling.helper.ask import expand, retrieve

from .child_questions import CHILD_QUESTIONS
from .questions import QUESTIONS

pygame_present = pytest.mark.skipif(
    retrieve.importlib.util.find_spec("pygame") is None, reason="pygame is not installed (pip install .[learn])"
)


def recall(questions, cache, expansion) -> float:
    answered = [q for q, files in questions if {h.path for h in retrieve.ask(q, 5, cache, expansion)} & set(files)]
    return len(answered) / len(questions)


@pygame_present
def test_childrens_words_are_found_with_the_expansion_and_the_old_questions_lose_nothing(cache):
    assert len(CHILD_QUESTIONS) >= 30
    plain, widened = recall(CHILD_QUESTIONS, cache, "none"), recall(CHILD_QUESTIONS, cache, "both")
    assert plain < 0.5 and widened >= 0.85, (plain, widened)  # measured: 42.5% -> 85% (docs/RESULTS.md)
    assert recall(QUESTIONS, cache, "both") >= recall(QUESTIONS, cache, "none") >= 0.9


@pygame_present
def test_a_child_asking_to_make_a_character_smaller_gets_pygame_transform(cache):
    page = "docs/generated/_sources/ref/transform.rst.txt"
    assert page not in {h.path for h in retrieve.ask("make my character smaller", 5, cache, "none")}
    assert page in {h.path for h in retrieve.ask("make my character smaller", 5, cache, "both")}


def test_words_are_stemmed_alike_in_the_table_and_the_question():
    assert [expand.stem(w) for w in ("spinning", "spins", "spin", "bounced", "touches")] == [
        "spin",
        "spin",
        "spin",
        "bounc",
        "touch",
    ]
    assert expand.table_terms("Spinning") == ["rotate"]


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


def test_a_rare_word_borrows_the_api_names_the_corpus_writes_beside_it(tmp_path):
    db = small_corpus(tmp_path)
    assert expand.corpus_terms(db, "twirl") == ["rotate"]  # an example's comment beside its call
    assert ("image", "rotate") in set(db.execute("SELECT word, name FROM vocab"))  # a doc's description
    assert expand.expanded(db, ["twirl"], "none") == ["twirl"]
    assert expand.expanded(db, ["twirl"], "corpus") == ["twirl", "rotate"]
    assert expand.expanded(db, ["spin"], "table") == ["spin", "rotate"]
    assert expand.expanded(db, ["fade"], "table") == ["fade", "alpha", "set alpha"]  # an API name as a phrase
    with pytest.raises(CodelingError, match="unknown expansion"):
        expand.expanded(db, ["spin"], "more")


def test_one_file_does_not_crowd_out_the_others():
    hits = [retrieve.Hit(p, n, n, "t", 1.0, "") for p, n in [("a", 1), ("a", 2), ("a", 3), ("b", 1), ("a", 4)]]
    assert [(h.path, h.start_line) for h in retrieve.varied(hits, 4)] == [("a", 1), ("a", 2), ("b", 1), ("a", 3)]
