"""Shared options: one spelling and one help text in every verb, old spellings still accepted."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from codeling.cli import _mount, app, main, options
from codeling.config import PRESETS


@pytest.fixture(scope="module")
def cli():
    _mount()
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(map(str, args)), env={"COLUMNS": "250"})


@pytest.mark.parametrize("verb", [["train"], ["evolve"], ["plan"], ["tinypy", "datahack"]])
def test_every_preset_option_lists_every_preset(cli, verb):
    result = cli(*verb, "--help")
    assert result.exit_code == 0
    assert all(name in result.output for name in PRESETS)


@pytest.mark.parametrize(
    "verb, new, old",
    [
        (["tinypy", "generate"], "--levels", "--level "),
        (["tinypy", "data"], "--val-fraction", "--val-frac "),
        (["eval", "tasks"], "--batch-size", "--batch-rows"),
        (["sandbox", "run"], "--sandbox", "--mode"),
    ],
)
def test_help_shows_the_one_spelling_not_the_old(cli, verb, new, old):
    result = cli(*verb, "--help")
    assert new in result.output and old not in result.output


def test_old_and_new_spellings_give_the_same_result(tmp_path):
    for name, flag in (("new", "--levels"), ("old", "--level")):
        main(
            [
                "tinypy",
                "generate",
                "--n",
                "40",
                flag,
                "1.1,2.1",
                "--seed",
                "3",
                "--out",
                str(tmp_path / f"{name}.txt"),
                "--workers",
                "1",
            ]
        )
    assert (tmp_path / "new.txt").read_text() == (tmp_path / "old.txt").read_text()
    assert "# output" in (tmp_path / "new.txt").read_text()

    for name, flag in (("new", "--val-fraction"), ("old", "--val-frac")):
        main(
            [
                "tinypy",
                "data",
                "--n",
                "200",
                "--test-n",
                "20",
                flag,
                "0.3",
                "--levels",
                "1.1",
                "--literals",
                "0-9",
                "--workers",
                "1",
                "--out",
                str(tmp_path / name),
            ]
        )
    counts = [json.loads((tmp_path / name / "manifest.json").read_text())["splits"] for name in ("new", "old")]
    assert counts[0] == counts[1]
    assert counts[0]["val"]["examples"] > counts[0]["train"]["examples"] * 0.3  # 0.3 of 180, not the 0.05 default


def test_batch_rows_still_sets_the_batch_size(cli, monkeypatch, tmp_path):
    seen = []

    def fake_run(problems, checkpoint, run, device):
        seen.append((run.batch_size, run.sandbox))
        raise SystemExit(0)

    monkeypatch.setattr("codeling.cli.evals._run", fake_run)
    cli("eval", "tasks", tmp_path, "--batch-rows", "7", "--limit", "1")
    cli("eval", "tasks", tmp_path, "--batch-size", "9", "--limit", "1", "--sandbox", "process")
    cli("eval", "tasks", tmp_path, "--limit", "1")
    assert seen == [(7, "bwrap"), (9, "process"), (32, "bwrap")]


def test_pick_prefers_the_old_spelling_only_when_given():
    assert options.pick(5, None) == 5 and options.pick(5, 7) == 7


@pytest.mark.parametrize("verb", [["generate"], ["serve"], ["eval", "humaneval"], ["eval", "tinypy"]])
def test_every_device_option_has_the_one_default(cli, verb):
    result = cli(*verb, "--help")
    assert "--device" in result.output and "auto (cuda where available, else cpu)" in result.output


def test_a_device_that_does_not_exist_is_one_sentence(cli, tmp_path):
    result = cli("generate", tmp_path, "--device", "nosuch")
    assert result.exit_code == 1 and "Unknown device 'nosuch'" in str(result.exception)
