import csv
import json

import pytest
from corpus_samples import module

from codeling.corpus import CorpusSettings, build_corpus, iter_records, resolve_source, resolve_sources
from codeling.errors import CodelingError


def _build(out, *specs, **settings):
    sources = resolve_sources([str(s) for s in specs])
    return build_corpus(out, sources, CorpusSettings(val_fraction=0.0, **settings), workers=1)


def _kept(out) -> dict[str, str]:
    return {r["path"]: r["text"] for r in iter_records(out, "train")}


def test_jsonl_rows_with_path_column_and_bad_lines(tmp_path):
    data = tmp_path / "code.jsonl"
    rows = [
        json.dumps({"max_stars_repo_path": "a/one.py", "content": module("one")}),
        "{not json",
        json.dumps({"max_stars_repo_path": "a/two.py", "content": None}),
        "",
        json.dumps({"max_stars_repo_path": "a/three.py", "content": "def broken(:\n"}),
        json.dumps({"max_stars_repo_path": "a/four.py", "content": module("four")}),
    ]
    data.write_text("\n".join(rows) + "\n")
    report = _build(tmp_path / "corpus", data)
    assert _kept(tmp_path / "corpus") == {
        "code.jsonl#0:a/one.py": module("one"),
        "code.jsonl#5:a/four.py": module("four"),
    }
    assert report.rejected == {"bad_record": 2, "syntax_error": 1}


def test_csv_with_huge_cells_and_a_named_column(tmp_path):
    data = tmp_path / "kaggle.csv"
    big = module("big", 600)  # well over the csv module's default 128 kB cell limit
    assert len(big) > 131072
    with open(data, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "snippet"])
        writer.writerow(["1", module("small")])
        writer.writerow(["2", big])
    with pytest.raises(CodelingError, match="--code-column"):
        _build(tmp_path / "corpus", data)
    assert not (tmp_path / "corpus").exists()
    _build(tmp_path / "corpus", data, code_column="snippet")
    assert _kept(tmp_path / "corpus") == {"kaggle.csv#0": module("small"), "kaggle.csv#1": big}


def test_csv_non_utf8_cell_is_counted(tmp_path):
    data = tmp_path / "mixed.csv"
    data.write_bytes(b"code\n" + module("fine").replace("\n", "\\n").encode() + b"\nname = 'caf\xe9'\n")
    # Rows are one line each here, so the escaped module is not valid Python; only the count matters.
    report = _build(tmp_path / "corpus", data)
    assert report.rejected["not_utf8"] == 1


def test_parquet_and_arrow_files_like_hugging_face_datasets(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.ipc
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "repo_name": ["r/x", "r/y", "r/z"],
            "path": ["x.py", "y.py", "z.py"],
            "content": [module("x"), module("y"), "x = (\n"],
        }
    )
    folder = tmp_path / "hub" / "data"
    folder.mkdir(parents=True)
    pq.write_table(table, folder / "train-00000-of-00001.parquet", row_group_size=2)
    # datasets.save_to_disk writes the Arrow IPC stream format.
    saved = tmp_path / "saved" / "train"
    saved.mkdir(parents=True)
    other = pa.table({"text": [module("w"), module("x")]})
    with (
        pa.OSFile(str(saved / "data-00000-of-00001.arrow"), "wb") as sink,
        pyarrow.ipc.new_stream(sink, other.schema) as writer,
    ):
        writer.write_table(other)
    report = _build(tmp_path / "corpus", tmp_path / "hub", tmp_path / "saved")
    kept = _kept(tmp_path / "corpus")
    assert kept == {
        "data/train-00000-of-00001.parquet#0:x.py": module("x"),
        "data/train-00000-of-00001.parquet#1:y.py": module("y"),
        "train/data-00000-of-00001.arrow#0": module("w"),
    }
    assert report.rejected == {"exact_duplicate": 1, "syntax_error": 1}
    # A parquet file named directly works too, and the row count feeds the progress total.
    seen = []
    build_corpus(
        tmp_path / "direct",
        [resolve_source(str(folder / "train-00000-of-00001.parquet"))],
        CorpusSettings(),
        progress=seen.append,
        workers=1,
    )
    assert seen[-1].done == seen[-1].total == 3


def test_corrupt_or_codeless_data_files_in_a_walk_are_counted_not_fatal(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "bad.parquet").write_bytes(b"PAR1 this is not parquet")
    (tmp_path / "d" / "ok.py").write_text(module("ok"))
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"x": [1, 2]}), tmp_path / "d" / "numbers.parquet")  # a library's test fixture, say
    report = _build(tmp_path / "corpus", tmp_path / "d")
    assert report.rejected == {"no_code_column": 1, "unreadable": 1} and report.manifest["counts"]["kept"] == 1
    with pytest.raises(CodelingError, match="--code-column"):  # named directly, it is the user's to fix
        _build(tmp_path / "named", tmp_path / "d" / "numbers.parquet")


def test_unusable_sources_fail_with_one_sentence(tmp_path):
    with pytest.raises(CodelingError, match="does not exist"):
        resolve_source(str(tmp_path / "nowhere"))
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(CodelingError, match="neither a directory"):
        resolve_source(str(tmp_path / "notes.txt"))
    (tmp_path / "a.py").write_text("x = 1\n")
    with pytest.raises(CodelingError, match="given twice"):
        _build(tmp_path / "corpus", tmp_path / "a.py", tmp_path / "a.py")
