"""Content hashes, one place for all of them: manifests (shards, checkpoints, populations), corpus
documents, tokenizer identities and task ids are all sha256."""

import hashlib
from pathlib import Path


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_text(text: str) -> str:
    """The hex sha256 of text encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_stream():
    """A running sha256 (update(bytes), hexdigest()) for data hashed as it is written."""
    return hashlib.sha256()
