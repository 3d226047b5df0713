import json

import numpy as np
import pytest
from corpus_samples import module

from codeling.cli import main
from codeling.corpus import CorpusSettings, Source, build_corpus, iter_texts, tokenize_corpus
from codeling.data.shards import Shards
from codeling.errors import CodelingError
from codeling.tokenizers import BPETokenizer, CharTokenizer, load_tokenizer


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "src"
    root.mkdir()
    for i in range(24):
        (root / f"m{i:02d}.py").write_text(module(f"mod{i}", 4))
    build_corpus(tmp_path / "corpus", [Source("src", "dir", root)], CorpusSettings(val_fraction=0.2), workers=1)
    return tmp_path / "corpus"


def test_shards_hold_every_file_followed_by_end_of_text(tmp_path, corpus):
    tok = BPETokenizer.train(iter_texts(corpus, "train"), vocab_size=400)
    seen = []
    manifest = tokenize_corpus(corpus, tok, tmp_path / "shards", progress=seen.append, batch_size=5)
    shards = Shards(tmp_path / "shards")
    assert shards.tokenizer().identity() == tok.identity() == manifest["tokenizer"]
    for split in ("train", "val"):
        texts = list(iter_texts(corpus, split))
        assert texts, split
        expected = np.array([t for text in texts for t in tok.encode(text) + [tok.eos_id]])
        tokens = shards.split(split).tokens
        assert np.array_equal(tokens, expected)
        assert int((tokens == tok.eos_id).sum()) == len(texts)
        assert tok.decode(tokens[: len(tok.encode(texts[0]))].tolist()) == texts[0]
    assert seen[-1].done == seen[-1].total == 24 and seen[-1].data["tokens"] == sum(
        i["tokens"] for i in manifest["splits"].values()
    )
    assert manifest["provenance"]["corpus_splits"]["train"]["documents"] == len(list(iter_texts(corpus, "train")))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # scratch files are gone


def test_a_tokenizer_without_end_of_text_is_refused(tmp_path, corpus):
    char = CharTokenizer.fit(iter_texts(corpus, "train"))
    with pytest.raises(CodelingError, match="end-of-text"):
        tokenize_corpus(corpus, char, tmp_path / "shards")
    assert not (tmp_path / "shards").exists()


def test_command_line_builds_trains_and_tokenizes(tmp_path, corpus, capsys):
    src = tmp_path / "src"
    main(
        ["corpus", "build", str(src), "--out", str(tmp_path / "cli-corpus"), "--workers", "1", "--val-fraction", "0.2"]
    )
    assert (tmp_path / "cli-corpus" / "train.jsonl").read_bytes() == (corpus / "train.jsonl").read_bytes()
    main(["tokenizer", "train", "--corpus", str(corpus), "--vocab-size", "300", "--out", str(tmp_path / "tok.json")])
    tok = load_tokenizer(tmp_path / "tok.json")
    assert tok.vocab_size == 300 and json.loads((tmp_path / "tok.json").read_text())["model"]["type"] == "BPE"
    shards = tmp_path / "shards"
    tokenize = [
        "corpus",
        "tokenize",
        "--corpus",
        str(corpus),
        "--tokenizer",
        str(tmp_path / "tok.json"),
        "--out",
        str(shards),
    ]
    main(tokenize)
    assert Shards(shards).manifest["tokenizer"] == tok.identity()
    with pytest.raises(SystemExit) as exit_info:  # the same again: --out now holds files
        main(tokenize)
    assert exit_info.value.code == 2 and "already holds files" in capsys.readouterr().err
