"""A dataset version out of the store: JSONL anyone can read, or shards ready for `codeling train`.
The same version always gives the same bytes (rows in sample order, no timestamps)."""

from __future__ import annotations

import json
from pathlib import Path

from codeling import atomic, rundir
from codeling.errors import CodelingError
from codeling.improve import data as improve_data
from codeling.improve.store import Store
from codeling.tokenizers import load_tokenizer

FORMATS = ("jsonl", "shards")


def open_store(run: Path) -> Store:
    path = Path(run) / rundir.STORE
    if not path.is_file():
        raise CodelingError(f"{run} holds no dataset.sqlite; pass the --out directory of a `codeling improve` run.")
    return Store(path)


def export_version(run: Path, version: int, fmt: str, out: Path) -> int:
    """Write version `version` of run's dataset to `out`; the number of samples written."""
    if fmt not in FORMATS:
        raise CodelingError(f"Unknown format {fmt!r}; choose jsonl or shards.")
    if Path(out).exists():
        raise CodelingError(f"{out} already exists; choose another --out (nothing was written).")
    store = open_store(run)
    try:
        kept = store.version_samples(version)
    finally:
        store.close()
    if fmt == "jsonl":
        rows = [
            {
                "sample": k.sample,
                "task_id": k.task_id,
                "prompt": k.prompt,
                "completion": k.completion,
                "round": k.round,
                "model_sha256": k.model_sha256,
                "score": k.score,
            }
            for k in kept
        ]
        atomic.write_text(out, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    else:
        if not kept:
            raise CodelingError(f"Dataset version {version} holds no samples, so there is nothing to train on.")
        train, val = improve_data.split_pairs([(k.prompt, k.completion) for k in kept], seed=0)
        provenance = {"source": "codeling improve dataset", "run": str(Path(run).resolve()), "version": version}
        improve_data.write_examples(out, train, val, load_tokenizer(Path(run) / rundir.TOKENIZER), provenance)
    return len(kept)
