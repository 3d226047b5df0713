import inspect
import json
from pathlib import Path

import pytest

from codeling.config import load_config
from codeling.data.text import text_to_shards

SMALL = [
    "model.n_layer=2",
    "model.n_head=2",
    "model.n_embd=32",
    "model.block_size=32",
    "data.batch_size=4",
    "train.warmup_steps=3",
    "train.eval_batches=2",
    "log.tensorboard=false",
    "log.every_steps=1",
    "checkpoint.every_steps=1000",
]


@pytest.fixture(scope="session")
def code_data(tmp_path_factory) -> Path:
    """Character shards of some of Python's own source: real code, a few hundred kB at most."""
    import argparse
    import json as json_module

    root = tmp_path_factory.mktemp("code")
    (root / "input.py").write_text(inspect.getsource(json_module.decoder) + inspect.getsource(argparse)[:60000])
    text_to_shards(root / "input.py", root / "data")
    return root / "data"


def small_config(data, *extra):
    return load_config(preset="tiny", overrides=[f"data.dir={data}", *SMALL, *extra])


def read_rows(run_dir: Path, name: str = "metrics.jsonl") -> list[dict]:
    return [json.loads(line) for line in (run_dir / name).read_text().splitlines() if line.strip()]
