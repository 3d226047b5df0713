"""A loop stopped by SIGTERM saves, says how to resume, and exits 130: the same status for every loop."""

import json
import os
import signal
import subprocess
import time

from codeling.data.text import text_to_shards

from .conftest import CODELING


def test_sigterm_stops_train_with_status_130_and_a_resume_line(tmp_path):
    (tmp_path / "input.txt").write_text("def f(x):\n    return x + 1\n" * 400)
    text_to_shards(tmp_path / "input.txt", tmp_path / "data")
    run = tmp_path / "run"
    tiny = ["model.n_layer=1", "model.n_head=2", "model.n_embd=16", "model.block_size=32", "data.batch_size=4"]
    args = ["train", "--data", tmp_path / "data", "--out", run, "--preset", "tiny", "--max-steps", "1000000"]
    args += [item for setting in [*tiny, "log.every_steps=1", "log.tensorboard=false"] for item in ("--set", setting)]
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.Popen(
        [CODELING, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    deadline = time.monotonic() + 120
    while not _trained_a_step(run) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "resume with: codeling train --out" in out and "Traceback" not in err
    assert (run / "latest").is_symlink()  # it saved before it stopped


def _trained_a_step(run) -> bool:
    metrics = run / "metrics.jsonl"
    return metrics.is_file() and any(json.loads(line)["split"] == "train" for line in metrics.read_text().splitlines())
