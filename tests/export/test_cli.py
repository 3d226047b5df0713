"""`codeling export`: formats, default folders, the mapping it reports, refusals as one line and exit 2."""

import pytest

from codeling.cli import main
from codeling.tokenizers import CharTokenizer, TinyPyTokenizer

from .conftest import CODE, DEMO


def test_hf_export_reports_its_mapping_and_defaults_to_exported(checkpoint_factory, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ckpt = checkpoint_factory(TinyPyTokenizer(), positions="rotary", qk_norm=0.7)
    main(["export", str(ckpt)])
    out = capsys.readouterr().out
    assert "architecture: codeling, because model.qk_norm=0.7" in " ".join(out.split())
    assert (tmp_path / "exported" / "ckpt" / "modeling_codeling.py").is_file()


def test_gguf_export_and_refusal(checkpoint_factory, tmp_path, capsys, monkeypatch):
    pytest.importorskip("gguf", reason="GGUF export needs gguf (pip install -e '.[gguf]')")
    monkeypatch.chdir(tmp_path)
    main(["export", str(checkpoint_factory(CharTokenizer.fit([CODE]))), "--format", "gguf", "--gguf-type", "q8_0"])
    assert "architecture: gpt2" in capsys.readouterr().out
    assert (tmp_path / "exported" / "ckpt-gguf" / "model-q8_0.gguf").is_file()
    with pytest.raises(SystemExit) as exit_info:
        main(["export", str(checkpoint_factory(CharTokenizer.fit([CODE]), "qk", qk_norm=0.7)), "--format", "gguf"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "model.qk_norm=0.7" in err and "Traceback" not in err


def test_the_demos_run_exports_to_gguf_as_gpt_neox(checkpoint_factory, tmp_path, capsys, monkeypatch):
    pytest.importorskip("gguf", reason="GGUF export needs gguf (pip install -e '.[gguf]')")
    monkeypatch.chdir(tmp_path)
    checkpoint_factory(TinyPyTokenizer(), name="runs/demo/checkpoints/step-000040", **DEMO)
    main(["export", "runs/demo", "--format", "gguf"])  # the README's path after `codeling demo`
    assert "architecture: gpt_neox, because rotary positions" in " ".join(capsys.readouterr().out.split())
    modelfile = (tmp_path / "exported" / "demo-gguf" / "Modelfile").read_text()
    assert (
        modelfile.startswith("FROM ./model-f16.gguf\n")
        and (tmp_path / "exported" / "demo-gguf" / "model-f16.gguf").is_file()
    )


def test_unknown_format_and_type_exit_2(checkpoint_factory, tmp_path, capsys):
    ckpt = checkpoint_factory(CharTokenizer.fit([CODE]))
    for args, words in [
        (["--format", "onnx"], "Unknown export format 'onnx'"),
        (["--format", "gguf", "--gguf-type", "q4"], "q4"),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            main(["export", str(ckpt), *args, "--out", str(tmp_path / "other")])
        assert exit_info.value.code == 2
        assert words in capsys.readouterr().err


def test_help_says_which_mapping_a_checkpoint_gets_and_why(capsys):
    try:
        main(["export", "--help"])
    except SystemExit as exit_info:
        assert exit_info.code in (0, None)
    text = " ".join(capsys.readouterr().out.split())
    for words in ("GPT-2", "GPT-NeoX", "trust_remote_code=True", "QK-norm", "gguf refuses"):
        assert words in text


def test_a_run_directory_exports_under_the_runs_name(checkpoint_factory, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    checkpoint_factory(CharTokenizer.fit([CODE]), name="runs/demo/checkpoints/step-000040")
    main(["export", "runs/demo"])
    assert (tmp_path / "exported" / "demo" / "config.json").is_file()


def test_gguf_export_says_when_llama_cpp_cuts_prompts_otherwise(checkpoint_factory, tmp_path, capsys):
    pytest.importorskip("gguf", reason="GGUF export needs gguf (pip install -e '.[gguf]')")
    from codeling.tokenizers import BPETokenizer

    tok = BPETokenizer.train([CODE * 3] * 5, vocab_size=300, min_frequency=1)  # the indent rule, the default
    main(["export", str(checkpoint_factory(tok)), "--format", "gguf", "--out", str(tmp_path / "g")])
    said = " ".join(capsys.readouterr().out.split())
    assert "indent rule, which llama.cpp cannot express" in said
    assert "indent rule, which llama.cpp cannot express" in (tmp_path / "g" / "README.md").read_text()
