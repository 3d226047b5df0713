"""The web app's parts without a browser: limits, streaming, model loading, reading runs, and the
`codeling serve` command serving a page."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from codeling.app.models import AppLimits, load_models, run_checkpoints
from codeling.app.reports import EVAL_HEADERS, eval_rows, find_reports, latest_tinypy, tinypy_levels
from codeling.app.runs import find_runs, read_rows, read_run, signature, table
from codeling.app.serve import free_port, is_loopback
from codeling.app.streaming import stream_completion
from codeling.app.tinypy_view import Comparison, random_program, true_output
from codeling.errors import CodelingError
from codeling.generate import Sampling, generate_text

from .conftest import pass_at_k_report, tinypy_report


def test_streamed_chunks_grow_to_exactly_what_generate_text_returns(app_dirs):
    loaded = load_models([app_dirs["coder"]])["coder"].get()
    sampling = Sampling(24, temperature=0.9, top_k=5, seed=7)
    chunks = list(stream_completion(loaded, "print(", sampling, AppLimits()))
    texts = [c.text for c in chunks]
    assert chunks[-1].done and not chunks[-1].note and chunks[-2].tokens == 24
    assert all(b.startswith(a) for a, b in zip(texts, texts[1:]))
    assert texts[-1] == generate_text(loaded.model, loaded.tokenizer, ["print("], sampling)[0]


def test_generation_stops_at_the_time_limit_and_says_so(app_dirs):
    loaded = load_models([app_dirs["coder"]])["coder"].get()
    limits = AppLimits(request_timeout_s=1e-9)
    last = list(stream_completion(loaded, "print(", Sampling(64), limits))[-1]
    assert last.done and last.tokens == 0 and "time limit" in last.note


@pytest.mark.parametrize(
    "prompt, tokens, message",
    [("x" * 101, 8, "limit is 100"), ("x", 65, "between 1 and 64"), ("x", 0, "between 1 and 64")],
)
def test_requests_over_a_limit_are_refused_before_any_work(app_dirs, prompt, tokens, message):
    loaded = load_models([app_dirs["coder"]])["coder"].get()
    with pytest.raises(CodelingError, match=message):
        next(stream_completion(loaded, prompt, Sampling(tokens), AppLimits(max_input_chars=100, max_new_tokens=64)))


def test_a_model_that_fails_to_load_is_kept_with_the_reason(app_dirs):
    models = load_models([app_dirs["broken"], app_dirs["coder"], app_dirs["coder"]])
    assert list(models) == ["broken", "coder", "coder (2)"]
    assert models["broken"].loaded is None and "damaged" in models["broken"].error
    with pytest.raises(CodelingError, match="could not be loaded"):
        models["broken"].get()
    assert models["coder"].loaded is not None and not models["coder"].is_tinypy
    root = app_dirs["coder"].parent
    assert run_checkpoints(root, ["runs", "coder", "tinypy"]) == [root / "coder", root / "tinypy"]


def test_runs_are_found_and_a_half_written_line_is_skipped(tmp_path, app_dirs):
    assert find_runs(app_dirs["runs"]) == ["pop", "selfimprove", "small", "wide"]
    log = tmp_path / "metrics.jsonl"
    log.write_text('{"step": 1, "split": "train", "loss": 2.0}\n{"step": 2, "spl')
    assert read_rows(log) == [{"step": 1, "split": "train", "loss": 2.0}]
    before = signature(tmp_path, ["."])
    assert signature(tmp_path, ["."]) == before
    with log.open("a") as f:
        f.write('lit": "val", "loss": 1.5}\n')
    assert signature(tmp_path, ["."]) != before and read_rows(log)[-1]["loss"] == 1.5
    before = signature(tmp_path, ["."])
    (tmp_path / "report.json").write_text("{}")  # a new evaluation report is redrawn too
    assert signature(tmp_path, ["."]) != before
    with pytest.raises(CodelingError, match="no run"):
        read_run(app_dirs["runs"], "../..")
    view = read_run(app_dirs["runs"], "selfimprove")
    assert view.kind == "self-improvement" and "3 rounds done" in view.summary()
    columns, rows = table(view.rounds)
    assert columns == ["step", "kept", "test.pass@1", "heldout.pass@1"] and rows[2][:3] == ["2", "7", "0.2"]


def test_evaluation_reports_are_read_by_shape_newest_first(tmp_path):
    (tmp_path / "config.json").write_text('{"model": {"n_layer": 2}}')  # not a report: passed over
    (tmp_path / "half.json").write_text('{"overall": {"n": 3')  # still being written: passed over
    (tmp_path / "old.json").write_text(json.dumps(tinypy_report("output", {"1.1": (2, 1, 0, 0)})))
    os.utime(tmp_path / "old.json", ns=(1, 1))
    trace = tinypy_report("trace", {"1.1": (4, 3, 2, 3), "2.1": (4, 1, 0, 2)})
    (tmp_path / "report.json").write_text(json.dumps(trace))
    (tmp_path / "humaneval.json").write_text(json.dumps(pass_at_k_report()))
    rounds = [{"step": 0, "kept": 0, "test": {"pass@1": 0.1, "pass@10": 0.2}, "test_by_level": {"1": 0.5}}]
    (tmp_path / "improve.json").write_text(json.dumps({"settings": {"rounds": 1}, "rounds": rounds}))
    os.utime(tmp_path / "improve.json", ns=(2, 2))
    found = find_reports(tmp_path)
    assert sorted(r.name for r in found[:2]) == ["humaneval.json", "report.json"]
    assert [(r.name, r.kind) for r in found[2:]] == [("improve.json", "improve"), ("old.json", "tinypy")]
    assert latest_tinypy(tmp_path).name == "report.json" and latest_tinypy(tmp_path / "missing") is None

    headers, rows = tinypy_levels(trace)
    assert headers == ["level", "n", "output accuracy", "hard", "soft"]
    assert rows == [
        ["1.1", "4", "75.0%", "50.0%", "75.0%"],
        ["2.1", "4", "25.0%", "0.0%", "50.0%"],
        ["overall", "8", "50.0%", "25.0%", "62.5%"],
    ]
    headers, rows = tinypy_levels(tinypy_report("output"))
    assert headers == ["level", "n", "output accuracy"] and rows[-1] == ["overall", "8", "50.0%"]
    by_feature = {**tinypy_report("output"), "levels": {}, "features": {"loop": {"while": {"n": 2, "output": 0.5}}}}
    assert tinypy_levels(by_feature)[1][0] == ["loop=while", "2", "50.0%"]

    table_rows = {row[0]: row for row in eval_rows(found)}
    assert len(EVAL_HEADERS) == len(table_rows["report.json"])
    assert table_rows["report.json"][1:] == ["TinyPy", "trace, 2 levels", "8", "output 50.0%, hard 25.0%, soft 62.5%"]
    assert table_rows["humaneval.json"][1:] == [
        "pass@k",
        "n 2, temperature 0.8",
        "5 problems × 2",
        "pass@1 30.0%, pass@2 50.0%",
    ]
    assert table_rows["improve.json"][1:] == ["improve", "round 0", "0 kept", "test pass@1 10.0%, test pass@10 20.0%"]


def test_tinypy_comparison_marks_each_differing_line():
    program = random_program("1.1", seed=3)
    truth = true_output(program)
    assert truth and random_program("1.1", seed=3) == program
    rows = Comparison(truth, [truth[0], "nope"], "").rows
    assert [r[3] for r in rows][:2] == ["ok", "✗ differs"] and len(rows) == max(len(truth), 2)
    with pytest.raises(CodelingError, match="not a TinyPy program"):
        true_output("import os")


def test_only_loopback_addresses_count_as_local():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2") and not is_loopback("example.org")


def test_codeling_serve_serves_the_page_on_loopback(app_dirs):
    port = free_port()
    command = [str(Path(sys.executable).with_name("codeling")), "serve", "--port", str(port)]
    command += ["--model", str(app_dirs["coder"]), "--model", str(app_dirs["broken"]), "--runs", str(app_dirs["runs"])]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        page = _fetch(f"http://127.0.0.1:{port}/config", deadline=time.monotonic() + 60)
        titles = re.findall(r'"label": "([^"]+)"', json.dumps(json.loads(page)))
        assert {"Write code", "Runs"} <= set(titles) and "TinyPy" not in titles  # no TinyPy model here
    finally:
        server.terminate()
        out = server.communicate(timeout=30)[0]
    assert "warning:" in out and "damaged" in out and f"http://127.0.0.1:{port}" in out


def _fetch(url: str, deadline: float) -> str:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_tinypy_draws_programs_as_the_models_data_was_drawn(tmp_path):
    """A model trained on literals 0-9 (the demo's) is shown programs with literals 0-9 only."""
    from codeling.tokenizers import TinyPyTokenizer
    from codeling.train.checkpoint import load_checkpoint

    from .conftest import tiny_checkpoint

    generator = {"levels": ["1.1"], "seed": 0, "knobs": {"literals": [0, 9], "depth": 1}}
    task = {"name": "tinypy", "mode": "output", "generator": generator}
    loaded = load_checkpoint(tiny_checkpoint(tmp_path / "m", TinyPyTokenizer(), task=task))
    numbers = [int(n) for s in range(20) for n in re.findall(r"\d+", random_program("1.1", s, loaded))]
    assert numbers and max(numbers) <= 9
    unbounded = [int(n) for s in range(20) for n in re.findall(r"\d+", random_program("1.1", s))]
    assert max(unbounded) > 9  # the generator's default range, for a model that recorded none
