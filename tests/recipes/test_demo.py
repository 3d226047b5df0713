import json
import re
import subprocess
import sys
from collections import Counter

import pytest

from codeling.data.shards import Shards
from codeling.tinypy.dataset import read_test_jsonl
from codeling.tinypy.evaluate import evaluate_tinypy
from codeling.tinypy.reader import read_file
from codeling.tokenizers.tinypy import TinyPyTokenizer


@pytest.mark.slow  # tens of seconds on two cores (--durations)
def test_quick_demo_runs_end_to_end(tmp_path):
    out = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, "-m", "codeling", "demo", "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((out / "report.json").read_text())
    assert report["overall"]["n"] == 200
    # Levels counted as the saved test set holds them; the failures shown are truly wrong answers.
    test_set = read_test_jsonl(out / "data" / "test.jsonl")
    assert {level: score["n"] for level, score in report["levels"].items()} == Counter(s.level for s in test_set)
    assert report["failures"] and all(f["predicted"] != f["expected"] for f in report["failures"])
    # The figure is what the saved best checkpoint scores on the saved test set: greedy decoding of
    # the same checkpoint and data gives the same answers.
    again = evaluate_tinypy(out / "best", out / "data")
    assert again.overall.output / again.overall.n == report["overall"]["output"]
    assert (out / "loss.png").stat().st_size > 0 and (out / "best" / "model.safetensors").is_file()
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if r["split"] == "val"] == [20, 40]  # eval_every=20, max_steps=40
    assert "output acc" in proc.stdout
    # A second demo replaces the first; a directory the demo did not make is refused.
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    proc = subprocess.run(
        [sys.executable, "-m", "codeling", "demo", "--quick", "--out", str(tmp_path / "mine")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "not made by a codeling recipe" in proc.stderr
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


@pytest.mark.slow  # tens of seconds on two cores (--durations)
def test_datahack_recipe_scores_held_out_and_out_of_distribution_sets(tmp_path):
    out = tmp_path / "datahack"
    args = [
        "tinypy",
        "datahack",
        "--out",
        str(out),
        "--minutes",
        "0.02",
        "--programs",
        "1500",
        "--ood-programs",
        "20",
        "--preset",
        "tiny",
        "--set",
        "data.batch_size=8",
        "--set",
        "train.eval_batches=1",
    ]
    proc = subprocess.run([sys.executable, "-m", "codeling", *args], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((out / "report.json").read_text())
    assert report["overall"]["n"] == 150  # a tenth of a small run is held out
    assert report["training"]["steps"] >= 1 and report["training"]["tokens"] > 0
    ood = report["out_of_distribution"]
    assert [r["overall"]["n"] for r in ood.values()] == [20, 20, 20]
    assert set(ood["longer loops (4-8 iterations)"]["levels"]) <= {"3.1", "3.2", "4.1"}
    assert "out of distribution" in proc.stdout

    # Every out-of-distribution program stretches its knob and none was trained on.
    files = sorted((out / "ood").glob("ood-*.txt"))
    sets = [read_file(f).samples for f in files]
    assert all(s.level for samples in sets for s in samples)
    literals = [int(n) for s in sets[1] for n in re.findall(r"^[a-z] = (\d+)$", s.program, re.M)]
    assert literals and min(literals) >= 100
    tokenizer = TinyPyTokenizer()
    tokens = Shards(out / "data").split("train").tokens.tolist()
    starts = [i for i, t in enumerate(tokens) if t == tokenizer.bos_id] + [len(tokens)]
    trained = {tokenizer.decode(tokens[a:b]).split("\n# output\n")[0] for a, b in zip(starts, starts[1:])}
    assert len(trained) > 1000
    assert not any(s.program in trained for samples in sets for s in samples)


def test_datahack_refuses_a_bad_setting_before_writing_anything(tmp_path):
    out = tmp_path / "datahack"
    proc = subprocess.run(
        [sys.executable, "-m", "codeling", "tinypy", "datahack", "--out", str(out), "--preset", "nosuch"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2 and "Unknown preset 'nosuch'" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_datahack_config_file_trains_what_the_recipe_trains():
    from pathlib import Path

    from codeling.config import load_config
    from codeling.recipes.tinypy import DATAHACK, demo_config

    recipe = demo_config(Path("data"), DATAHACK)
    file = load_config(path=Path(__file__).parents[2] / "configs" / "tinypy-datahack.yaml")
    assert file.model == recipe.model and file.data.batch_size == recipe.data.batch_size
    assert file.train == recipe.train.model_copy(update={"compile": True})  # the recipe compiles only where CUDA is


def test_code_tracing_recipe_scores_by_feature_and_on_four_unseen_ood_sets(tmp_path, monkeypatch):
    """The datahack path on the code-tracing grammar, trained by a stand-in that saves a model
    answering nothing at once (a real model would decode every long output to its end)."""
    from types import SimpleNamespace

    from test_evaluate import always_wrong_checkpoint

    from codeling.recipes.tinypy import datahack_plan, run_recipe

    def stand_in(config, run_dir, progress=None):
        (run_dir / "best").symlink_to(always_wrong_checkpoint(run_dir).name)
        row = {"step": 1, "split": "train", "loss": 1.0, "lr": 1e-3, "tokens": 1, "time": 0.0}
        (run_dir / "metrics.jsonl").write_text(json.dumps(row) + "\n")
        return SimpleNamespace(step=1, tokens=1, seconds=0.0)

    plan = datahack_plan(1, 600, "tiny", 20, grammar="codetracing")
    monkeypatch.setattr("codeling.recipes.tinypy.train", stand_in)  # the recipe trains through it
    result = run_recipe(tmp_path / "ct", plan, seed=0)
    report = json.loads((tmp_path / "ct" / "report.json").read_text())
    assert report["overall"]["n"] == 60 and report["overall"]["output"] == 0 and report["levels"] == {}
    assert sum(v["n"] for v in report["features"]["while loop"].values()) == 60
    assert list(result.ood) == [ood.name for ood in plan.ood] and len(plan.ood) == 4
    assert all(r.overall.n == 20 for r in result.ood.values())
    files = {ood.name: tmp_path / "ct" / "ood" / f"ood-{i}.txt" for i, ood in enumerate(plan.ood, start=1)}
    sets = {name: read_file(path).samples for name, path in files.items()}
    inits = [
        int(n) for s in sets["larger literals (256-999)"] for n in re.findall(r"^\t*[a-z] = (\d+)$", s.program, re.M)
    ]
    assert inits and min(inits) >= 256
    lines = lambda samples: sum(s.program.count("\n") + 1 for s in samples) / len(samples)  # noqa: E731
    assert lines(sets["more statements (12-16)"]) > lines(sets["larger literals (256-999)"]) + 3
    tokenizer = TinyPyTokenizer()
    tokens = Shards(tmp_path / "ct" / "data").split("train").tokens.tolist()
    starts = [i for i, t in enumerate(tokens) if t == tokenizer.bos_id] + [len(tokens)]
    trained = {tokenizer.decode(tokens[a:b]).split("\n# output\n")[0] for a, b in zip(starts, starts[1:])}
    assert len(trained) > 450 and not any(s.program in trained for samples in sets.values() for s in samples)


def test_datahack_refuses_an_unknown_grammar_before_writing_anything(tmp_path):
    out = tmp_path / "x"
    args = ["tinypy", "datahack", "--grammar", "nosuch", "--out", str(out)]
    proc = subprocess.run([sys.executable, "-m", "codeling", *args], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "Unknown grammar 'nosuch'" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_trace_recipe_keeps_only_examples_that_fit_its_window_and_says_how_many_it_dropped(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from test_evaluate import always_wrong_checkpoint

    from codeling.recipes.tinypy import demo_plan, run_recipe

    def stand_in(config, run_dir, progress=None):
        assert config.model.block_size == 512
        (run_dir / "best").symlink_to(always_wrong_checkpoint(run_dir).name)
        row = {"step": 1, "split": "train", "loss": 1.0, "lr": 1e-3, "tokens": 1, "time": 0.0}
        (run_dir / "metrics.jsonl").write_text(json.dumps(row) + "\n")
        return SimpleNamespace(step=1, tokens=1, seconds=0.0)

    plan = demo_plan("codetracing", trace=True).model_copy(update={"programs": 400, "test_programs": 10})
    assert plan.trace and plan.max_example_tokens == 512 and plan.ood == ()
    monkeypatch.setattr("codeling.recipes.tinypy.train", stand_in)  # the recipe trains through it
    result = run_recipe(tmp_path / "tr", plan, seed=0)
    report = json.loads((tmp_path / "tr" / "report.json").read_text())
    kept, dropped = report["data"]["programs"], report["data"]["dropped_longer_than_window"]
    assert kept + dropped == 400 and dropped == result.dropped > 0 and kept > 10
    assert report["mode"] == "trace" and report["overall"]["n"] == 10
    tokenizer = TinyPyTokenizer()
    tokens = Shards(tmp_path / "tr" / "data").split("train").tokens.tolist()
    starts = [i for i, t in enumerate(tokens) if t == tokenizer.bos_id] + [len(tokens)]
    assert max(b - a for a, b in zip(starts, starts[1:])) <= 512
    assert "#STEP" in tokenizer.decode(tokens[starts[0] : starts[1]])


def test_demo_refuses_an_unknown_grammar_in_one_line(tmp_path):
    out = tmp_path / "x"
    proc = subprocess.run(
        [sys.executable, "-m", "codeling", "demo", "--grammar", "nosuch", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2 and "Unknown grammar 'nosuch'" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_datahack_compiles_where_the_device_it_is_given_is_a_gpu(monkeypatch):
    """torch.compile follows the device the recipe trains on (--device, or --set train.device), not
    what the machine has: here every machine "has" a GPU."""
    import torch

    from codeling.recipes.tinypy import datahack_plan

    monkeypatch.setattr(
        "codeling.recipes.tinypy.pick_device", lambda name: torch.device("cpu" if name == "cpu" else "cuda")
    )
    assert datahack_plan(1, 100, "tiny").train.compile
    assert not datahack_plan(1, 100, "tiny", device="cpu").train.compile
    assert not datahack_plan(1, 100, "tiny", overrides=("train.device=cpu",)).train.compile
    assert not datahack_plan(1, 100, "tiny", overrides=("train.compile=false",)).train.compile
