import json

import numpy as np
import pytest

from codeling.data.batches import IGNORE, BatchSampler
from codeling.data.shards import Shards, SplitArrays, write_shards
from codeling.errors import CodelingError
from codeling.tokenizers import CharTokenizer


def example_shards(tmp_path):
    tok = CharTokenizer(list("abcdefghij=;"))
    examples = []
    for i in range(50):
        prompt, target = tok.encode("abc="), tok.encode("defg;"[: 2 + i % 3])
        examples.append((prompt + target, [0] * len(prompt) + [1] * len(target)))
    write_shards(
        tmp_path / "d",
        {"train": SplitArrays.from_examples(examples), "val": SplitArrays.from_examples(examples[:5])},
        tok,
    )
    return Shards(tmp_path / "d"), tok


def test_masked_batches_learn_only_targets(tmp_path):
    shards, tok = example_shards(tmp_path)
    split = shards.split("train")
    sampler = BatchSampler(split, block_size=8, seed=0)
    x, y = sampler.batch(sampler.offsets(0, 16))
    eq = tok.encode("=")[0]
    for row in range(16):
        assert x[row, 0] == tok.encode("a")[0]  # windows start at an example
        counted = y[row][y[row] != IGNORE].tolist()
        # The first counted target follows the '=' (the prompt never counts).
        first = int((y[row] != IGNORE).nonzero()[0])
        assert x[row, first] == eq
        assert all(t in tok.encode("defg;") for t in counted)


def test_batches_are_a_function_of_seed_and_step(tmp_path):
    shards, _ = example_shards(tmp_path)
    a = BatchSampler(shards.split("train"), 8, seed=1)
    b = BatchSampler(shards.split("train"), 8, seed=1)
    assert np.array_equal(a.offsets(5, 4), b.offsets(5, 4))
    assert not np.array_equal(a.offsets(5, 32), a.offsets(6, 32))


def test_truncated_shard_and_tokenizer_mismatch_are_clear(tmp_path):
    shards, tok = example_shards(tmp_path)
    path = tmp_path / "d" / "train.bin"
    path.write_bytes(path.read_bytes()[:-2])
    with pytest.raises(CodelingError, match="truncated"):
        Shards(tmp_path / "d").split("train")
    other = CharTokenizer(list("xyz")).identity()
    with pytest.raises(CodelingError, match="made with tokenizer"):
        shards.check_tokenizer(other)
    manifest = json.loads((tmp_path / "d" / "manifest.json").read_text())
    manifest["dtype"] = "uint32"
    (tmp_path / "d" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CodelingError, match="needs uint16"):
        Shards(tmp_path / "d")


def test_writing_into_a_nonempty_directory_refuses_and_keeps_it(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "keep.txt").write_text("mine")
    tok = CharTokenizer(list("ab"))
    with pytest.raises(CodelingError, match="already holds files"):
        write_shards(tmp_path / "d", {"train": SplitArrays(np.array([0, 1, 0]))}, tok)
    assert (tmp_path / "d" / "keep.txt").read_text() == "mine"
