"""`codeling export --format space`: a folder that serves the Write-code tab with `python app.py`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from codeling.app.serve import free_port
from codeling.train.checkpoint import load_checkpoint

from .test_parts import _fetch


def codeling(*args) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).with_name("codeling")), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_an_exported_space_runs_its_write_code_tab_offline(tmp_path, app_dirs):
    result = codeling("export", app_dirs["coder"], "--format", "space", "--out", tmp_path / "space")
    assert result.returncode == 0, result.stderr
    space = tmp_path / "space"
    assert {p.name for p in space.iterdir()} == {"app.py", "codeling", "model", "README.md", "requirements.txt"}
    front = (space / "README.md").read_text().split("---")[1]
    assert "sdk: gradio" in front and "app_file: app.py" in front
    assert re.search(r"^gradio==\d", (space / "requirements.txt").read_text(), re.M)
    assert "torch>=" in (space / "requirements.txt").read_text()
    assert not (space / "model" / "trainer_state.pt").exists()
    original, copied = load_checkpoint(app_dirs["coder"]), load_checkpoint(space / "model")
    assert all((a == b).all() for a, b in zip(original.model.parameters(), copied.model.parameters()))

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(GRADIO_SERVER_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False")
    command = [sys.executable, "app.py"]
    server = subprocess.Popen(command, cwd=space, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        config = json.loads(_fetch(f"http://127.0.0.1:{port}/config", deadline=time.monotonic() + 60))
    finally:
        server.terminate()
        server.communicate(timeout=30)
    labels = set(re.findall(r'"label": "([^"]+)"', json.dumps(config)))
    assert "Write code" in labels and not labels & {"Runs", "Fix my code", "Ask Pygame", "TinyPy"}


def test_export_refuses_to_overwrite_a_space_without_overwrite(tmp_path, app_dirs):
    (tmp_path / "space").mkdir()
    (tmp_path / "space" / "mine.txt").write_text("keep me")
    result = codeling("export", app_dirs["coder"], "--format", "space", "--out", tmp_path / "space")
    assert result.returncode == 2 and "already holds files" in result.stderr
    assert (tmp_path / "space" / "mine.txt").read_text() == "keep me"
