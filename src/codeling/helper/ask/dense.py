"""Retrieval by meaning: every chunk of the index embedded once (helper/ask/embed.py) and cached in
the same SQLite file as the FTS5 index, table `vectors`; a question is answered by cosine similarity.

A chunk's vector is kept while its file's sha256 is unchanged (each vector records the sha256 its
file had): `sync` drops the vectors of files that changed or went, and embeds only the chunks that
have no vector.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np

SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (path TEXT, start_line INTEGER, sha256 TEXT, model TEXT, vec BLOB);"
SCHEMA_INDEX = "CREATE INDEX IF NOT EXISTS vectors_at ON vectors (path, start_line);"


TEXT = 2  # how a chunk is written for the model; bump it and every vector is recomputed


def chunk_text(path: str, title: str, body: str) -> str:
    """What is embedded: the file's name (a doc entry alone does not say its module: "rotate" in
    transform or in math), the chunk's title, then its text (the model reads the first 128 tokens).
    The name added 7.5 and 10 points of recall@5 on the development questions (issue 29's and
    benchmarks/helper_ask_dev.py's), measured before the held-out questions were asked again."""
    return f"{Path(path).name.split('.')[0]} {title}\n{body}"


def _key(embedder) -> str:
    return f"{embedder.name}/text-{TEXT}"


def sync(db: sqlite3.Connection, embedder, progress: Callable[[int, int], None] | None = None) -> int:
    """Embed the chunks that have no vector from this model yet; returns how many were embedded."""
    db.executescript(SCHEMA + SCHEMA_INDEX)
    chunks = {
        (p, int(s), sha): (t, b)
        for p, s, t, b, sha in db.execute(
            "SELECT c.path, c.start_line, c.title, c.body, f.sha256 FROM chunks c JOIN files f ON f.path = c.path"
        )
    }
    key = _key(embedder)
    have = set(db.execute("SELECT path, start_line, sha256 FROM vectors WHERE model = ?", (key,)))
    with db:  # vectors of another model (or text), or of a chunk whose file changed or went
        db.execute("DELETE FROM vectors WHERE model != ?", (key,))
        stale = [key for key in have if key not in chunks]
        db.executemany("DELETE FROM vectors WHERE path = ? AND start_line = ? AND sha256 = ?", stale)
    missing = [(*key, *chunks[key]) for key in sorted(set(chunks) - have)]
    step = 64  # committed in steps: an interrupted first build keeps what it embedded
    for start in range(0, len(missing), step):
        part = missing[start : start + step]
        vecs = embedder.encode([chunk_text(p, t, b) for p, _, _, t, b in part])
        with db:
            db.executemany(
                "INSERT INTO vectors VALUES (?, ?, ?, ?, ?)",
                [(p, s, sha, key, v.tobytes()) for (p, s, sha, _, _), v in zip(part, vecs)],
            )
        if progress:
            progress(min(start + step, len(missing)), len(missing))
    return len(missing)


def search(db: sqlite3.Connection, embedder, question: str, n: int) -> list[tuple[str, int, float]]:
    """(path, start_line, cosine) of the `n` chunks nearest the question, nearest first."""
    rows = db.execute("SELECT path, start_line, vec FROM vectors WHERE model = ?", (_key(embedder),)).fetchall()
    if not rows:
        return []
    matrix = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32).reshape(len(rows), -1)
    scores = matrix @ embedder.encode([question])[0]
    best = np.argsort(-scores, kind="stable")[:n]
    return [(rows[i][0], int(rows[i][1]), float(scores[i])) for i in best]
