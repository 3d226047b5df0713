"""The versioned dataset: immutable versions, provenance, refusal of stores it cannot read."""

import sqlite3

import pytest

from codeling.errors import CodelingError
from codeling.improve.store import MIGRATIONS, SCHEMA, SCHEMA_VERSION, Store

TASK = {
    "task_id": "lists/first/abc",
    "entry_point": "first",
    "prompt": "def first(xs):\n",
    "tests": "assert first([1]) == 1\n",
    "family": "lists",
    "level": 1,
}


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "dataset.sqlite")
    s.add_tasks([TASK], "suite", 0)
    yield s
    s.close()


def add_checked(store, round_, completions, model="m" * 64):
    task = store.tasks()[0].id
    store.add_samples(round_, model, {task: completions})
    ids = [sid for sid, _, _ in store.unchecked(round_)]
    store.record_checks([(sid, "passed", 0.01, f"hash{sid}", 1.0, False) for sid in ids])
    return ids


def test_versions_build_on_their_parent_and_trace_to_round_model_and_prompt(store):
    first = add_checked(store, 1, ["    return xs[0]\n", "    for x in xs:\n        return x\n"])
    v1 = store.add_version(1, first[:1])
    second = add_checked(store, 2, ["    return xs[:1][0]\n"], model="n" * 64)
    v2 = store.add_version(2, second)
    assert (v1, v2) == (1, 2)
    assert [s.sample for s in store.version_samples(1)] == first[:1]
    kept = store.version_samples(2)
    assert [s.sample for s in kept] == [first[0], second[0]]
    assert [(s.round, s.model_sha256[0], s.prompt) for s in kept] == [
        (1, "m", TASK["prompt"]),
        (2, "n", TASK["prompt"]),
    ]
    assert [v["parent"] for v in store.versions()] == [None, 1]
    assert store.kept_hashes() == {store.tasks()[0].id: {f"hash{first[0]}", f"hash{second[0]}"}}


def test_a_version_cannot_be_changed_or_deleted(store):
    store.add_version(1, add_checked(store, 1, ["    return xs[0]\n"]))
    for statement in (
        "UPDATE versions SET round = 5",
        "DELETE FROM versions",
        "DELETE FROM version_samples",
        "UPDATE version_samples SET sample = 99",
    ):
        with pytest.raises(sqlite3.DatabaseError, match="immutable"):
            store.db.execute(statement)
    assert len(store.version_samples(1)) == 1


def test_a_sample_is_stored_once_per_task_round_and_index(store):
    add_checked(store, 1, ["    return xs[0]\n"])
    with pytest.raises(sqlite3.IntegrityError):
        store.add_samples(1, "m" * 64, {store.tasks()[0].id: ["    return xs[0]\n"]})
    assert len(store.round_samples(1)) == 1  # the failed chunk left nothing behind


def test_unknown_version_is_one_sentence(store):
    with pytest.raises(CodelingError, match="has no dataset version 3"):
        store.version_samples(3)


def test_a_newer_or_corrupt_store_is_refused(tmp_path):
    newer = tmp_path / "newer.sqlite"
    Store(newer).close()
    db = sqlite3.connect(newer)
    db.execute("UPDATE meta SET value = ?", (str(SCHEMA_VERSION + 1),))
    db.commit()
    db.close()
    with pytest.raises(CodelingError, match=f"schema version {SCHEMA_VERSION + 1}"):
        Store(newer)
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"not a database at all" * 100)
    with pytest.raises(CodelingError, match="not a readable codeling dataset"):
        Store(corrupt)
    assert corrupt.read_bytes() == b"not a database at all" * 100  # refused, never rewritten


def test_a_version_1_store_gains_the_drafts_table_and_keeps_its_data(tmp_path):
    path = tmp_path / "v1.sqlite"
    db = sqlite3.connect(path)
    db.executescript(SCHEMA.replace(MIGRATIONS[1], "") + "INSERT INTO meta VALUES ('schema_version', '1');")
    db.execute(
        "INSERT INTO tasks (task_id, source, round, entry_point, prompt, tests, text_sha256) "
        "VALUES ('t', 'suite', 0, 'f', 'def f():\n', '', 'x')"
    )
    db.commit()
    db.close()
    store = Store(path)
    assert store.db.execute("SELECT value FROM meta").fetchone()[0] == str(SCHEMA_VERSION)
    assert [t.task_id for t in store.tasks()] == ["t"] and store.round_drafts(1) == []
    store.close()
