"""`codeling bench gpu --dry-run`: every GPU step runs at toy sizes on the CPU, through the real
entry point, so the command cannot rot while no GPU is at hand."""

import json

import torch

from .conftest import codeling

STEPS = {"training", "sampling", "precision", "memory", "population", "sandbox", "datahack"}


def test_dry_run_runs_every_step_and_writes_the_rows(tmp_path):
    out = tmp_path / "bench.json"
    result = codeling("bench", "gpu", "--dry-run", "--json", out, timeout=170)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = json.loads(out.read_text())["rows"]
    assert {r["step"] for r in rows} == STEPS
    assert not [r for r in rows if r["measurement"] in ("failed", "skipped")], rows
    # The table went out row by row, each step's figure on the terminal as well as in the JSON.
    for step in STEPS:
        assert step in result.stdout
    sampling = [r["data"] for r in rows if r["step"] == "sampling"]
    assert all(s["agreement_with_codeling_fp32"]["codeling fp32"]["rows_identical"] == 1.0 for s in sampling)


def test_bad_input_is_one_sentence():
    result = codeling("bench", "gpu", "--minutes", "0")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--minutes must be positive" in result.stderr
    if not torch.cuda.is_available():
        result = codeling("bench", "gpu")
        assert result.returncode == 2 and "--dry-run" in result.stderr and "Traceback" not in result.stderr
