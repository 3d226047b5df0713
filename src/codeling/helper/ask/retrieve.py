"""Answer pygame questions from what the installed pygame wheel ships: its reST documentation sources
and its example programs, in an SQLite FTS5 index ranked by BM25, beside sentence embeddings of the
same chunks (helper/ask/dense.py), the two rankings fused.

The index is built at first use and cached on disk, one file per pygame version; rebuilding is
incremental (a file whose sha256 is unchanged is not read again). Chunks are readable on their own:
a documentation passage (one function, method or section) or a whole function or class of an example.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import os
import re
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

from codeling.digest import sha256_file
from codeling.errors import CodelingError
from codeling.helper.ask import dense, embed, expand

FORMAT = 2  # bump when chunking (or the vocabulary) changes: the cached index is then rebuilt
MAX_CHUNK_LINES = 80
PER_FILE = 2  # hits from one file in a top k, while other files have some
METHODS = ("fused", "bm25", "dense")
POOL = 50  # hits of each ranking that the fusion sees
RRF_K = 60  # reciprocal rank fusion's constant, as its authors set it (not tuned here)
_STOP = set(
    "a an and are as at be by can do does for from get how i in is it make me my of on or put so that the "
    "their this to use using want what when where which who why will with you your".split()
)


@dataclass(frozen=True)
class Hit:
    path: str  # inside the pygame package, e.g. examples/chimp.py or docs/generated/_sources/ref/font.rst.txt
    start_line: int
    end_line: int
    title: str
    score: float  # higher is better: the fused score, or BM25's (negated from SQLite's), or the cosine
    text: str

    def to_dict(self) -> dict:
        return asdict(self)


def pygame_root() -> tuple[Path, str]:
    """The installed pygame package directory and its version (pygame or pygame-ce)."""
    spec = importlib.util.find_spec("pygame")
    if spec is None or not spec.submodule_search_locations:
        raise CodelingError("pygame is not installed, so there is nothing to search; run pip install codeling[learn].")
    for dist in ("pygame", "pygame-ce"):
        try:
            return Path(list(spec.submodule_search_locations)[0]), importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return Path(list(spec.submodule_search_locations)[0]), "unknown"


def source_files(root: Path) -> list[Path]:
    docs = sorted((root / "docs").rglob("*.rst.txt")) + sorted((root / "docs").rglob("*.rst"))
    return docs + sorted((root / "examples").glob("*.py"))


def chunk_python(text: str) -> list[tuple[int, int, str]]:
    """(first line, last line, title) of each top-level function or class; big classes by method;
    the module's own lines between them as one more chunk."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return _by_size(1, len(text.splitlines()), "module")
    out, covered = [], set()
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            continue
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        parts = (
            [node]
            if node.end_lineno - start < MAX_CHUNK_LINES or not isinstance(node, ast.ClassDef)
            else [n for n in node.body if isinstance(n, ast.FunctionDef)]
        )
        for part in parts:
            first = start if part is node else part.lineno
            title = node.name if part is node else f"{node.name}.{part.name}"
            out += _by_size(first, part.end_lineno, title)
        covered |= set(range(start, node.end_lineno + 1))
    lines = text.splitlines()
    rest = [n for n in range(1, len(lines) + 1) if n not in covered and lines[n - 1].strip()]
    runs: list[list[int]] = []
    for n in rest:  # the module's own code, in runs of lines between the functions and classes
        if runs and n - runs[-1][-1] <= 2:
            runs[-1].append(n)
        else:
            runs.append([n])
    for run in runs:
        out += _by_size(run[0], run[-1], "module")
    return out


def chunk_rest(text: str) -> list[tuple[int, int, str]]:
    """One chunk per documented function, method, class or section of a reST page."""
    lines = text.splitlines()
    starts = []
    for i, line in enumerate(lines):
        m = re.match(r"\s*\.\. (?:function|method|class|attribute|data|module)::\s*(\S+)", line)
        heading = i + 1 < len(lines) and lines[i].strip() and re.fullmatch(r"[=\-~^*#]{3,}", lines[i + 1].strip())
        if m:
            starts.append((i + 1, m.group(1)))
        elif heading:
            starts.append((i + 1, lines[i].strip()))
    if not starts or starts[0][0] != 1:
        starts.insert(0, (1, "page"))
    out = []
    for (first, title), (nxt, _) in zip(starts, starts[1:] + [(len(lines) + 1, "")]):
        if any(lines[n - 1].strip() for n in range(first, nxt)):
            out += _by_size(first, nxt - 1, title)
    return out


def _by_size(first: int, last: int, title: str) -> list[tuple[int, int, str]]:
    return [(s, min(s + MAX_CHUNK_LINES - 1, last), title) for s in range(first, last + 1, MAX_CHUNK_LINES)]


def default_cache() -> Path:
    base = os.environ.get("CODELING_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "codeling"
    )
    return Path(base)


def _open(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, sha256 TEXT);"
        "CREATE VIRTUAL TABLE IF NOT EXISTS chunks USING fts5("
        "path UNINDEXED, start_line UNINDEXED, end_line UNINDEXED, title, body, tokenize='porter unicode61');"
        "CREATE TABLE IF NOT EXISTS vocab (path TEXT, word TEXT, name TEXT);"
        "CREATE INDEX IF NOT EXISTS vocab_word ON vocab (word);"
    )
    return db


def build_index(root: Path, path: Path) -> sqlite3.Connection:
    """Open the index at `path`, (re)indexing only the files of `root` that changed since."""
    db = _open(path)
    files = {str(f.relative_to(root)): f for f in source_files(root)}
    known = dict(db.execute("SELECT path, sha256 FROM files"))
    with db:
        for gone in set(known) - set(files):
            for table in ("chunks", "vocab", "files"):
                db.execute(f"DELETE FROM {table} WHERE path = ?", (gone,))
        for rel, file in files.items():
            digest = sha256_file(file)
            if known.get(rel) == digest:
                continue
            db.execute("DELETE FROM chunks WHERE path = ?", (rel,))
            db.execute("DELETE FROM vocab WHERE path = ?", (rel,))
            text = file.read_text(encoding="utf-8", errors="replace")
            lines = text.splitlines()
            python = rel.endswith(".py")
            for first, last, title in (chunk_python if python else chunk_rest)(text):
                body = "\n".join(lines[first - 1 : last])
                db.execute("INSERT INTO chunks VALUES (?, ?, ?, ?, ?)", (rel, first, last, title, body))
                rows = [(rel, word, name) for word, name in expand.pairs(body, title, python)]
                db.executemany("INSERT INTO vocab VALUES (?, ?, ?)", rows)
            db.execute("INSERT OR REPLACE INTO files VALUES (?, ?)", (rel, digest))
    return db


def index_path(version: str, cache: Path | None = None) -> Path:
    return (cache or default_cache()) / f"pygame-{version}-index-v{FORMAT}.sqlite"


def question_words(question: str) -> list[str]:
    """The words of a question worth searching for (no stop words; snake_case split), or one sentence."""
    words = [w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", question.lower()) if w not in _STOP]
    parts = list(dict.fromkeys(p for w in words for p in w.split("_") if p and p not in _STOP))
    if not parts:
        shown = question if len(question) <= 60 else question[:57] + "..."  # never echo a whole long input
        raise CodelingError(f"the question {shown!r} has no words to search for; ask e.g. 'how do I draw a circle'.")
    return parts


def query_terms(question: str) -> str:
    """The FTS5 query of the question's own words."""
    return " OR ".join(f'"{p}"' for p in sorted(question_words(question)))


def check_question(question: str) -> None:
    """One sentence for a question that is not text (a file name's bytes that are not UTF-8 arrive
    as lone surrogates) or has no words."""
    try:
        question.encode("utf-8")
    except UnicodeEncodeError:
        raise CodelingError("the question is not UTF-8 text; type it again in plain letters.") from None
    question_words(question)


def default_method() -> str:
    """Fused when the sentence-embedding model is installed, else BM25 alone (the CLI says so)."""
    return "fused" if embed.available() else "bm25"


def ask(
    question: str, k: int = 5, cache: Path | None = None, expansion: str = "both", method: str | None = None
) -> list[Hit]:
    """The `k` best passages for `question`, best first. `method` "bm25": its words (widened as
    `expansion` says, helper/ask/expand.py); "dense": its meaning (helper/ask/dense.py); "fused"
    (the default when the model is installed): both rankings merged by reciprocal rank fusion."""
    if k < 1:
        raise CodelingError(f"--k must be at least 1, got {k}.")
    method = method or default_method()
    if method not in METHODS:
        raise CodelingError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}.")
    check_question(question)
    root, version = pygame_root()
    db = build_index(root, index_path(version, cache))
    try:
        rankings = []
        if method in ("bm25", "fused"):
            rankings.append(_bm25(db, question, expansion, POOL))
        if method in ("dense", "fused"):
            embedder = embed.load()
            dense.sync(db, embedder)
            rankings.append([(p, s) for p, s, _ in dense.search(db, embedder, question, POOL)])
        ranked = fuse(rankings)[: k * 4]
        hits = [_hit(db, path, start, score) for (path, start), score in ranked]
    finally:
        db.close()
    return varied(hits, k)


def _bm25(db: sqlite3.Connection, question: str, expansion: str, n: int) -> list[tuple[str, int]]:
    phrases = expand.expanded(db, question_words(question), expansion)
    rows = db.execute(
        "SELECT path, start_line, bm25(chunks, 0, 0, 0, 4.0, 1.0) AS rank "
        "FROM chunks WHERE chunks MATCH ? ORDER BY rank LIMIT ?",
        (" OR ".join(f'"{p}"' for p in phrases), n),
    ).fetchall()
    return [(p, int(s)) for p, s, _ in rows]


def fuse(rankings: list[list[tuple[str, int]]], k: int = RRF_K) -> list[tuple[tuple[str, int], float]]:
    """Reciprocal rank fusion (Cormack et al., 2009): each item scores the sum of 1 / (k + rank) over
    the rankings it is in. It needs only ranks, so BM25's unbounded scores and cosines in [-1, 1]
    need no scale fitted between them (a tuned mix would be fitted on the questions it is measured on)."""
    scores: dict[tuple[str, int], float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, 1):
            scores[key] = scores.get(key, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])  # stable: ties keep the first ranking's order


def _hit(db: sqlite3.Connection, path: str, start: int, score: float) -> Hit:
    row = db.execute(
        "SELECT end_line, title, body FROM chunks WHERE path = ? AND start_line = ?", (path, start)
    ).fetchone()
    return Hit(path, start, int(row[0]), row[1], round(score, 4), row[2])


def varied(hits: list[Hit], k: int, per_file: int = PER_FILE) -> list[Hit]:
    """The best `k` hits with at most `per_file` from one file while others are left: five passages
    of one long example would crowd out the doc page that answers the question."""
    chosen, later, counts = [], [], {}
    for hit in hits:
        counts[hit.path] = counts.get(hit.path, 0) + 1
        (chosen if counts[hit.path] <= per_file else later).append(hit)
    return (chosen + later)[:k]
