import pytest

from codeling.config import PRESETS, load_config
from codeling.errors import CodelingError


def block_params(m: dict, vocab: int) -> int:
    """GPT-2 parameter count for a preset: 12 d^2 per layer plus embeddings (tied head)."""
    d = m["n_embd"]
    per_layer = 12 * d * d + 13 * d  # attention + MLP weights, biases and two LayerNorms
    return m["n_layer"] * per_layer + vocab * d + m["block_size"] * d + 2 * d


@pytest.mark.parametrize(
    "name,vocab,low,high",
    [
        ("tiny", 100, 0.6e6, 1.5e6),
        ("datahack", 100, 13e6, 16e6),
        ("era", 100, 10e6, 12e6),
        ("small", 8192, 85e6, 115e6),
        ("medium", 8192, 300e6, 400e6),
    ],
)
def test_preset_sizes(name, vocab, low, high):
    cfg = load_config(preset=name)
    assert low <= block_params(PRESETS[name]["model"], vocab) <= high
    assert cfg.preset == name


def test_datahack_and_era_shapes():
    d = load_config(preset="datahack").model
    assert (d.n_layer, d.n_embd, d.n_head, d.block_size) == (8, 384, 8, 256)
    e = load_config(preset="era").model
    assert (e.n_layer, e.n_head, e.n_embd, e.dropout) == (6, 6, 384, 0.2)


def test_layers_yaml_then_overrides(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("train:\n  lr: 0.01\n  max_steps: 7\nmodel:\n  n_layer: 3\n")
    cfg = load_config(preset="tiny", path=path, overrides=["train.lr=3e-4", "model.positions=rotary"])
    assert cfg.train.lr == 3e-4 and cfg.train.max_steps == 7
    assert cfg.model.n_layer == 3 and cfg.model.n_embd == 128 and cfg.model.positions == "rotary"


@pytest.mark.parametrize(
    "overrides,message",
    [
        (["train.lrr=1"], "Unknown config key 'train.lrr'.*'lr'"),
        (["train.precision=fp8"], "train.precision.*'bf16'"),
        (["model.n_head=5"], "multiple of n_head"),
        (["train.lr=-1"], "train.lr"),
        (["nonsense"], "no '='"),
    ],
)
def test_bad_configs_name_the_key(overrides, message):
    with pytest.raises(CodelingError, match=message):
        load_config(preset="tiny", overrides=overrides)


def test_unknown_preset_and_missing_file(tmp_path):
    with pytest.raises(CodelingError, match="choose one of"):
        load_config(preset="huge")
    with pytest.raises(CodelingError, match="does not exist"):
        load_config(path=tmp_path / "missing.yaml")
