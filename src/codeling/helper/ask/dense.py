"""Retrieval by meaning: every chunk of the index embedded once (helper/ask/embed.py) and cached in
the same SQLite file as the FTS5 index, table `vectors`; a question is answered by cosine similarity.

A chunk's vector is kept while its file's sha256 is unchanged (each vector records the sha256 its
file had): `sync` drops the vectors of files that changed or went, and embeds only the chunks that
have no vector.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import numpy as np

SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (path TEXT, start_line INTEGER, sha256 TEXT, model TEXT, vec BLOB);"
SCHEMA_INDEX = "CREATE INDEX IF NOT EXISTS vectors_at ON vectors (path, start_line);"


def chunk_text(title: str, body: str) -> str:
    """What is embedded: the chunk's title, then its text (the model reads the first 128 tokens)."""
    return f"{title}\n{body}"


def sync(db: sqlite3.Connection, embedder, progress: Callable[[int, int], None] | None = None) -> int:
    """Embed the chunks that have no vector from this model yet; returns how many were embedded."""
    db.executescript(SCHEMA + SCHEMA_INDEX)
    chunks = {
        (p, int(s), sha): (t, b)
        for p, s, t, b, sha in db.execute(
            "SELECT c.path, c.start_line, c.title, c.body, f.sha256 FROM chunks c JOIN files f ON f.path = c.path"
        )
    }
    have = set(db.execute("SELECT path, start_line, sha256 FROM vectors WHERE model = ?", (embedder.name,)))
    with db:  # vectors of another model, or of a chunk whose file changed or went
        db.execute("DELETE FROM vectors WHERE model != ?", (embedder.name,))
        stale = [key for key in have if key not in chunks]
        db.executemany("DELETE FROM vectors WHERE path = ? AND start_line = ? AND sha256 = ?", stale)
    missing = [(*key, *chunks[key]) for key in sorted(set(chunks) - have)]
    step = 64  # committed in steps: an interrupted first build keeps what it embedded
    for start in range(0, len(missing), step):
        part = missing[start : start + step]
        vecs = embedder.encode([chunk_text(t, b) for _, _, _, t, b in part])
        with db:
            db.executemany(
                "INSERT INTO vectors VALUES (?, ?, ?, ?, ?)",
                [(p, s, sha, embedder.name, v.tobytes()) for (p, s, sha, _, _), v in zip(part, vecs)],
            )
        if progress:
            progress(min(start + step, len(missing)), len(missing))
    return len(missing)


def search(db: sqlite3.Connection, embedder, question: str, n: int) -> list[tuple[str, int, float]]:
    """(path, start_line, cosine) of the `n` chunks nearest the question, nearest first."""
    rows = db.execute("SELECT path, start_line, vec FROM vectors WHERE model = ?", (embedder.name,)).fetchall()
    if not rows:
        return []
    matrix = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32).reshape(len(rows), -1)
    scores = matrix @ embedder.encode([question])[0]
    best = np.argsort(-scores, kind="stable")[:n]
    return [(rows[i][0], int(rows[i][1]), float(scores[i])) for i in best]
