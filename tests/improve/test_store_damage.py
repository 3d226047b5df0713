"""A damaged or missing dataset store met by `codeling improve --resume`: exit status 2 and one
sentence naming the cause, before anything is written, and never a store silently rebuilt empty."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codeling.improve.settings import ImproveSettings, to_json
from codeling.improve.store import Store

CODELING = str(Path(sys.executable).with_name("codeling"))


def resume(out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CODELING, "improve", "--out", str(out), "--resume"], capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def run(tmp_path) -> Path:
    """A run directory as far as its store: the settings marker, a store of 200 tasks, its log."""
    out = tmp_path / "run"
    out.mkdir()
    (out / "improve.json").write_text(to_json(ImproveSettings()))
    store = Store(out / "dataset.sqlite")
    tasks = [
        dict(task_id=f"t{i}", entry_point="f", prompt="x" * 2000, tests="y", family=None, level=None)
        for i in range(200)
    ]
    store.add_tasks(tasks, "suite", 0)
    store.close()
    (out / "rounds.jsonl").write_text("")
    return out


def random_bytes_inside(store: Path) -> None:
    with open(store, "r+b") as f:
        f.seek(store.stat().st_size // 2)
        f.write(os.urandom(8192))


def a_directory_in_its_place(store: Path) -> None:
    store.unlink()
    store.mkdir()


def deleted(store: Path) -> None:
    store.unlink()


@pytest.mark.parametrize(
    "damage, says",
    [
        (random_bytes_inside, "not a readable codeling dataset"),
        (a_directory_in_its_place, "is not a file"),
        (deleted, "is missing although its run has started"),
    ],
)
def test_a_damaged_store_is_refused_with_its_cause(run, damage, says):
    damage(run / "dataset.sqlite")
    before = sorted(p.name for p in run.iterdir())
    proc = resume(run)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert says in proc.stderr and proc.stderr.count("\n") <= 2
    assert sorted(p.name for p in run.iterdir()) == before  # nothing rebuilt, nothing added


@pytest.mark.parametrize("target, says", [("dataset.sqlite", "cannot be written"), (".", "is read-only")])
def test_an_unwritable_store_or_folder_says_so(run, target, says):
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", run / target], capture_output=True).returncode:
        pytest.skip("chattr +i is not possible here (needs root and a filesystem that has the flag)")
    try:
        proc = resume(run)
    finally:
        subprocess.run(["chattr", "-i", run / target], check=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and says in proc.stderr, proc.stderr
