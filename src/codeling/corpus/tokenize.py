"""Turn a corpus into token shards (codeling.data.shards format): each document's tokens followed by
the end-of-text token, train and val kept apart as the corpus split them.

Tokens stream to scratch files beside the output, a batch of documents at a time (encoded in
parallel by `tokenizers`), so the corpus text is never held whole; `write_shards` then writes the
shard directory from memory maps of those files, with the tokenizer's identity in its manifest.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

import numpy as np

from codeling import rundir
from codeling.corpus.reader import iter_texts, read_manifest
from codeling.data.shards import SplitArrays, token_dtype, write_shards
from codeling.errors import CodelingError
from codeling.tokenizers import Tokenizer
from codeling.train.progress import Progress, Report


def _encode_batch(tokenizer: Tokenizer, texts: list[str]) -> list[list[int]]:
    batch = getattr(tokenizer, "encode_batch", None)
    return batch(texts) if batch is not None else [tokenizer.encode(t) for t in texts]


def _open_tokens(path: Path, dtype: np.dtype) -> np.ndarray:
    return np.memmap(path, dtype=dtype, mode="r") if path.stat().st_size else np.zeros(0, dtype)


def tokenize_corpus(
    corpus_dir: str | Path,
    tokenizer: Tokenizer,
    out_dir: str | Path,
    progress: Report | None = None,
    batch_size: int = 256,
    overwrite: bool = False,
) -> dict:
    """Write train/val shards for every document of the corpus; returns the shard manifest."""
    manifest = read_manifest(corpus_dir)
    if tokenizer.eos_id is None:
        raise CodelingError(
            f"The {tokenizer.kind} tokenizer has no end-of-text token to separate files; "
            "use a BPE tokenizer from `codeling tokenizer train`."
        )
    out_dir = Path(out_dir)
    rundir.refuse_occupied(out_dir, overwrite=overwrite)
    dtype = token_dtype(tokenizer.vocab_size)
    total = sum(info["documents"] for info in manifest["splits"].values())
    done, tokens = 0, 0
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.tokens-"))
    try:
        for split in manifest["splits"]:
            with open(scratch / f"{split}.bin", "wb") as f:
                texts = iter_texts(corpus_dir, split)
                for batch in iter(lambda texts=texts: list(itertools.islice(texts, batch_size)), []):
                    flat: list[int] = []
                    for ids in _encode_batch(tokenizer, batch):
                        flat.extend(ids)
                        flat.append(tokenizer.eos_id)
                    np.asarray(flat, dtype=dtype).tofile(f)
                    done += len(batch)
                    tokens += len(flat)
                    if progress is not None:
                        status = f"{tokens:,} tokens  {split}"
                        progress(Progress.count("tokenize", done, total, status, tokens=tokens, split=split))
        splits = {split: SplitArrays(_open_tokens(scratch / f"{split}.bin", dtype)) for split in manifest["splits"]}
        provenance = {
            "corpus": str(Path(corpus_dir).resolve()),
            "corpus_splits": {
                s: {"documents": i["documents"], "sha256": i["sha256"]} for s, i in manifest["splits"].items()
            },
            "separator": "eos after each document",
        }
        return write_shards(out_dir, splits, tokenizer, provenance=provenance, overwrite=overwrite)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
