"""The one bounded reader (codeling/files.py): what a path is and how big is checked before a byte is
read, and any bytes end in the data or in one CodelingError sentence, never another exception."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codeling import files
from codeling.errors import CodelingError

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(data=st.binary(max_size=300))
def test_any_bytes_are_text_json_or_one_sentence(tmp_path, data):
    path = tmp_path / "f.json"
    path.write_bytes(data)
    for read in (files.read_text, files.read_json):
        try:
            read(path, 1000, "report")
        except CodelingError as e:
            assert str(path) in str(e) and "\n" not in str(e)
    rows = files.json_lines(path, 1000)
    assert all(isinstance(r, dict) for r in rows)


@FAST
@given(value=JSON)
def test_json_of_the_wrong_shape_is_refused_with_its_type(tmp_path, value):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(value))
    try:
        assert isinstance(files.read_json(path, 10_000, "manifest"), dict)
    except CodelingError as e:
        assert not isinstance(value, dict) and "not the dict a manifest is" in str(e)


def test_special_files_are_refused_before_reading(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(CodelingError, match="is a FIFO"):
        files.read_text(fifo, 100, "program")  # would block forever waiting for a writer
    with pytest.raises(CodelingError, match="is a device"):
        files.read_bytes("/dev/zero", 100)  # would never end
    with pytest.raises(CodelingError, match="is a directory"):
        files.read_bytes(tmp_path, 100)
    with pytest.raises(CodelingError, match="does not exist"):
        files.read_bytes(tmp_path / "nope", 100)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 101)
    with pytest.raises(CodelingError, match="101 bytes"):
        files.read_bytes(big, 100)
    assert files.read_bytes(big, 10, tail=True) == b"x" * 10


def test_a_log_longer_than_the_limit_is_read_from_its_end(tmp_path):
    log = tmp_path / "metrics.jsonl"
    log.write_text("".join(json.dumps({"step": i}) + "\n" for i in range(1000)))
    rows = files.json_lines(log, 200, tail=True)
    assert rows and rows[-1] == {"step": 999} and all(r["step"] > 980 for r in rows)


def test_paths_named_by_a_file_stay_inside_their_directory(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "secret").write_text("x")
    (tmp_path / "run" / "config.yaml").symlink_to(tmp_path / "secret")
    assert files.inside(tmp_path / "run", "a/b") == (tmp_path / "run" / "a" / "b").resolve()
    for name in ("../secret", "config.yaml", "/etc/shadow", "../../../../etc/shadow"):
        with pytest.raises(CodelingError, match="leads outside"):
            files.inside(tmp_path / "run", Path(name), "A manifest entry")
