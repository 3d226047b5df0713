import json
import subprocess
import sys


def test_quick_demo_runs_end_to_end(tmp_path):
    out = tmp_path / "demo"
    proc = subprocess.run([sys.executable, "-m", "codeling", "demo", "--quick", "--out", str(out)], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((out / "report.json").read_text())
    assert report["overall"]["n"] == 200 and 0.0 <= report["overall"]["output"] <= 1.0
    assert set(report["levels"]) == {"1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "4.1"}
    assert (out / "loss.png").stat().st_size > 0 and (out / "best" / "model.safetensors").is_file()
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert any(r["split"] == "val" for r in rows)
    assert "output acc" in proc.stdout
    # A second demo replaces the first; a directory the demo did not make is refused.
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    proc = subprocess.run([sys.executable, "-m", "codeling", "demo", "--quick", "--out", str(tmp_path / "mine")], capture_output=True, text=True)
    assert proc.returncode == 2 and "not made by `codeling demo`" in proc.stderr
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
