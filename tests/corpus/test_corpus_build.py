import json

import pytest
from corpus_samples import module

from codeling.corpus import CorpusSettings, Source, build_corpus, iter_records, iter_texts
from codeling.corpus.filters import strip_licence_header
from codeling.errors import CodelingError


def _build(out, root, **settings):
    return build_corpus(out, [Source("src", "dir", root)], CorpusSettings(**settings), workers=1)


def _rejected(out) -> dict[str, str]:
    return {r["path"]: r["reason"] for r in map(json.loads, (out / "rejected.jsonl").read_text().splitlines())}


def test_directory_keeps_good_files_and_counts_every_bad_one(tmp_path, code_dir):
    report = _build(tmp_path / "corpus", code_dir, val_fraction=0.0)
    kept = {r["path"] for r in iter_records(tmp_path / "corpus", "train")}
    assert kept == {"alpha.py", "pkg/beta.py", "pkg/gamma.py"}
    assert _rejected(tmp_path / "corpus") == {
        "binary.py": "binary",
        "broken.py": "syntax_error",
        "dangling.py": "unreadable",
        "empty.py": "empty",
        "latin1.py": "not_utf8",
    }
    assert report.rejected == {"binary": 1, "empty": 1, "not_utf8": 1, "syntax_error": 1, "unreadable": 1}
    assert report.manifest["counts"] == {"seen": 8, "kept": 3, "rejected": report.rejected}
    assert report.manifest["sources"][0]["kept"] == 3


def test_size_and_line_length_limits(tmp_path):
    root = tmp_path / "src"
    root.mkdir()
    (root / "big.py").write_text("x = 1\n" * 2000)
    (root / "wide.py").write_text("x = '" + "a" * 300 + "'\n")
    (root / "fine.py").write_text("y = 2\n")
    _build(tmp_path / "corpus", root, max_bytes=5000, max_line_length=200)
    assert _rejected(tmp_path / "corpus") == {"big.py": "too_large", "wide.py": "long_lines"}


def test_exact_normalized_and_near_duplicates_are_removed(tmp_path):
    root = tmp_path / "src"
    root.mkdir()
    original = module("orig", 20)
    (root / "a_original.py").write_text(original)
    (root / "b_copy.py").write_text(original)
    (root / "c_reformatted.py").write_text(
        original.replace("    # scale", "        # another comment\n    # scale").replace(" = []", "=[]")
    )
    (root / "d_edited.py").write_text(original.replace("orig_step_3(", "renamed_step(", 1))
    (root / "e_other.py").write_text(module("other", 20))
    report = _build(tmp_path / "corpus", root, val_fraction=0.0)
    assert report.rejected == {"exact_duplicate": 1, "near_duplicate": 1, "normalized_duplicate": 1}
    rejected = [json.loads(line) for line in (tmp_path / "corpus" / "rejected.jsonl").read_text().splitlines()]
    assert {r["path"]: (r["reason"], r["duplicate_of"]) for r in rejected} == {
        "b_copy.py": ("exact_duplicate", "src:a_original.py"),
        "c_reformatted.py": ("normalized_duplicate", "src:a_original.py"),
        "d_edited.py": ("near_duplicate", "src:a_original.py"),
    }
    # With near-duplicate removal off, the edited file is kept; the normalised copy still is not.
    report = _build(tmp_path / "corpus2", root, val_fraction=0.0, near_threshold=None)
    assert report.rejected == {"exact_duplicate": 1, "normalized_duplicate": 1}


def test_same_input_gives_byte_identical_corpus_whatever_the_workers(tmp_path, code_dir):
    _build(tmp_path / "one", code_dir, val_fraction=0.4)
    _build(tmp_path / "two", code_dir, val_fraction=0.4)
    build_corpus(tmp_path / "three", [Source("src", "dir", code_dir)], CorpusSettings(val_fraction=0.4), workers=2)
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == ["manifest.json", "rejected.jsonl", "train.jsonl", "val.jsonl"]
    for name in names:
        data = (tmp_path / "one" / name).read_bytes()
        assert data == (tmp_path / "two" / name).read_bytes() == (tmp_path / "three" / name).read_bytes(), name


def test_split_is_by_content_and_holds_each_file_once(tmp_path):
    root = tmp_path / "src"
    root.mkdir()
    for i in range(40):
        (root / f"m{i:02d}.py").write_text(module(f"mod{i}", 3))
    report = _build(tmp_path / "corpus", root, val_fraction=0.25)
    train = {r["path"] for r in iter_records(tmp_path / "corpus", "train")}
    val = {r["path"] for r in iter_records(tmp_path / "corpus", "val")}
    assert not train & val and len(train | val) == 40
    assert 3 <= len(val) <= 18 and report.kept == {"train": len(train), "val": len(val)}
    # A file's split depends on its content only: drop half the files and the rest stay put.
    for i in range(0, 40, 2):
        (root / f"m{i:02d}.py").unlink()
    _build(tmp_path / "half", root, val_fraction=0.25)
    assert {r["path"] for r in iter_records(tmp_path / "half", "val")} == {p for p in val if int(p[1:3]) % 2}
    # Another seed, another partition.
    _build(tmp_path / "seeded", root, val_fraction=0.25, seed=7)
    assert {r["path"] for r in iter_records(tmp_path / "seeded", "val")} != {p for p in val if int(p[1:3]) % 2}


def test_max_files_stops_early_and_texts_respect_a_budget(tmp_path, code_dir):
    report = _build(tmp_path / "corpus", code_dir, max_files=3, val_fraction=0.0)
    assert report.manifest["counts"]["seen"] == 3
    texts = list(iter_texts(tmp_path / "corpus", "train"))
    assert len(list(iter_texts(tmp_path / "corpus", "train", max_chars=len(texts[0]) + 1))) == 1


def test_crlf_and_bom_become_plain_lf_text(tmp_path):
    root = tmp_path / "src"
    root.mkdir()
    (root / "win.py").write_bytes("\ufeffdef f():\r\n    return 'é'\r\n".encode("utf-8"))
    _build(tmp_path / "corpus", root, val_fraction=0.0)
    (record,) = iter_records(tmp_path / "corpus", "train")
    assert record["text"] == "def f():\n    return 'é'\n"


def test_licence_headers_are_stripped_only_when_asked(tmp_path):
    header = "#!/usr/bin/env python\n# Copyright 2020 Someone\n# Licensed under the MIT License.\n\n"
    assert strip_licence_header(header + "x = 1\n") == "#!/usr/bin/env python\nx = 1\n"
    assert strip_licence_header("# just a comment\nx = 1\n") == "# just a comment\nx = 1\n"
    root = tmp_path / "src"
    root.mkdir()
    (root / "lic.py").write_text(header + "x = 1\n")
    _build(tmp_path / "kept", root, val_fraction=0.0)
    _build(tmp_path / "stripped", root, val_fraction=0.0, strip_licences=True)
    assert next(iter_texts(tmp_path / "kept", "train")) == header + "x = 1\n"
    assert next(iter_texts(tmp_path / "stripped", "train")) == "#!/usr/bin/env python\nx = 1\n"


def test_existing_output_is_left_alone_unless_overwrite(tmp_path, code_dir):
    out = tmp_path / "corpus"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(CodelingError, match="already holds files"):
        _build(out, code_dir)
    assert (out / "keep.txt").read_text() == "mine"
    build_corpus(out, [Source("src", "dir", code_dir)], CorpusSettings(), workers=1, overwrite=True)
    assert not (out / "keep.txt").exists() and (out / "manifest.json").is_file()


def test_bad_settings_and_a_failed_build_leave_nothing(tmp_path, code_dir):
    with pytest.raises(CodelingError, match="Validation fraction"):
        _build(tmp_path / "corpus", code_dir, val_fraction=1.5)
    with pytest.raises(CodelingError, match="threshold"):
        _build(tmp_path / "corpus", code_dir, near_threshold=2.0)
    assert not (tmp_path / "corpus").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["src"]
