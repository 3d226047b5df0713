"""The model card every export carries: Hub front matter, what the model is, how it did, how to load it."""

import json

import pytest

from codeling.export import export_gguf, export_hf
from codeling.tokenizers import TinyPyTokenizer

pytest.importorskip("gguf", reason="the GGUF card needs gguf (pip install -e '.[gguf]')")


@pytest.fixture
def run_with_report(checkpoint_factory, tmp_path):
    """A run directory as `codeling demo` leaves it: checkpoints/step-N, metrics.jsonl, report.json."""
    run = tmp_path / "runs" / "demo"
    ckpt = checkpoint_factory(
        TinyPyTokenizer(), name="runs/demo/checkpoints/step-000040", positions="rotary", qk_norm=0.7
    )
    rows = [{"step": 20, "split": "val", "loss": 1.5}, {"step": 40, "split": "val", "loss": 0.75}]
    (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = {"mode": "output", "overall": {"n": 200, "output": 0.425}}
    report["out_of_distribution"] = {"3-4 digit literals": {"overall": {"n": 50, "output": 0.1}}}
    (run / "report.json").write_text(json.dumps(report))
    return ckpt


def front_matter(text):
    assert text.startswith("---\n")
    return text.split("---\n")[1]


def test_hf_card_tells_architecture_training_evaluation_and_loading(run_with_report, tmp_path):
    card = (export_hf(run_with_report, tmp_path / "hf") / "README.md").read_text()
    assert "library_name: transformers" in front_matter(card) and "pipeline_tag: text-generation" in card
    assert "# demo" in card and "`codeling`" in card and "model.qk_norm=0.7" in card
    assert "tinypy" in card and "40 steps" in card
    assert (
        "validation loss 0.7500" in card and "42.5% of 200" in card and "3-4 digit literals: output exact 10.0%" in card
    )
    assert 'from_pretrained("hf", trust_remote_code=True)' in card


def test_gguf_card_shows_llama_cpp_and_ollama(checkpoint_factory, tmp_path):
    ckpt = checkpoint_factory(TinyPyTokenizer(), positions="rotary")
    path = export_gguf(ckpt, tmp_path / "g", "q8_0")
    card = (path.parent / "README.md").read_text()
    assert "library_name: gguf" in front_matter(card) and "- gguf" in card and "`gpt_neox`" in card
    assert 'Llama(model_path="model-q8_0.gguf"' in card and "llama-cli -m model-q8_0.gguf" in card
    assert "FROM ./model-q8_0.gguf" in card
    modelfile = (path.parent / "Modelfile").read_text()
    assert modelfile.startswith("FROM ./model-q8_0.gguf\n")
    assert 'TEMPLATE "<bos>{{ .Prompt }}"' in modelfile  # llama.cpp's greedy tokenizer adds no BOS itself
    assert "with llama-cli start the prompt with the text <bos>" in card
    assert "no evaluation report" in card
