"""How natural a program looks to a code model: the log-probability of its tokens under any codeling
checkpoint trained on code (char, BPE or TinyPy tokenizer). The repair search (helper/repair/search.py)
orders candidate repairs of equal size by it: `print(fruits[0])` reads more like code a person
writes than `print(fruits, (0))`, though both run.

    ranker = Naturalness.load("runs/code")
    ranker.logprobs(["print(1)\\n", "print 1)\\n"])   # higher is more natural
"""

from __future__ import annotations

from pathlib import Path

import torch

from codeling.errors import CodelingError
from codeling.generate import one_thread_if_small
from codeling.train.checkpoint import load_checkpoint

MAX_BATCH = 32  # windows scored in one forward pass


class Naturalness:
    """A loaded code model that scores whole programs."""

    def __init__(self, loaded):
        self.loaded = loaded
        self.model = loaded.model.eval()
        self.tokenizer = loaded.tokenizer
        self.window = loaded.config.model.block_size

    @classmethod
    def load(cls, path: str | Path) -> Naturalness:
        loaded = load_checkpoint(path)  # one sentence when the path holds no checkpoint
        if loaded.config.task.get("name") == "helper-fix":
            raise CodelingError(
                f"{path} is a fixer model, which writes edits, not programs; pass a code model to --rank "
                "(a `codeling train` run on Python code)."
            )
        return cls(loaded)

    def logprobs(self, sources: list[str]) -> list[float]:
        """The sum of log-probabilities of each program's tokens (windows of the model's block size,
        each scored on its own)."""
        windows, owner = [], []
        for i, source in enumerate(sources):
            ids = self.tokenizer.encode(source)
            if self.tokenizer.bos_id is not None:
                ids = [self.tokenizer.bos_id, *ids]
            for start in range(0, max(1, len(ids) - 1), self.window):
                piece = ids[start : start + self.window + 1]
                if len(piece) > 1:
                    windows.append(piece)
                    owner.append(i)
        totals = [0.0] * len(sources)
        with torch.no_grad(), one_thread_if_small(self.model):
            for start in range(0, len(windows), MAX_BATCH):
                part = windows[start : start + MAX_BATCH]
                for i, score in zip(owner[start : start + MAX_BATCH], self._score(part)):
                    totals[i] += score
        return totals

    def _score(self, windows: list[list[int]]) -> list[float]:
        """Right-padded: a causal model's scores of the real tokens do not see the padding after them."""
        width = max(len(w) for w in windows)
        ids = torch.zeros(len(windows), width, dtype=torch.long)
        for row, w in enumerate(windows):
            ids[row, : len(w)] = torch.tensor(w)
        logits, _ = self.model(ids[:, :-1])
        logp = torch.log_softmax(logits.float(), dim=-1).gather(-1, ids[:, 1:, None])[..., 0]
        mask = torch.zeros_like(logp, dtype=torch.bool)
        for row, w in enumerate(windows):
            mask[row, : len(w) - 1] = True
        return (logp * mask).sum(dim=1).tolist()
