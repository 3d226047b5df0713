"""Retrieval for `codeling ask` by part (issue 38): recall@5 and MRR (of the first answering hit,
within the top 10) for BM25 alone, BM25 with the children's-words table and the corpus's vocabulary,
the dense embeddings alone, BM25 and dense fused, and fused with the table; on the held-out
questions of issue 38 (benchmarks/heldout/helper_questions_38.py), issue 29's children's questions
and the older learner's questions. Also the index build time from an empty cache (FTS5 and the
embeddings), and one `codeling ask` on a cold process (index cached: torch and the model load) and
warm (a second question in the same process, as the web app answers).

    PYTHONPATH=src python benchmarks/helper_ask.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "helper"))

from questions import QUESTIONS as OLD_QUESTIONS  # noqa: E402

from _common import save  # noqa: E402
from codeling.helper.ask import dense, embed, retrieve  # noqa: E402
from heldout.helper_questions_29 import CHILD_QUESTIONS  # noqa: E402
from heldout.helper_questions_38 import QUESTIONS as NEW_QUESTIONS  # noqa: E402
from helper_ask_dev import DEV_QUESTIONS  # noqa: E402

PARTS = {  # name: (method, expansion)
    "bm25": ("bm25", "none"),
    "bm25_table": ("bm25", "both"),
    "dense": ("dense", "none"),
    "fused": ("fused", "none"),
    "fused_table": ("fused", "both"),
}
SETS = {
    "heldout_38": NEW_QUESTIONS,
    "children_29": CHILD_QUESTIONS,
    "learner_old": OLD_QUESTIONS,
    "dev_38": DEV_QUESTIONS,  # the table's development set: not a held-out figure
}


def score(questions, cache: Path, method: str, expansion: str) -> dict:
    ranks, missed = [], []
    for q, files in questions:
        paths = [h.path for h in retrieve.ask(q, 10, cache, expansion, method)]
        rank = next((i for i, p in enumerate(paths, 1) if p in files), None)
        ranks.append(rank)
        if rank is None or rank > 5:
            missed.append(q)
    n = len(questions)
    return {
        "recall_at_5": sum(r is not None and r <= 5 for r in ranks) / n,
        "mrr_at_10": sum(1 / r for r in ranks if r) / n,
        "questions": n,
        "missed": missed,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parts", default=",".join(PARTS), help="which parts to score, comma-separated")
    parser.add_argument("--out", default="helper_ask", help="the result file's name under benchmarks/results/")
    parser.add_argument("--cache", default=None, help="an index already built (else a fresh one, timed)")
    args = parser.parse_args()
    parts = args.parts.split(",")
    started = time.monotonic()
    cache = Path(args.cache or tempfile.mkdtemp(prefix="codeling-ask-bench-"))
    root, version = retrieve.pygame_root()
    t0 = time.monotonic()
    db = retrieve.build_index(root, retrieve.index_path(version, cache))
    fts_s = time.monotonic() - t0
    t0 = time.monotonic()
    embedder = embed.load()
    load_s = time.monotonic() - t0
    t0 = time.monotonic()
    embedded = dense.sync(db, embedder)
    embed_s = time.monotonic() - t0
    chunks = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
    db.close()
    results = {s: {p: score(qs, cache, *PARTS[p]) for p in parts} for s, qs in SETS.items()}
    warm = []
    for q, _ in NEW_QUESTIONS[:10]:
        t0 = time.monotonic()
        retrieve.ask(q, 5, cache)
        warm.append(time.monotonic() - t0)
    env = {**os.environ, "CODELING_CACHE": str(cache)}
    cold = []
    for q in ("how do I draw a circle", "make a sound when the player jumps"):
        t0 = time.monotonic()
        subprocess.run(["codeling", "ask", q], env=env, capture_output=True, check=True)
        cold.append(time.monotonic() - t0)
    payload = {
        "pygame": version,
        "model": embed.NAME,
        "fusion": f"reciprocal rank fusion, k={retrieve.RRF_K}, {retrieve.POOL} hits of each ranking",
        "chunks": chunks,
        "build": {"fts5_s": fts_s, "model_load_s": load_s, "embed_s": embed_s, "embedded": embedded},
        "ask_s": {"cold_process_median": statistics.median(cold), "warm_median": statistics.median(warm)},
        "results": results,
        "load_average": os.getloadavg(),
        "wall_s": time.monotonic() - started,
        "command": " ".join(sys.argv),
    }
    path = save(args.out, payload)
    for s, parts in results.items():
        for p, r in parts.items():
            print(f"{s:12s} {p:12s} recall@5 {r['recall_at_5']:.3f}  MRR {r['mrr_at_10']:.3f}")
    print(f"build: {payload['build']}  ask: {payload['ask_s']}")
    print(f"saved {path}")


if __name__ == "__main__":
    main()
