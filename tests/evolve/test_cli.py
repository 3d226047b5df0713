"""`codeling evolve` end to end: the run directory, best/ readable by the other verbs, the plot."""

import json

import pytest

from codeling.cli import main
from codeling.evolve.plot import plot_population

from .conftest import SMALL


def evolve(data, out, *extra):
    sets = [arg for s in SMALL for arg in ("--set", s)]
    main(
        [
            "evolve",
            "--preset",
            "tiny",
            *sets,
            "--data",
            str(data),
            "--out",
            str(out),
            "--population",
            "3",
            "--max-steps",
            "6",
            "--generation-steps",
            "3",
            *extra,
        ]
    )


def test_evolve_writes_a_run_that_other_verbs_read(code_data, tmp_path, capsys):
    evolve(code_data, tmp_path / "run", "--mode", "evolve", "--noise-scale", "0.01")
    out = capsys.readouterr().out
    assert "generation 1 (step 3)" in out and "best member" in out
    run = tmp_path / "run"
    lineage = [json.loads(line) for line in (run / "lineage.jsonl").read_text().splitlines()]
    assert {r["action"] for r in lineage if r["generation"] == 1} == {"keep", "clone"}
    main(["info", str(run / "best")])
    assert "best val loss" in capsys.readouterr().out
    main(["generate", str(run / "best"), "--prompt", "def ", "--max-new-tokens", "5", "--temperature", "0"])
    assert capsys.readouterr().out.startswith("def ")
    image = plot_population(run)
    assert image.stat().st_size > 10_000


def test_bad_input_is_one_clear_error(code_data, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        evolve(code_data, tmp_path / "run", "--mode", "sideways")
    assert exit_info.value.code == 2
    assert "Unknown mode 'sideways'" in capsys.readouterr().err
