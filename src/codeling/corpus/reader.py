"""Read a corpus directory back: its manifest, and its documents one at a time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from codeling import rundir
from codeling.errors import CodelingError

FORMAT = "codeling-corpus"


def read_manifest(corpus_dir: str | Path) -> dict:
    path = Path(corpus_dir) / rundir.MANIFEST
    if not path.is_file():
        raise CodelingError(
            f"{corpus_dir} holds no manifest.json, so it is not a corpus; make one with `codeling corpus build`."
        )
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise CodelingError(
            f"{path} describes {manifest.get('format')!r}, not a codeling corpus; "
            "make one with `codeling corpus build`."
        )
    return manifest


def iter_records(corpus_dir: str | Path, split: str) -> Iterator[dict]:
    """Each document of one split as {"source", "path", "sha256", "text"}, in corpus order."""
    manifest = read_manifest(corpus_dir)
    if split not in manifest["splits"]:
        raise CodelingError(f"{corpus_dir} has no {split!r} split; it has {sorted(manifest['splits'])}.")
    path = Path(corpus_dir) / manifest["splits"][split]["file"]
    if not path.is_file():
        raise CodelingError(f"{path} is missing; the corpus is incomplete, so rebuild it with `codeling corpus build`.")
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def iter_texts(corpus_dir: str | Path, split: str, max_chars: int | None = None) -> Iterator[str]:
    """The split's source texts; with `max_chars`, only the documents that fit in that budget."""
    used = 0
    for record in iter_records(corpus_dir, split):
        used += len(record["text"])
        if max_chars is not None and used > max_chars:
            return
        yield record["text"]
