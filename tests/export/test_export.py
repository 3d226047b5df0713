"""Export to Hugging Face: transformers loads the directory offline and computes codeling's logits."""

import json

import pytest
import torch

from codeling.errors import CodelingError
from codeling.export import export_hf
from codeling.generate import Sampling, generate_ids
from codeling.tokenizers import BPETokenizer, CharTokenizer, TinyPyTokenizer
from codeling.train.checkpoint import load_checkpoint

from .conftest import CODE

transformers = pytest.importorskip(
    "transformers", reason="export round trips need transformers (pip install -e '.[hf]')"
)

TINYPY = "x = 12\nif x <= 30:\n    print(x * 2)\nelse:\n\tprint(x)\n# output\n24\n"


def bpe_tokenizer() -> BPETokenizer:
    texts = [CODE * 3, "import os\nimport sys\n\nclass A:\n    def __init__(self):\n        self.x = 1\n"] * 5
    return BPETokenizer.train(texts, vocab_size=300, min_frequency=1)


def round_trip(checkpoint, out, text):
    """Export, load with transformers, and return (codeling logits, HF logits, codeling ids, HF ids, HF objects)."""
    loaded = load_checkpoint(checkpoint)
    export_hf(checkpoint, out)
    hf_model = transformers.AutoModelForCausalLM.from_pretrained(out).eval()
    hf_tok = transformers.AutoTokenizer.from_pretrained(out)
    ids = loaded.tokenizer.encode(text)
    hf_ids = hf_tok(text, add_special_tokens=False)["input_ids"]  # the BOS it adds is tested in tests/cli/test_usage.py
    x = torch.tensor([ids])
    with torch.no_grad():
        ours = loaded.model.eval()(x)[0]
        theirs = hf_model(x).logits
    return ours, theirs, ids, hf_ids, hf_model, hf_tok, loaded


@pytest.mark.parametrize("options", [{"bias": True}, {"bias": False}, {"mlp_ratio": 2}])
def test_char_round_trip(checkpoint_factory, tmp_path, options):
    tok = CharTokenizer.fit([CODE])
    ours, theirs, ids, hf_ids, hf_model, hf_tok, _ = round_trip(
        checkpoint_factory(tok, **options), tmp_path / "hf", CODE
    )
    assert hf_ids == ids
    assert hf_tok.decode(hf_ids) == CODE
    assert ours.shape == theirs.shape
    assert (ours - theirs).abs().max().item() < 1e-4
    assert type(hf_model).__name__ == "GPT2LMHeadModel"


def test_bpe_round_trip_and_greedy_generation(checkpoint_factory, tmp_path):
    tok = bpe_tokenizer()
    # The literal end-of-text string inside code stays text in codeling; it must in transformers too.
    text = CODE + 'END = "<|endoftext|>"\n'
    ours, theirs, ids, hf_ids, hf_model, hf_tok, loaded = round_trip(checkpoint_factory(tok), tmp_path / "hf", text)
    assert hf_ids == ids
    assert tok.eos_id not in ids
    assert hf_tok.decode(hf_ids) == text
    assert (ours - theirs).abs().max().item() < 1e-4
    assert hf_model.config.eos_token_id == tok.eos_id == hf_tok.eos_token_id

    prompt = ids[:10]
    mine = generate_ids(loaded.model, [prompt], Sampling(max_new_tokens=20, temperature=0))[0]
    hf_out = hf_model.generate(
        torch.tensor([prompt]),
        max_new_tokens=20,
        do_sample=False,
        eos_token_id=None,
        pad_token_id=tok.pad_id,
        attention_mask=torch.ones(1, len(prompt), dtype=torch.long),
    )
    assert hf_out[0, len(prompt) :].tolist() == mine


def test_tinypy_round_trip(checkpoint_factory, tmp_path):
    tok = TinyPyTokenizer()
    ours, theirs, ids, hf_ids, _, hf_tok, _ = round_trip(checkpoint_factory(tok), tmp_path / "hf", TINYPY)
    assert hf_ids == ids
    assert hf_tok.decode(hf_ids, skip_special_tokens=True) == TINYPY
    assert hf_tok.convert_tokens_to_ids("<bos>") == tok.bos_id
    assert (ours - theirs).abs().max().item() < 1e-4


def test_export_files_are_gpt2_and_deterministic(checkpoint_factory, tmp_path):
    ckpt = checkpoint_factory(CharTokenizer.fit([CODE]))
    export_hf(ckpt, tmp_path / "a")
    export_hf(ckpt, tmp_path / "b")
    names = {p.name for p in (tmp_path / "a").iterdir()}
    assert names == {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"}
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    config = json.loads((tmp_path / "a" / "config.json").read_text())
    assert config["model_type"] == "gpt2" and config["activation_function"] == "gelu_new"

    from safetensors.torch import load_file

    weights = load_file(tmp_path / "a" / "model.safetensors")
    assert "lm_head.weight" not in weights  # tied to wte, as GPT-2 saves it
    assert weights["transformer.h.0.attn.c_attn.weight"].shape == (32, 96)  # Conv1D: (in, out)


@pytest.mark.parametrize(
    "options, words",
    [
        ({"positions": "rotary"}, "rotary positions"),
        ({"n_memory": 2}, "2 memory tokens"),
        ({"qk_norm": 0.7}, "model.qk_norm"),
    ],
)
def test_export_refuses_what_gpt2_cannot_express(checkpoint_factory, tmp_path, options, words):
    ckpt = checkpoint_factory(CharTokenizer.fit([CODE]), **options)
    with pytest.raises(CodelingError, match=words) as error:
        export_hf(ckpt, tmp_path / "hf")
    assert "no equivalent" in str(error.value)
    assert not (tmp_path / "hf").exists()


def test_export_keeps_an_existing_directory(checkpoint_factory, tmp_path):
    ckpt = checkpoint_factory(CharTokenizer.fit([CODE]))
    out = tmp_path / "hf"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(CodelingError, match="already exists"):
        export_hf(ckpt, out)
    assert (out / "mine.txt").read_text() == "keep me"
    export_hf(ckpt, out, overwrite=True)
    assert not (out / "mine.txt").exists() and (out / "model.safetensors").is_file()


def test_cli_export(checkpoint_factory, tmp_path, capsys):
    from codeling.cli import main

    ckpt = checkpoint_factory(CharTokenizer.fit([CODE]))
    main(["export", str(ckpt), "--out", str(tmp_path / "hf")])
    assert "wrote" in capsys.readouterr().out
    assert (tmp_path / "hf" / "model.safetensors").is_file()
    with pytest.raises(SystemExit) as exit_info:
        main(["export", str(ckpt), "--format", "onnx", "--out", str(tmp_path / "other")])
    assert exit_info.value.code == 2
    assert "Unknown export format 'onnx'" in capsys.readouterr().err
