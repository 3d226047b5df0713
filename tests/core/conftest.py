import random
from pathlib import Path

import pytest

from codeling.data.text import text_to_shards

# The smallest model worth training, and a schedule that shows learning within a few dozen steps.
TINY_MODEL = ["model.n_layer=2", "model.n_head=2", "model.n_embd=32", "model.block_size=32"]
TINY = [
    *TINY_MODEL,
    "data.batch_size=8",
    "train.warmup_steps=5",
    "train.eval_batches=4",
    "log.tensorboard=false",
    "log.every_steps=1",
]


def make_text(n_lines: int = 2000, seed: int = 0) -> str:
    """A small text with learnable structure: repeated words, sentences, punctuation."""
    rng = random.Random(seed)
    words = "the quick brown fox jumps over a lazy dog while birds sing songs of summer rain".split()
    return (
        "\n".join(
            " ".join(rng.choice(words) for _ in range(rng.randint(3, 9))).capitalize() + "." for _ in range(n_lines)
        )
        + "\n"
    )


@pytest.fixture(scope="session")
def text_data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("text")
    (root / "input.txt").write_text(make_text())
    text_to_shards(root / "input.txt", root / "data")
    return root / "data"


class FakeClock:
    """A clock that moves only when a step is done: `seconds_per_step` each time."""

    def __init__(self, seconds_per_step: float):
        self.now, self.seconds_per_step = 0.0, seconds_per_step

    def __call__(self) -> float:
        return self.now

    def on_event(self, event):
        if event.kind == "step":
            self.now += self.seconds_per_step


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1.0)
