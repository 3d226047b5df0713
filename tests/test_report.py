"""The report card in docs/RESULTS.md is generated from benchmarks/results/, and README quotes only it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import report  # noqa: E402

# A figure the README states: a percentage (49%, 98.0%) or a ratio (1.51x).
FIGURE = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?:%|x\b)")


def committed_card() -> str:
    page = (ROOT / "docs" / "RESULTS.md").read_text()
    assert report.START in page and report.END in page, "docs/RESULTS.md has lost the card's markers"
    return report.START + page.split(report.START, 1)[1].split(report.END, 1)[0] + report.END


def test_the_committed_card_is_what_the_result_files_give():
    git = ["git", "-C", str(ROOT), "rev-parse", "--is-shallow-repository"]
    shallow = subprocess.run(git, capture_output=True, text=True)
    if shallow.stdout.strip() == "true":
        pytest.skip("a shallow clone does not know the date each rows file was added (the card's date column)")
    assert committed_card() == report.card(), (
        "docs/RESULTS.md's card differs from benchmarks/results/: run `python benchmarks/report.py` "
        "(never edit the card by hand)"
    )


def test_every_figure_in_the_readme_is_on_the_card():
    card = committed_card()
    on_card = set(FIGURE.findall(card))
    quoted = FIGURE.findall((ROOT / "README.md").read_text())
    assert quoted, "the README quotes no figure: the rule below would check nothing"
    missing = sorted({f for f in quoted if f not in on_card})
    assert not missing, f"README quotes figures the card does not have: {missing}"


def test_the_figure_pattern_reads_percentages_and_ratios_not_versions():
    text = "gets 49.4% and 1.51x TRL; torch 2.13.0, model.n_layer=4, 0x1f, 12,345 tokens, 3x faster"
    assert FIGURE.findall(text) == ["49.4%", "1.51x", "3x"]


def test_a_missing_file_makes_its_row_pending_with_the_command_that_writes_it(tmp_path):
    rows = {r.capability: r for r in report.build_rows(tmp_path)}
    assert len(rows) == len(report.CARD)
    demo = rows["TinyPy demo (`codeling demo`)"]
    assert demo.figure == "pending: `python benchmarks/demo_accuracy.py --runs 3`"
    assert demo.files == "demo_accuracy.json" and demo.date == "-"
    assert all(r.figure.startswith("pending") for r in rows.values())


def test_a_file_that_lands_fills_its_row_and_an_unknown_one_is_listed(tmp_path):
    grid = {
        "date": "2026-12-07T08:00:00+00:00",
        "settings": {"tolerance": 0.01},
        "episodes_until_within_tolerance": 1234,
        "runs": [{}, {}],
        "exploration": [{"epsilon": 0.1, "exploration_rate": 0.0987}],
    }
    (tmp_path / "gridworld_qlearning.json").write_text(json.dumps(grid))
    (tmp_path / "helper_new.json").write_text("{}")
    text = report.card(tmp_path)
    row = next(line for line in text.splitlines() if line.startswith("| Drive: gridworld"))
    assert "**1,234** episodes (worst of 2 seeds)" in row and "0.099 at 0.1" in row
    assert "2026-12-07" in row and "gridworld_qlearning.json" in row
    assert "`helper_new.json`" in text


def test_a_file_of_another_shape_is_pending_not_a_crash(tmp_path):
    (tmp_path / "sandbox_throughput.json").write_text(json.dumps({"date": "2026-12-07", "something": 1}))
    with pytest.raises(report.Pending):
        report.load("absent.json", tmp_path)
    row = next(r for r in report.build_rows(tmp_path) if r.capability == "Sandbox")
    assert row.figure.startswith("pending")


def test_splice_replaces_only_the_card():
    page = f"# Results\n\nintro\n\n{report.START}\nold\n{report.END}\n\n## After\n"
    out = report.splice(page, f"{report.START}\nnew\n{report.END}")
    assert out == f"# Results\n\nintro\n\n{report.START}\nnew\n{report.END}\n\n## After\n"
