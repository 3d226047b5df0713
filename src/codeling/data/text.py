"""Character-level shards from any text file: nanoGPT's shakespeare_char path."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from codeling.data.shards import SplitArrays, write_shards
from codeling.errors import CodelingError
from codeling.tokenizers import CharTokenizer


def text_to_shards(source: str | Path, out_dir: str | Path, val_fraction: float = 0.1, overwrite: bool = False) -> dict:
    """Fit a character vocabulary on the file, keep its last `val_fraction` as validation."""
    source = Path(source)
    if not source.is_file():
        raise CodelingError(f"Text file {source} does not exist; pass the path of a UTF-8 text file.")
    if not 0 < val_fraction < 1:
        raise CodelingError(f"--val-fraction must be between 0 and 1 (got {val_fraction}).")
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise CodelingError(
            f"{source} is not UTF-8 text (bad byte at offset {e.start}); convert it to UTF-8 first."
        ) from None
    if len(text) < 100:
        raise CodelingError(f"{source} holds only {len(text)} characters; give at least 100 to train on.")
    tokenizer = CharTokenizer.fit([text])
    ids = np.asarray(tokenizer.encode(text), dtype=np.int64)
    cut = int(len(ids) * (1 - val_fraction))
    provenance = {"source": str(source.resolve()), "characters": len(text), "val_fraction": val_fraction}
    return write_shards(
        out_dir,
        {"train": SplitArrays(ids[:cut]), "val": SplitArrays(ids[cut:])},
        tokenizer,
        provenance,
        overwrite=overwrite,
    )
