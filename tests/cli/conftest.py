"""Helpers for tests that run the installed `codeling` command as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch

from codeling.config import Config, ModelConfig
from codeling.model import GPT
from codeling.train.checkpoint import save_checkpoint

# The console script next to this interpreter: the entry point `pip install` made.
CODELING = str(Path(sys.executable).with_name("codeling"))


def codeling(*args, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run(
        [CODELING, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env, **kwargs
    )


def tiny_checkpoint(path: Path, tokenizer, seed: int = 0) -> Path:
    """A small random GPT (learned positions, so it exports) saved as a codeling checkpoint."""
    config = Config(model=ModelConfig(vocab_size=tokenizer.vocab_size, block_size=128, n_layer=2, n_head=2, n_embd=32))
    torch.manual_seed(seed)
    model = GPT(config.model)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.2)  # far from init, so greedy output depends on every weight
    return save_checkpoint(path, model, config, tokenizer)
