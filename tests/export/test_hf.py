"""Export to transformers: every configuration codeling trains loads offline and computes codeling's logits."""

import json

import pytest
import torch

from codeling.errors import CodelingError
from codeling.export import export_hf
from codeling.generate import Sampling, generate_ids
from codeling.tokenizers import BPETokenizer, CharTokenizer, TinyPyTokenizer
from codeling.train.checkpoint import load_checkpoint

from .conftest import CODE, CONFIGURATIONS

transformers = pytest.importorskip(
    "transformers", reason="export round trips need transformers (pip install -e '.[hf]')"
)

TINYPY = "x = 12\nif x <= 30:\n    print(x * 2)\nelse:\n\tprint(x)\n# output\n24\n"


def bpe_tokenizer() -> BPETokenizer:
    texts = [CODE * 3, "import os\nimport sys\n\nclass A:\n    def __init__(self):\n        self.x = 1\n"] * 5
    return BPETokenizer.train(texts, vocab_size=300, min_frequency=1)


def load_hf(out):
    # trust_remote_code only runs the modelling file inside `out`, which the export wrote.
    model = transformers.AutoModelForCausalLM.from_pretrained(out, trust_remote_code=True).eval()
    return model, transformers.AutoTokenizer.from_pretrained(out, trust_remote_code=True)


def logits_both(loaded, hf_model, ids):
    x = torch.tensor([ids])
    with torch.no_grad():
        return loaded.model.eval()(x)[0], hf_model(x).logits


def greedy_both(loaded, hf_model, prompt, new_tokens=64):
    mine = generate_ids(loaded.model, [prompt], Sampling(max_new_tokens=new_tokens, temperature=0))[0]
    theirs = hf_model.generate(
        torch.tensor([prompt]),
        max_new_tokens=new_tokens,
        do_sample=False,
        eos_token_id=None,  # no early stop: compare all 64 tokens
        pad_token_id=0,
        attention_mask=torch.ones(1, len(prompt), dtype=torch.long),
    )[0, len(prompt) :].tolist()
    return mine, theirs


@pytest.mark.parametrize("options, architecture", CONFIGURATIONS, ids=[str(o) for o, _ in CONFIGURATIONS])
def test_every_configuration_computes_codelings_logits_and_greedy_tokens(
    checkpoint_factory, tmp_path, options, architecture
):
    tok = CharTokenizer.fit([CODE])
    ckpt = checkpoint_factory(tok, **options)
    export_hf(ckpt, tmp_path / "hf")
    hf_model, _ = load_hf(tmp_path / "hf")
    assert type(hf_model).__name__ == architecture
    loaded = load_checkpoint(ckpt)
    ours, theirs = logits_both(loaded, hf_model, tok.encode(CODE))
    assert ours.shape == theirs.shape
    assert (ours - theirs).abs().max().item() < 1e-5
    mine, hf_tokens = greedy_both(loaded, hf_model, tok.encode(CODE)[:10])
    assert len(mine) == 64 and hf_tokens == mine


def test_own_modelling_file_decodes_a_left_padded_batch_as_each_row_alone(checkpoint_factory, tmp_path):
    tok = CharTokenizer.fit([CODE])
    ckpt = checkpoint_factory(tok, positions="rotary", qk_norm=0.7, n_memory=2)
    export_hf(ckpt, tmp_path / "hf")
    hf_model, _ = load_hf(tmp_path / "hf")
    loaded = load_checkpoint(ckpt)
    prompts = [tok.encode(CODE)[:12], tok.encode(CODE)[20:25]]
    width = max(map(len, prompts))
    ids = torch.tensor([[0] * (width - len(p)) + p for p in prompts])
    mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts])
    batch = hf_model.generate(ids, attention_mask=mask, max_new_tokens=16, do_sample=False, pad_token_id=0)
    for row, prompt in zip(batch[:, width:].tolist(), prompts):
        assert row == greedy_both(loaded, hf_model, prompt, 16)[0]


def test_bpe_tokenizer_and_greedy_generation(checkpoint_factory, tmp_path):
    tok = bpe_tokenizer()
    # The literal end-of-text string inside code stays text in codeling; it must in transformers too.
    text = CODE + 'END = "<|endoftext|>"\n'
    ckpt = checkpoint_factory(tok, positions="rotary")
    export_hf(ckpt, tmp_path / "hf")
    hf_model, hf_tok = load_hf(tmp_path / "hf")
    ids = tok.encode(text)
    hf_ids = hf_tok(text, add_special_tokens=False)["input_ids"]  # the BOS it adds is tested in tests/cli/test_usage.py
    assert hf_ids == ids and tok.eos_id not in ids
    assert hf_tok.decode(hf_ids) == text
    assert hf_model.config.eos_token_id == tok.eos_id == hf_tok.eos_token_id
    mine, theirs = greedy_both(load_checkpoint(ckpt), hf_model, ids[:10])
    assert theirs == mine


@pytest.mark.parametrize("options", [{}, {"positions": "rotary", "qk_norm": 0.7}])
def test_tinypy_tokenizer_travels(checkpoint_factory, tmp_path, options):
    tok = TinyPyTokenizer()
    export_hf(checkpoint_factory(tok, **options), tmp_path / "hf")
    _, hf_tok = load_hf(tmp_path / "hf")
    hf_ids = hf_tok(TINYPY, add_special_tokens=False)["input_ids"]
    assert hf_ids == tok.encode(TINYPY)
    assert hf_tok(TINYPY)["input_ids"][0] == tok.bos_id  # codeling's generate opens with BOS; so does the export
    assert hf_tok.decode(hf_ids, skip_special_tokens=True) == TINYPY


def test_export_files_are_deterministic_and_named_as_their_architecture(checkpoint_factory, tmp_path):
    ckpt = checkpoint_factory(CharTokenizer.fit([CODE]))
    export_hf(ckpt, tmp_path / "a" / "model")
    export_hf(ckpt, tmp_path / "b" / "model")
    names = {p.name for p in (tmp_path / "a" / "model").iterdir()}
    assert names == {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "README.md"}
    for name in names:
        assert (tmp_path / "a" / "model" / name).read_bytes() == (tmp_path / "b" / "model" / name).read_bytes()
    config = json.loads((tmp_path / "a" / "model" / "config.json").read_text())
    assert config["model_type"] == "gpt2" and config["activation_function"] == "gelu_new"

    from safetensors.torch import load_file

    weights = load_file(tmp_path / "a" / "model" / "model.safetensors")
    assert "lm_head.weight" not in weights  # tied to wte, as GPT-2 saves it
    assert weights["transformer.h.0.attn.c_attn.weight"].shape == (32, 96)  # Conv1D: (in, out)


def test_own_modelling_file_is_named_in_auto_map_and_needs_no_codeling(checkpoint_factory, tmp_path):
    export_hf(checkpoint_factory(CharTokenizer.fit([CODE]), n_memory=2), tmp_path / "hf")
    config = json.loads((tmp_path / "hf" / "config.json").read_text())
    assert config["auto_map"]["AutoModelForCausalLM"] == "modeling_codeling.CodelingForCausalLM"
    source = (tmp_path / "hf" / "modeling_codeling.py").read_text()
    assert "import codeling" not in source and "from codeling" not in source


def test_export_keeps_an_existing_directory(checkpoint_factory, tmp_path):
    ckpt = checkpoint_factory(CharTokenizer.fit([CODE]))
    out = tmp_path / "hf"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(CodelingError, match="already holds files"):
        export_hf(ckpt, out)
    assert (out / "mine.txt").read_text() == "keep me"
    export_hf(ckpt, out, overwrite=True)
    assert not (out / "mine.txt").exists() and (out / "model.safetensors").is_file()
