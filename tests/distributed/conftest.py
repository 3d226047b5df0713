import random
from pathlib import Path

import pytest

from codeling.data.text import text_to_shards


@pytest.fixture(scope="session")
def code_text_data(tmp_path_factory) -> Path:
    """Character shards of a small made-up code-like text."""
    rng = random.Random(7)
    names = ["x", "y", "total", "item", "value", "count"]
    lines = []
    for _ in range(1200):
        a, b = rng.sample(names, 2)
        lines.append(
            rng.choice(
                [f"{a} = {b} + {rng.randint(0, 9)}", f"for {a} in range({b}):", f"    print({a})", f"if {a} > {b}:"]
            )
        )
    root = tmp_path_factory.mktemp("code")
    (root / "input.txt").write_text("\n".join(lines) + "\n")
    text_to_shards(root / "input.txt", root / "data")
    return root / "data"
