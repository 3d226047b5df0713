import hashlib
import json
import subprocess
import sys
from collections import Counter

import torch

from codeling.config import load_config
from codeling.model import GPT
from codeling.tinypy.dataset import target_text
from codeling.tinypy.evaluate import evaluate_tinypy, load_samples, score_generations
from codeling.tinypy.reader import read_file
from codeling.tokenizers.tinypy import TinyPyTokenizer
from codeling.train.checkpoint import save_checkpoint

HAND_MADE = """a = 5
print(a + 2)
# output
# 7

b = 3
if b > 4 :
\tprint(b)
# output
# 

c = 2
for c in range(0, 2) :
\tprint(c)
# output
# 0
# 1
"""  # noqa: W291 (an empty output is written "# " with its space)


def test_known_scores_on_a_hand_made_file(tmp_path):
    path = tmp_path / "hand.txt"
    path.write_text(HAND_MADE)
    samples, info = load_samples(path, trace=False)
    assert [s.output for s in samples] == [["7"], [], ["0", "1"]]
    right = ["# 7\n", "# \n", "# 0\n# 1\n"]
    overall, levels, failures, _ = score_generations(samples, right, trace=False)
    assert (overall.n, overall.output) == (3, 3) and not failures
    # One wrong line, one missing line, one extra line: each sample counts as wrong.
    overall, _, failures, _ = score_generations(samples, ["# 8\n", "# \n", "# 0\n"], trace=False)
    assert overall.output == 1 and len(failures) == 2
    overall, _, _, _ = score_generations(samples, ["# 7\n# 7\n", "# 1\n", ""], trace=False)
    assert overall.output == 0


def test_trace_scores_hard_and_soft(tmp_path):
    path = tmp_path / "hand.txt"
    path.write_text(HAND_MADE)
    samples, _ = load_samples(path, trace=True)
    exact = [target_text(s.output, s.trace) for s in samples]
    overall, _, _, _ = score_generations(samples, exact, trace=True)
    assert (overall.output, overall.hard, overall.soft) == (3, 3, 3)
    # Keep only the last line: soft (and output) still right, hard wrong.
    last_only = [t.rstrip("\n").split("\n")[-1] for t in exact]
    overall, _, _, _ = score_generations(samples, last_only, trace=True)
    assert (overall.output, overall.hard, overall.soft) == (3, 0, 3)


def always_wrong_checkpoint(tmp_path):
    """A model whose only answer is EOS: it claims no output at all."""
    tok = TinyPyTokenizer()
    cfg = load_config(
        preset="tiny",
        overrides=[f"model.vocab_size={tok.vocab_size}", "model.n_layer=1", "model.n_embd=32", "model.n_head=2"],
    )
    model = GPT(cfg.model)
    # Final LayerNorm emits the unit vector e0 everywhere; the (tied) output matrix is zero except
    # EOS's first entry, so EOS has the top logit at every position.
    with torch.no_grad():
        model.ln_f.weight.zero_()
        model.ln_f.bias.zero_()
        model.ln_f.bias[0] = 1.0
        model.wte.weight.zero_()
        model.wte.weight[tok.eos_id, 0] = 1.0
    cfg.task = {"name": "tinypy", "mode": "output"}
    return save_checkpoint(tmp_path / "ckpt", model, cfg, tok)


def test_always_wrong_model_scores_zero_end_to_end(tmp_path):
    (tmp_path / "hand.txt").write_text(HAND_MADE)
    ckpt = always_wrong_checkpoint(tmp_path)
    report = evaluate_tinypy(ckpt, tmp_path / "hand.txt")
    assert report.overall.n == 3 and report.overall.output == 0
    assert all(f.generated == "" for f in report.failures)
    out = tmp_path / "report.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "codeling",
            "tinypy",
            "eval",
            str(ckpt),
            "--data",
            str(tmp_path / "hand.txt"),
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    saved = json.loads(out.read_text())
    assert saved["overall"]["output"] == 0.0 and saved["overall"]["n"] == 3 and saved["data"]["samples"] == 3


def test_public_sample_file_evaluates(tmp_path, public_sample):
    ckpt = always_wrong_checkpoint(tmp_path)
    report = evaluate_tinypy(ckpt, public_sample, limit=40)
    assert (report.overall.n, report.overall.output) == (40, 0)
    assert report.data["sha256"] == hashlib.sha256(public_sample.read_bytes()).hexdigest()
    # Each of the first 40 samples is scored under the level the reader gives it.
    expected = Counter(s.level for s in read_file(public_sample).samples[:40])
    assert {level: score.n for level, score in report.levels.items()} == dict(expected)


STYLE_2025 = """n = 1234
s = 0
while n > 0 :
\ts = s + (n % 10)
\tn = n // 10
print(s)
# output
# 10

r = 3
y = -4
print(r == y)
print(r // y)
# output
# False
# -1

a = 2
print(a ** 2)
# output
# 4

b = 7
print(b)

r = 3
y = -4
print(r == y)
print(r // y)
# output
# False
# -1

c = 1
if c > 0 :
\tif c < 5 :
\t\tprint(c)
# output
# 1
"""


def test_eval_says_what_it_read_skipped_and_scores_by_feature(tmp_path):
    (tmp_path / "style.txt").write_text(STYLE_2025)
    ckpt = always_wrong_checkpoint(tmp_path)
    out = tmp_path / "report.json"
    args = ["tinypy", "eval", str(ckpt), "--data", str(tmp_path / "style.txt"), "--json", str(out)]
    proc = subprocess.run([sys.executable, "-m", "codeling", *args], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    printed = " ".join(proc.stdout.split())
    assert "6 samples in the file, 3 scored, 3 skipped" in printed
    assert "skipped 1: not TinyPy (lines 19)" in printed and "skipped 1: duplicate program (lines 26)" in printed
    saved = json.loads(out.read_text())
    skipped = saved["data"]["skipped"]
    assert saved["data"]["in_file"] == 6 and saved["data"]["samples"] == 3 and skipped["count"] == 3
    assert {reason: entry["lines"] for reason, entry in skipped["reasons"].items()} == {
        "not TinyPy": [19],
        "no `# output` line": [23],
        "duplicate program": [26],
    }
    assert saved["levels"] == {}  # none of the three has a level: scored by feature instead
    features = saved["features"]
    assert {k: v["n"] for k, v in features["while loop"].items()} == {"no": 2, "yes": 1}
    assert {k: v["n"] for k, v in features["nesting depth"].items()} == {"0": 1, "1": 1, "2": 1}
    assert {k: v["n"] for k, v in features["% or //"].items()} == {"no": 1, "yes": 2}
    assert {k: v["n"] for k, v in features["printed lines"].items()} == {"1": 2, "2": 1}
    assert "by feature" in printed


def test_limit_and_untraceable_programs_are_counted_as_skipped(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text(HAND_MADE + "\nz = 0\nprint(5 // z)\n# output\n# 1\n")
    samples, info = load_samples(path, trace=True)
    assert len(samples) == 3 and info["in_file"] == 4
    assert info["skipped"]["reasons"]["fails at run time"]["lines"] == [19]
    samples, info = load_samples(path, trace=False, limit=1)
    assert len(samples) == 1 and info["skipped"]["reasons"]["past --limit"]["count"] == 3
