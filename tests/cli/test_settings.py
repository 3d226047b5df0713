"""Every loop is configured one way (preset < YAML < --set, validated by config.load_settings) and
refuses a bad setting before it writes anything, through the real `codeling` entry point."""

from __future__ import annotations

import pytest

from .conftest import codeling

# One mistyped key per loop, in the section a user would reach for.
MISTYPED = {
    "train": (["train", "--preset", "tiny", "--set", "train.lrr=3e-4"], "train.lrr"),
    "evolve": (["evolve", "--preset", "tiny", "--set", "evolve.populaton=2"], "evolve.populaton"),
    "fixer train": (["fixer", "train", "--preset", "smoke", "--set", "examples.tinpy=3"], "examples.tinpy"),
    "demo": (["demo", "--quick", "--set", "model.n_layers=2"], "model.n_layers"),
    "tinypy datahack": (["tinypy", "datahack", "--set", "train.max_minuts=1"], "train.max_minuts"),
}


def snapshot(folder):
    if not folder.exists():
        return None
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("state", ["absent", "holding a file"])
@pytest.mark.parametrize("loop", list(MISTYPED))
def test_a_mistyped_setting_is_one_sentence_and_writes_nothing(tmp_path, loop, state):
    args, key = MISTYPED[loop]
    out = tmp_path / "out"
    if state != "absent":
        out.mkdir()
        (out / "notes.txt").write_text("keep me")
    before = snapshot(out)
    proc = codeling(*args, "--out", out)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert repr(key) in proc.stderr
    assert snapshot(out) == before  # not created when absent, not touched when there


def test_a_bad_value_names_its_key_too(tmp_path):
    proc = codeling("evolve", "--preset", "tiny", "--population", "0", "--out", tmp_path / "out")
    assert proc.returncode == 2 and "'evolve.population'" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_fixer_train_steps_zero_is_refused_not_ignored(tmp_path):
    proc = codeling("fixer", "train", "--preset", "smoke", "--steps", "0", "--out", tmp_path / "out")
    assert proc.returncode == 2 and "'train.max_steps'" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
