"""Hostile input through the real HTTP API of `codeling serve` (started through the entry point, on
loopback): programs that would hold the server's CPU, damaged and hostile run files, values no
widget sends, oversized requests. Each ends in a sentence or a valid result, and afterwards the
server still answers within a second."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from codeling.app.serve import free_port

from .conftest import make_runs, metric, tinypy_report, write_jsonl
from .gradio_api import answers_within, call, post, wait_until_up

SQUARING = "x = 2\nfor i in range({n}):\n    x = x * x\nprint(1)"
LONG_SUM = "x = " + " + ".join(["1"] * 1500) + "\nprint(x)"


def hostile_runs(root: Path, outside: Path) -> Path:
    make_runs(root)
    first = root / "0-damaged"  # sorts first, so the tab opens on it
    first.mkdir()
    (first / "config.yaml").write_bytes(b"model: \xff\xfe\n")
    good = json.dumps(metric(10, "train", 2.0))
    rows = [good, '{"step": 20, "split": "train", "loss": "abc"}', '{"step": {"a": 1}, "split": "val", "loss": 1.0}']
    (first / "metrics.jsonl").write_bytes(("\n".join(rows) + "\n").encode() + b'{"step": 3\xff}\n')
    write_jsonl(first / "lineage.jsonl", [{"generation": "a", "member": {"x": 1}, "step": 1}])
    html = root / "html"
    html.mkdir()
    write_jsonl(html / "metrics.jsonl", [metric(1, "train", 1.0)])
    (html / "report.json").write_text(
        json.dumps({**tinypy_report("output"), "mode": '<img src="http://127.0.0.1:9/x">'})
    )
    leak = root / "leak"
    leak.mkdir()
    write_jsonl(leak / "metrics.jsonl", [metric(1, "train", 1.0)])
    outside.write_text("SECRET: do not show\n")
    (leak / "config.yaml").symlink_to(outside)
    return root


@pytest.fixture(scope="module")
def server(app_dirs, sandbox_mode, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    runs = hostile_runs(tmp / "runs", tmp / "secret.txt")
    port = free_port()
    command = [str(Path(sys.executable).with_name("codeling")), "serve", "--port", str(port), "--runs", str(runs)]
    command += ["--model", str(app_dirs["coder"]), "--model", str(app_dirs["tinypy"]), "--sandbox", sandbox_mode]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        yield base
    finally:
        process.terminate()
        log = process.communicate(timeout=30)[0]
    assert "Traceback" not in log, log


def still_up(base: str) -> None:
    assert answers_within(base, 1.0), "the server took more than a second to answer after that request"


@pytest.mark.parametrize(
    "program, says",
    [
        (SQUARING.format(n=32), "past 14,000 bits"),
        (SQUARING.format(n=40), "past 14,000 bits"),
        (LONG_SUM, "nested more than 100 deep"),
        ("x = 1\nwhile x > 0:\n    x = x + 1\n" + "    x = x + 0\n" * 500, "longer than 2 s"),
        ("print(\ud800)", "lone surrogate"),
    ],
)
def test_the_tinypy_tab_runs_typed_programs_under_bounds(server, program, says):
    verdict, _rows, _raw = call(server, "tinypy_check", "tinypy", program, timeout=30)
    assert verdict.startswith("⚠️") and says in html.unescape(verdict)
    still_up(server)


@pytest.mark.parametrize(
    "api, data, says",
    [
        ("generate", ["coder", "x", float("nan"), 0, 1, 5, ""], "Temperature must be a number"),
        ("generate", ["coder", "x", 0.5, 0, 1, "ten", ""], "Max tokens must be a number"),
        ("generate", [["coder"], "x", 0.5, 0, 1, 5, ""], "no such model"),
        ("run", ["print(\ud800)", ""], "lone surrogate"),
        ("run", [None, ""], "must be text"),
        ("tinypy_draw", ["tinypy", "1.1", 1e30], "Seed must be a number"),
        ("tinypy_draw", ["tinypy", "1.1", "abc"], "Seed must be a number"),
        ("tinypy_draw", ["tinypy", "9.9", 0], "Choose a level"),
        ("run_show", ["../..", "(none)"], "no such run"),
    ],
)
def test_values_no_widget_sends_get_a_sentence(server, api, data, says):
    outputs = call(server, api, *data)
    shown = [o for o in outputs if isinstance(o, str) and o.startswith("⚠️")]
    assert shown and says in html.unescape(shown[0]), outputs
    still_up(server)


def test_damaged_run_files_show_what_can_be_shown(server):
    summary, _plot, config, *_ = call(server, "run_show", "0-damaged", "(none)")
    assert "train loss 2.0000 at step 10" in summary and "not UTF-8" in config
    tick = call(server, "run_tick", "0-damaged", "(none)")
    assert "train loss" in tick[0]
    still_up(server)


def test_file_text_is_escaped_and_symlinks_out_of_a_run_are_not_followed(server):
    caption, _levels = call(server, "report_show", "html")
    # Every character that could start markup arrives with Markdown's escape, a backslash, so the
    # page shows `<img ...>` as text and never fetches it (app/markup.py).
    assert re.search(r"(?<!\\)[<>]", caption) is None and "\\<img" in caption
    summary, _plot, config, *_ = call(server, "run_show", "leak", "(none)")
    assert "SECRET" not in config and "leads outside" in config and "train loss" in summary
    still_up(server)


def test_oversized_requests_are_refused_before_they_are_read(server):
    head = b"--b\r\nContent-Disposition: form-data; name=files; filename=a\r\n\r\n"
    upload = head + b"0" * 20_000_000 + b"\r\n--b--\r\n"
    assert post(server, "/gradio_api/upload", upload, "multipart/form-data; boundary=b") == 413
    body = json.dumps({"data": ["x" * 5_000_000, ""]}).encode()
    assert post(server, "/gradio_api/call/run", body) == 413
    still_up(server)


@pytest.mark.parametrize(
    "flags, says",
    [
        (["--timeout", "nan"], "finite numbers of seconds"),
        (["--timeout", "inf"], "finite numbers of seconds"),
        (["--port", "70000"], "Port 70000 does not exist"),
        (["--host", "::1"], "IPv6 address"),
        (["--sandbox", "nope"], "unknown sandbox mode 'nope'"),
    ],
)
def test_serve_refuses_impossible_flags_before_it_starts(tmp_path, flags, says):
    command = [str(Path(sys.executable).with_name("codeling")), "serve", "--runs", str(tmp_path), *flags]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert says in result.stderr and result.stderr.count("\n") == 1
