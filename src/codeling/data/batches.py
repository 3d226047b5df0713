"""Batches for training, drawn from token shards.

A batch is a pure function of (seed, step): all of a step's window offsets are drawn at once from a
generator seeded with both, and each rank and micro-step takes its own slice of them. So the data
position is just the step number, a resumed run draws exactly the batches it would have drawn, and
the global batch is the same whatever the number of processes.

Two kinds of windows:
  - plain text: random windows anywhere in the stream (nanoGPT);
  - example datasets (shards with `starts` and `mask`): windows begin at an example, so every
    target token has its whole example before it, and only tokens the mask marks are learned.
"""

from __future__ import annotations

import numpy as np
import torch

from codeling.data.shards import Split
from codeling.errors import CodelingError

IGNORE = -100  # cross_entropy's ignore_index: targets that do not count


class BatchSampler:
    def __init__(self, split: Split, block_size: int, seed: int):
        self.split = split
        self.block_size = block_size
        self.seed = seed
        self.aligned = split.starts is not None and len(split.starts) > 0
        n = len(split.tokens)
        if n < 2:
            raise CodelingError(f"The {split.name} split holds {n} tokens; it needs at least 2 to make a batch.")
        if not self.aligned and n <= block_size:
            # A short text still trains: windows shrink to what there is.
            self.block_size = n - 1

    def offsets(self, step: int, count: int, stream: int = 0) -> np.ndarray:
        """`count` window starts for this step; `stream` separates train (0) from eval draws."""
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.seed, stream, step])))
        if self.aligned:
            chosen = rng.integers(0, len(self.split.starts), size=count)
            return np.asarray(self.split.starts[chosen], dtype=np.int64)
        return rng.integers(0, len(self.split.tokens) - self.block_size, size=count)

    def batch(self, offsets: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs and targets (B, block_size) for the given window starts."""
        T = self.block_size
        tokens, mask = self.split.tokens, self.split.mask
        x = np.zeros((len(offsets), T), dtype=np.int64)
        y = np.full((len(offsets), T), IGNORE, dtype=np.int64)
        for row, start in enumerate(offsets):
            window = np.asarray(tokens[start : start + T + 1], dtype=np.int64)
            n = len(window) - 1  # an example near the end of the stream gives a shorter window
            x[row, : min(len(window), T)] = window[:T]
            targets = window[1:]
            if mask is not None:
                targets = np.where(np.asarray(mask[start + 1 : start + 1 + n]) > 0, targets, IGNORE)
            y[row, :n] = targets
        return torch.from_numpy(x), torch.from_numpy(y)

    def policy_batch(self, offsets: np.ndarray) -> tuple[torch.Tensor, ...]:
        """Inputs, targets, advantages and the sampling policy's log-probabilities (B, block_size) of
        policy-gradient data. Only the example a window begins with counts: the next one would see
        this one as context, which it never had when it was sampled, so its old log-probabilities
        would not be its own."""
        split, T = self.split, self.block_size
        if split.advantage is None or split.logp is None or not self.aligned:
            raise CodelingError(
                f"The {split.name} split holds no advantages; train.objective=policy needs the policy-gradient "
                "examples of a GRPO round (codeling improve --update grpo)."
            )
        x, y = self.batch(offsets)
        advantage = torch.zeros(x.shape, dtype=torch.float32)
        logp = torch.zeros(x.shape, dtype=torch.float32)
        ends = np.append(np.asarray(split.starts, dtype=np.int64)[1:], len(split.tokens))
        width = 1
        for row, start in enumerate(offsets):
            end = int(ends[np.searchsorted(split.starts, start)])
            n = min(end - start - 1, T)  # targets of this example only
            y[row, n:] = IGNORE
            advantage[row, :n] = torch.from_numpy(np.array(split.advantage[start + 1 : start + 1 + n]))
            logp[row, :n] = torch.from_numpy(np.array(split.logp[start + 1 : start + 1 + n]))
            width = max(width, n)
        # Past the longest example nothing counts, and a causal model's earlier positions never see
        # later ones: the rest of the window would be computed only to be thrown away.
        return x[:, :width], y[:, :width], advantage[:, :width], logp[:, :width]
