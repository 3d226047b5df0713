"""The versioned dataset of a self-improvement run: one SQLite file (WAL), RUN/dataset.sqlite.

    tasks            every prompt the loop used: where it came from (suite or model), the round that
                     added it, its tests
    drafts           every task the model drafted (authoring.py): its text, the round and model, the
                     verdict (accepted or why not), asserts, mutants made and killed, the task it became
    samples          every completion: its task, round, the model's hash, outcome, runtime, score,
                     normalised-AST hash, and whether it was kept
    rounds           one row a round: start, end, the model that sampled, the phase reached, metrics
    versions         immutable dataset versions: parent, the round that made it, a digest of its samples
    version_samples  which kept samples each version holds

Versions never change once written (triggers refuse UPDATE and DELETE), so every kept sample traces
to the round, model and prompt that made it. Each write is one transaction: a killed run leaves the
store as of its last commit, never half a version.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from codeling import rundir
from codeling.digest import sha256_text
from codeling.errors import CodelingError

SCHEMA_VERSION = 2  # 2 added the drafts table; a version-1 store gains it when opened (MIGRATIONS)

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY, task_id TEXT UNIQUE NOT NULL, source TEXT NOT NULL, round INTEGER NOT NULL,
    entry_point TEXT NOT NULL, prompt TEXT NOT NULL, tests TEXT NOT NULL, family TEXT, level INTEGER,
    text_sha256 TEXT NOT NULL);
CREATE TABLE rounds (
    round INTEGER PRIMARY KEY, started REAL NOT NULL, ended REAL, model_sha256 TEXT, phase TEXT NOT NULL,
    metrics TEXT NOT NULL DEFAULT '{}');
CREATE TABLE samples (
    id INTEGER PRIMARY KEY, task INTEGER NOT NULL REFERENCES tasks(id), round INTEGER NOT NULL,
    sample_index INTEGER NOT NULL, model_sha256 TEXT NOT NULL, completion TEXT NOT NULL, ast_sha256 TEXT,
    outcome TEXT, runtime_s REAL, score REAL, hard_coded INTEGER NOT NULL DEFAULT 0, kept INTEGER NOT NULL DEFAULT 0,
    UNIQUE (task, round, sample_index));
CREATE TABLE drafts (
    id INTEGER PRIMARY KEY, round INTEGER NOT NULL, draft_index INTEGER NOT NULL, model_sha256 TEXT NOT NULL,
    text TEXT NOT NULL, verdict TEXT, asserts INTEGER, mutants INTEGER, killed INTEGER, ast_sha256 TEXT,
    task INTEGER REFERENCES tasks(id), UNIQUE (round, draft_index));
CREATE TABLE versions (
    version INTEGER PRIMARY KEY, parent INTEGER REFERENCES versions(version), round INTEGER NOT NULL,
    created REAL NOT NULL, samples_sha256 TEXT NOT NULL);
CREATE TABLE version_samples (
    version INTEGER NOT NULL REFERENCES versions(version), sample INTEGER NOT NULL REFERENCES samples(id),
    PRIMARY KEY (version, sample));
CREATE TRIGGER versions_immutable BEFORE UPDATE ON versions BEGIN SELECT RAISE(ABORT, 'versions are immutable'); END;
CREATE TRIGGER versions_kept BEFORE DELETE ON versions BEGIN SELECT RAISE(ABORT, 'versions are immutable'); END;
CREATE TRIGGER members_immutable BEFORE UPDATE ON version_samples
    BEGIN SELECT RAISE(ABORT, 'versions are immutable'); END;
CREATE TRIGGER members_kept BEFORE DELETE ON version_samples BEGIN SELECT RAISE(ABORT, 'versions are immutable'); END;
"""

# What turns a store of version N into one of N + 1: only additions, so nothing stored changes.
MIGRATIONS = {
    1: SCHEMA[SCHEMA.index("CREATE TABLE drafts") : SCHEMA.index("CREATE TABLE versions")],
}


@dataclass(frozen=True)
class StoredTask:
    id: int
    task_id: str
    source: str
    round: int
    entry_point: str
    prompt: str
    tests: str
    family: str | None
    level: int | None


@dataclass(frozen=True)
class KeptSample:
    """A sample of a dataset version, with what it traces back to."""

    sample: int
    task_id: str
    prompt: str
    completion: str
    round: int
    model_sha256: str
    score: float


RUN_LOG = rundir.ROUNDS_LOG  # what a run writes beside its store once the store exists


def _check_openable(path: Path) -> bool:
    """Whether the store must be created; CodelingError when it can be neither created nor opened
    for writing. Checked before SQLite sees the path, whose own errors name no cause."""
    if path.is_symlink() or path.exists():
        if not path.is_file():
            raise CodelingError(f"{path} is not a file (a directory or device is in its place); move it away.")
        if not os.access(path, os.R_OK | os.W_OK):
            raise CodelingError(
                f"{path} cannot be written (read-only or immutable: chattr -i); make it writable and resume."
            )
        fresh = False
    elif (path.parent / RUN_LOG).exists():
        # The run got as far as its log, so it had a store: an empty new one would go on as if
        # the samples of every round so far had never been drawn.
        raise CodelingError(
            f"{path} is missing although its run has started; restore it from a backup, "
            "or start a new run in another --out."
        )
    else:
        fresh = True
    # WAL mode keeps two files beside the store, so the folder must be writable too.
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise CodelingError(f"The folder {path.parent} is read-only, and the dataset in it must be written; fix that.")
    return fresh


class Store:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        fresh = _check_openable(self.path)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None)  # transactions are explicit
        except sqlite3.Error as e:
            raise CodelingError(f"{self.path} cannot be opened ({e}); check the file and its folder.") from None
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._create() if fresh else self._check()
        except (sqlite3.DatabaseError, ValueError) as e:
            self.db.close()
            raise CodelingError(
                f"{self.path} is not a readable codeling dataset ({e}); restore it or start a new run."
            ) from None

    def _create(self) -> None:
        # One script, one transaction: a store is created whole or not at all.
        meta = f"INSERT INTO meta VALUES ('schema_version', '{SCHEMA_VERSION}');"
        self.db.executescript(f"BEGIN; {SCHEMA} {meta} COMMIT;")

    def _check(self) -> None:
        # Damage in the middle of the file would otherwise surface later, mid-round, as a traceback.
        problems = [r[0] for r in self.db.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError(f"damaged: {problems[0][:120]}")
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None or int(row[0]) > SCHEMA_VERSION:
            found = "no schema version" if row is None else f"schema version {row[0]}"
            raise CodelingError(
                f"{self.path} has {found}, and this codeling reads up to version {SCHEMA_VERSION}; "
                "open it with the codeling that wrote it."
            )
        for version in range(int(row[0]), SCHEMA_VERSION):
            # Each step in one transaction with its new version number: migrated whole or not at all.
            bump = f"UPDATE meta SET value = '{version + 1}' WHERE key = 'schema_version';"
            self.db.executescript(f"BEGIN; {MIGRATIONS[version]} {bump} COMMIT;")

    def close(self) -> None:
        self.db.close()

    def transaction(self):
        return _Transaction(self.db)

    # Tasks.

    def add_tasks(self, tasks: list[dict], source: str, round_: int) -> None:
        """Insert tasks not yet stored (by task_id): dicts with task_id, entry_point, prompt, tests,
        family, level."""
        with self.transaction():
            for t in tasks:
                self._insert_task(t, source, round_)

    def _insert_task(self, t: dict, source: str, round_: int) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO tasks (task_id, source, round, entry_point, prompt, tests, family, level, "
            "text_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                t["task_id"],
                source,
                round_,
                t["entry_point"],
                t["prompt"],
                t["tests"],
                t.get("family"),
                t.get("level"),
                sha256_text(t["prompt"] + t["tests"]),
            ),
        )

    def tasks(self, task_ids: list[str] | None = None) -> list[StoredTask]:
        rows = self.db.execute(
            "SELECT id, task_id, source, round, entry_point, prompt, tests, family, level FROM tasks ORDER BY id"
        )
        found = [StoredTask(*row) for row in rows]
        if task_ids is None:
            return found
        by_id = {t.task_id: t for t in found}
        return [by_id[i] for i in task_ids]

    def round_tasks(self, train_task_ids: list[str], round_: int) -> list[StoredTask]:
        """What round `round_` samples: these suite tasks, then the tasks the model wrote in earlier
        rounds (in the order they were accepted)."""
        written = [t for t in self.tasks() if t.source == "model" and t.round < round_]
        return self.tasks(train_task_ids) + written

    # Drafts: tasks the model wrote.

    def drafted(self, round_: int) -> set[int]:
        """Draft indexes of this round already stored (a resumed round skips their chunks)."""
        return {r[0] for r in self.db.execute("SELECT draft_index FROM drafts WHERE round = ?", (round_,))}

    def add_drafts(self, round_: int, model_sha256: str, by_index: dict[int, str]) -> None:
        """A chunk of a round's drafts, in one transaction."""
        rows = [(round_, i, model_sha256, text) for i, text in sorted(by_index.items())]
        with self.transaction():
            self.db.executemany("INSERT INTO drafts (round, draft_index, model_sha256, text) VALUES (?, ?, ?, ?)", rows)

    def unchecked_drafts(self, round_: int) -> list[tuple[int, str]]:
        """(draft id, text) of this round's drafts without a verdict, in draft order."""
        rows = self.db.execute(
            "SELECT id, text FROM drafts WHERE round = ? AND verdict IS NULL ORDER BY draft_index", (round_,)
        )
        return rows.fetchall()

    def accepted_hashes(self) -> set[str]:
        """Normalised-AST hashes of the references of every accepted task."""
        return {r[0] for r in self.db.execute("SELECT ast_sha256 FROM drafts WHERE verdict = 'accepted'")}

    def record_drafts(self, round_: int, verdicts: list[dict], tasks: dict[int, dict]) -> None:
        """Verdicts (dicts with draft, verdict, asserts, mutants, killed, ast_sha256) and the tasks the
        accepted ones became (draft id -> task row), in one transaction: a draft is judged and its task
        added together, or neither."""
        with self.transaction():
            for v in verdicts:
                task_id = None
                if v["draft"] in tasks:
                    self._insert_task(tasks[v["draft"]], "model", round_)
                    task_id = self.db.execute(
                        "SELECT id FROM tasks WHERE task_id = ?", (tasks[v["draft"]]["task_id"],)
                    ).fetchone()[0]
                self.db.execute(
                    "UPDATE drafts SET verdict = ?, asserts = ?, mutants = ?, killed = ?, ast_sha256 = ?, task = ? "
                    "WHERE id = ?",
                    (v["verdict"], v["asserts"], v["mutants"], v["killed"], v["ast_sha256"], task_id, v["draft"]),
                )

    def round_drafts(self, round_: int) -> list[dict]:
        rows = self.db.execute(
            "SELECT id, draft_index, verdict, asserts, mutants, killed, ast_sha256, task FROM drafts "
            "WHERE round = ? ORDER BY draft_index",
            (round_,),
        )
        keys = ("draft", "draft_index", "verdict", "asserts", "mutants", "killed", "ast_sha256", "task")
        return [dict(zip(keys, row)) for row in rows]

    def written_tasks(self) -> list[dict]:
        """The accepted tasks the model wrote, with their draft's asserts and mutants killed."""
        rows = self.db.execute(
            "SELECT t.task_id, t.round, d.asserts, d.mutants, d.killed, t.prompt, t.tests FROM drafts d "
            "JOIN tasks t ON t.id = d.task ORDER BY t.id"
        )
        keys = ("task_id", "round", "asserts", "mutants", "killed", "prompt", "tests")
        return [dict(zip(keys, row)) for row in rows]

    # Rounds.

    def round_phase(self, round_: int) -> str | None:
        row = self.db.execute("SELECT phase FROM rounds WHERE round = ?", (round_,)).fetchone()
        return row[0] if row else None

    def set_phase(self, round_: int, phase: str, model_sha256: str | None = None, metrics: dict | None = None) -> None:
        """Record that `round_` has reached `phase` (a round row is made when it first starts)."""
        with self.transaction():
            self.db.execute(
                "INSERT INTO rounds (round, started, phase) VALUES (?, ?, ?) "
                "ON CONFLICT(round) DO UPDATE SET phase = ?",
                (round_, time.time(), phase, phase),
            )
            if model_sha256 is not None:
                self.db.execute("UPDATE rounds SET model_sha256 = ? WHERE round = ?", (model_sha256, round_))
            if metrics is not None:
                self.db.execute("UPDATE rounds SET metrics = ? WHERE round = ?", (json.dumps(metrics), round_))
            if phase == "done":
                self.db.execute("UPDATE rounds SET ended = ? WHERE round = ?", (time.time(), round_))

    def rounds(self) -> list[dict]:
        rows = self.db.execute("SELECT round, started, ended, model_sha256, phase, metrics FROM rounds ORDER BY round")
        keys = ("round", "started", "ended", "model_sha256", "phase")
        return [{**dict(zip(keys, row[:5])), "metrics": json.loads(row[5])} for row in rows]

    # Samples.

    def sampled_tasks(self, round_: int) -> set[int]:
        """Tasks that already have their samples of this round (a resumed round skips them)."""
        return {r[0] for r in self.db.execute("SELECT DISTINCT task FROM samples WHERE round = ?", (round_,))}

    def add_samples(self, round_: int, model_sha256: str, by_task: dict[int, list[str]]) -> None:
        """Some tasks' samples of a round, all in one transaction (a chunk of the round's sampling)."""
        rows = [(t, round_, i, model_sha256, c) for t, cs in by_task.items() for i, c in enumerate(cs)]
        with self.transaction():
            self.db.executemany(
                "INSERT INTO samples (task, round, sample_index, model_sha256, completion) VALUES (?, ?, ?, ?, ?)", rows
            )

    def unchecked(self, round_: int) -> list[tuple[int, StoredTask, str]]:
        """(sample id, task, completion) of this round's samples not yet run."""
        tasks = {t.id: t for t in self.tasks()}
        rows = self.db.execute(
            "SELECT id, task, completion FROM samples WHERE round = ? AND outcome IS NULL ORDER BY id", (round_,)
        )
        return [(sid, tasks[task], completion) for sid, task, completion in rows]

    def record_checks(self, checks: list[tuple[int, str, float, str | None, float, bool]]) -> None:
        """(sample id, outcome, runtime_s, ast_sha256, score, hard_coded) for each checked sample."""
        with self.transaction():
            self.db.executemany(
                "UPDATE samples SET outcome = ?, runtime_s = ?, ast_sha256 = ?, score = ?, hard_coded = ? WHERE id = ?",
                [(o, r, h, s, int(hc), sid) for sid, o, r, h, s, hc in checks],
            )

    def kept_hashes(self) -> dict[int, set[str]]:
        """The normalised-AST hashes already kept, per task (a new round adds only new solutions)."""
        found: dict[int, set[str]] = {}
        for task, digest in self.db.execute("SELECT task, ast_sha256 FROM samples WHERE kept = 1"):
            found.setdefault(task, set()).add(digest)
        return found

    def round_samples(self, round_: int) -> list[dict]:
        rows = self.db.execute(
            "SELECT s.id, t.id, s.outcome, s.runtime_s, s.ast_sha256, s.score, s.hard_coded, s.kept, t.prompt, "
            "s.completion, t.family FROM samples s JOIN tasks t ON t.id = s.task WHERE s.round = ? ORDER BY s.id",
            (round_,),
        )
        keys = ("sample", "task", "outcome", "runtime_s", "ast_sha256", "score", "hard_coded", "kept", "prompt")
        keys += ("completion", "family")
        return [dict(zip(keys, row)) for row in rows]

    # Versions.

    def latest_version(self) -> int | None:
        row = self.db.execute("SELECT MAX(version) FROM versions").fetchone()
        return row[0]

    def version_for_round(self, round_: int) -> int | None:
        row = self.db.execute("SELECT version FROM versions WHERE round = ?", (round_,)).fetchone()
        return row[0] if row else None

    def add_version(self, round_: int, new_samples: list[int]) -> int:
        """A new version: the latest one's samples plus `new_samples` (marked kept), in one transaction."""
        with self.transaction():
            parent = self.latest_version()
            inherited = self._member_ids(parent) if parent is not None else []
            members = sorted(set(inherited) | set(new_samples))
            version = (parent or 0) + 1
            digest = sha256_text(",".join(map(str, members)))
            self.db.execute(
                "INSERT INTO versions VALUES (?, ?, ?, ?, ?)", (version, parent, round_, time.time(), digest)
            )
            self.db.executemany("INSERT INTO version_samples VALUES (?, ?)", [(version, m) for m in members])
            self.db.executemany("UPDATE samples SET kept = 1 WHERE id = ?", [(m,) for m in new_samples])
        return version

    def _member_ids(self, version: int) -> list[int]:
        rows = self.db.execute("SELECT sample FROM version_samples WHERE version = ? ORDER BY sample", (version,))
        return [r[0] for r in rows]

    def versions(self) -> list[dict]:
        rows = self.db.execute(
            "SELECT v.version, v.parent, v.round, v.created, v.samples_sha256, COUNT(m.sample) FROM versions v "
            "LEFT JOIN version_samples m ON m.version = v.version GROUP BY v.version ORDER BY v.version"
        )
        keys = ("version", "parent", "round", "created", "samples_sha256", "samples")
        return [dict(zip(keys, row)) for row in rows]

    def version_samples(self, version: int) -> list[KeptSample]:
        if self.db.execute("SELECT 1 FROM versions WHERE version = ?", (version,)).fetchone() is None:
            known = ", ".join(str(v["version"]) for v in self.versions()) or "none yet"
            raise CodelingError(f"{self.path} has no dataset version {version}; its versions: {known}.")
        rows = self.db.execute(
            "SELECT s.id, t.task_id, t.prompt, s.completion, s.round, s.model_sha256, s.score FROM version_samples m "
            "JOIN samples s ON s.id = m.sample JOIN tasks t ON t.id = s.task WHERE m.version = ? ORDER BY s.id",
            (version,),
        )
        return [KeptSample(*row) for row in rows]


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error (a signal included)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind, value, traceback):
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
        return False
