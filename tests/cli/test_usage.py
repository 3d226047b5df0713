"""What a new user meets at the command line, run through the installed `codeling` entry point."""

from __future__ import annotations

import json

import pytest

from codeling.tokenizers import CharTokenizer, TinyPyTokenizer

from .conftest import codeling, tiny_checkpoint


@pytest.mark.parametrize(
    "args, message",
    [
        (["explian", "x.py"], "No such command 'explian'"),
        (["train", "--no-such-flag"], "No such option: --no-such-flag"),
        (["generate"], "Missing argument"),
    ],
)
def test_usage_mistakes_print_the_usage_error_and_exit_2(args, message):
    proc = codeling(*args)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and message in errors[0]
    assert proc.stderr.startswith("Usage: codeling")


def test_sandbox_run_exit_status_says_how_the_program_ended(tmp_path, sandbox_mode):
    programs = {
        "failed": ("def f(x):\n    return x\n", "assert f(1) == 2\n", 1),
        "timeout": ("while True:\n    pass\n", None, 4),
        "memory": ("x = bytearray(2 ** 33)\n", None, 5),
        "ok": ("print('fine')\n", None, 0),
    }
    for status, (source, tests, code) in programs.items():
        (tmp_path / "prog.py").write_text(source)
        args = [
            "sandbox",
            "run",
            tmp_path / "prog.py",
            "--timeout",
            "1",
            "--memory-mb",
            "256",
            "--sandbox",
            sandbox_mode,
        ]
        if tests:
            (tmp_path / "tests.py").write_text(tests)
            args += ["--tests", tmp_path / "tests.py"]
        proc = codeling(*args)
        assert proc.returncode == code, (status, proc.stderr)
        assert proc.stderr.splitlines()[-1].startswith(status)
        assert "codeling/" not in proc.stderr  # the program's own traceback may pass through, never codeling's


def test_corpus_build_of_an_empty_directory_is_an_error_and_writes_nothing(tmp_path):
    (tmp_path / "empty").mkdir()
    proc = codeling("corpus", "build", "--out", tmp_path / "corpus", tmp_path / "empty")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]  # one line
    assert "No Python files were found" in proc.stderr
    assert not (tmp_path / "corpus").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]  # no temporary directory left beside it either


@pytest.mark.parametrize("tokenizer", [TinyPyTokenizer(), CharTokenizer(list("abc xyz\n"))], ids=["bos", "no-bos"])
def test_generate_with_an_empty_prompt_samples_unconditionally(tmp_path, tokenizer):
    ckpt = tiny_checkpoint(tmp_path / "ckpt", tokenizer)
    proc = codeling("generate", ckpt, "--prompt", "", "--max-new-tokens", "8", "--temperature", "0")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip("\n")  # something was generated


def test_generate_with_lighter_weights(tmp_path):
    ckpt = tiny_checkpoint(tmp_path / "ckpt", CharTokenizer(list("abc xyz\n")))
    proc = codeling(
        "generate", ckpt, "--prompt", "ab", "--max-new-tokens", "8", "--temperature", "0", "--weights", "bf16"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ab") and len(proc.stdout.strip("\n")) > 2
    proc = codeling("generate", ckpt, "--weights", "fp8")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "Unknown weights 'fp8'" in proc.stderr


def test_exported_model_generates_greedily_what_codeling_generates(tmp_path):
    transformers = pytest.importorskip(
        "transformers", reason="export round trips need transformers (pip install -e '.[hf]')"
    )
    tok = TinyPyTokenizer()
    ckpt = tiny_checkpoint(tmp_path / "ckpt", tok, seed=3)
    prompt = "x = 12\nprint(x)\n# output\n"
    proc = codeling("export", ckpt, "--out", tmp_path / "hf")
    assert proc.returncode == 0, proc.stderr
    proc = codeling("generate", ckpt, "--prompt", prompt, "--max-new-tokens", "12", "--temperature", "0")
    assert proc.returncode == 0, proc.stderr
    ours = proc.stdout.removesuffix("\n")
    assert ours.startswith(prompt) and len(ours) > len(prompt)

    # The standard transformers way, with no codeling-specific step: BOS comes from the tokenizer.
    hf_tok = transformers.AutoTokenizer.from_pretrained(tmp_path / "hf")
    model = transformers.AutoModelForCausalLM.from_pretrained(tmp_path / "hf").eval()
    encoded = hf_tok(prompt, return_tensors="pt")
    assert encoded["input_ids"][0, 0].item() == tok.bos_id
    out = model.generate(**encoded, max_new_tokens=12, do_sample=False, pad_token_id=tok.pad_id)
    assert prompt + hf_tok.decode(out[0, encoded["input_ids"].shape[1] :], skip_special_tokens=True) == ours
    pipe = transformers.pipeline("text-generation", model=model, tokenizer=hf_tok)
    assert pipe(prompt, max_new_tokens=12, do_sample=False)[0]["generated_text"] == ours


def test_eval_tinypy_is_tinypy_eval(tmp_path):
    ckpt = tiny_checkpoint(tmp_path / "ckpt", TinyPyTokenizer())
    (tmp_path / "p.txt").write_text("x = 1\nprint(x)\n# output\n# 1\n\ny = 2\nprint(y + 1)\n# output\n# 3\n")
    reports = []
    for verb in (["eval", "tinypy"], ["tinypy", "eval"]):
        proc = codeling(*verb, ckpt, "--data", tmp_path / "p.txt", "--json", tmp_path / "r.json", "--batch-size", "2")
        assert proc.returncode == 0, proc.stderr
        report = json.loads((tmp_path / "r.json").read_text())
        reports.append({k: report[k] for k in ("overall", "levels", "failures", "data")})
    assert reports[0] == reports[1] and reports[0]["overall"]["n"] == 2
