"""The contamination report finds a benchmark item planted in a corpus, in both corpus formats."""

import numpy as np
import pytest

from codeling.corpus import CorpusSettings, build_corpus, resolve_sources
from codeling.data.shards import SplitArrays, write_shards
from codeling.errors import CodelingError
from codeling.evals.contamination import Reference, contamination, ngrams, references
from codeling.evals.humaneval import load_humaneval
from codeling.tokenizers.char import CharTokenizer

CLEAN = "import os\n\n\ndef walk(top):\n    for root, dirs, files in os.walk(top):\n        yield root, files\n"


@pytest.fixture(scope="module")
def planted():
    return load_humaneval(limit=3)[1]  # HumanEval/1, copied into the "training" corpus


def _refs():
    return [Reference("humaneval", p.task_id, p.prompt + p.canonical_solution) for p in load_humaneval(limit=3)]


def test_ngrams_on_whitespace_tokens():
    assert ngrams("a b  c\nd", 3) == {("a", "b", "c"), ("b", "c", "d")}
    assert ngrams("a b", 3) == set()


def test_corpus_directory(tmp_path, planted):
    src = tmp_path / "src"
    src.mkdir()
    (src / "clean.py").write_text(CLEAN)
    (src / "leak.py").write_text("# copied from a benchmark\n" + planted.prompt + planted.canonical_solution)
    build_corpus(
        tmp_path / "corpus",
        resolve_sources([str(src)]),
        CorpusSettings(val_fraction=0.0, near_threshold=None),
        workers=1,
    )
    report = contamination(tmp_path / "corpus", _refs(), n=13, threshold=0.5)
    assert report.kind == "corpus" and report.documents == 2
    by_name = {i.name: i for i in report.items}
    assert by_name["HumanEval/1"].fraction == 1.0 and by_name["HumanEval/1"].ngrams > 20
    assert by_name["HumanEval/0"].fraction == 0.0 and by_name["HumanEval/2"].fraction == 0.0
    summary = report.benchmarks["humaneval"]
    assert (summary.items, summary.flagged, summary.flagged_names) == (3, 1, ["HumanEval/1"])
    assert len(report.warnings) == 1 and "HumanEval/1" in report.warnings[0]


def test_shard_directory(tmp_path, planted):
    texts = [CLEAN, planted.prompt + planted.canonical_solution[: len(planted.canonical_solution) // 2]]
    tokenizer = CharTokenizer.fit(texts)
    tokens = np.array([i for t in texts for i in tokenizer.encode(t)])
    write_shards(tmp_path / "shards", {"train": SplitArrays(tokens), "val": SplitArrays(tokens[:10])}, tokenizer)
    report = contamination(tmp_path / "shards", _refs(), n=13, threshold=0.9)
    leaked = {i.name: i for i in report.items}["HumanEval/1"]
    # The copy is the first words of the item, whole: every 13-gram inside them is found, none past them.
    item, copied = (planted.prompt + planted.canonical_solution).split(), texts[1].split()
    assert copied == item[: len(copied)] and len(copied) < len(item)
    assert report.kind == "shards" and (leaked.ngrams, leaked.found) == (len(item) - 12, len(copied) - 12)
    assert leaked.fraction == (len(copied) - 12) / (len(item) - 12)
    assert report.warnings == []


def test_default_references_cover_humaneval_and_the_task_test_split():
    refs = references()
    names = {r.benchmark for r in refs}
    assert names == {"humaneval", "tasks-test"}
    assert sum(r.benchmark == "humaneval" for r in refs) == 164


def test_bad_input(tmp_path):
    with pytest.raises(CodelingError):
        contamination(tmp_path, _refs())
    (tmp_path / "manifest.json").write_text('{"format": "something-else"}')
    with pytest.raises(CodelingError):
        contamination(tmp_path, _refs())
