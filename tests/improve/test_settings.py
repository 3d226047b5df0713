"""improve's settings: one loader (preset < YAML < --set), every bad value refused before a file is written."""

import subprocess
import sys

import pytest

from codeling.errors import CodelingError
from codeling.improve import load
from codeling.improve.settings import training_config


def codeling(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codeling", *args], capture_output=True, text=True, cwd=cwd)


def snapshot(folder):
    return sorted((p.relative_to(folder).as_posix(), p.read_bytes()) for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    "assignment,needle",
    [
        ("rounds=abc", "'rounds'"),
        ("per_task=1e9", "'per_task'"),
        ("model=5", "'model' is a section"),
        ("temperature=-1", "'temperature'"),
        ("seed_levels=[9]", "seed_levels must be among"),
        ("sandbox=nope", "'sandbox'"),
        ("model.n_layr=3", "Unknown improve setting key 'model.n_layr'"),
        ("train.schedule=time", "set max_minutes too"),
        ("write_tasks=5", None),  # valid on its own: the out folder is still left alone by the typo below
    ],
)
def test_a_bad_setting_leaves_the_out_folder_as_it_was(assignment, needle, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    before = snapshot(out)
    extra = [] if needle else ["--set", "roundz=1"]
    proc = codeling("improve", "--out", str(out), "--preset", "smoke", "--set", assignment, *extra)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert (needle or "roundz") in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert snapshot(out) == before
    fresh = tmp_path / "fresh"
    assert codeling("improve", "--out", str(fresh), "--set", assignment, *extra).returncode == 2
    assert not fresh.exists()  # not even created


def test_the_same_command_without_the_typo_starts(tmp_path, bwrap):
    out = tmp_path / "run"
    bad = codeling("improve", "--out", str(out), "--preset", "smoke", "--set", "rounds=O")
    assert bad.returncode == 2 and not out.exists()
    good = codeling("improve", "--out", str(out), "--preset", "smoke", "--set", "rounds=0")
    assert good.returncode == 0, good.stderr[-2000:]
    assert (out / "report.json").is_file() and "frontier" in good.stdout


def test_trainer_sections_are_the_trainers_own_config():
    settings = load("smoke", overrides=["model.n_layer=2", "train.lr=1e-3"])
    config = training_config(settings, "data", 7, None)
    assert (config.model.n_layer, config.train.lr, config.train.max_steps) == (2, 1e-3, 7)
    assert config.data.dir == "data" and config.train.seed == 1337 + settings.seed
    with pytest.raises(CodelingError, match="n_embd .* must be a multiple of n_head"):
        load("smoke", overrides=["model.n_head=3"])


def test_a_yaml_file_sits_between_the_preset_and_set(tmp_path):
    path = tmp_path / "improve.yaml"
    path.write_text("preset: smoke\nrounds: 4\nmodel:\n  n_layer: 2\n")
    settings = load(None, path, ["rounds=5"])
    assert (settings.rounds, settings.model.n_layer, settings.base_steps) == (5, 2, load("smoke").base_steps)
