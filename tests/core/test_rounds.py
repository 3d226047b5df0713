"""The rounds library (codeling/rounds.py): what a run folder says it holds, old layouts, base reuse."""

import json

import pytest

from codeling import rounds
from codeling.errors import CodelingError


def test_a_new_run_writes_its_settings_first_and_says_which_loop_it_is(tmp_path):
    run = rounds.start(tmp_path / "run", "selflabel", {"seed": 3})
    assert [p.name for p in run.out.iterdir()] == ["rounds.json"]
    assert rounds.find(run.out) == run and rounds.saved(run) == {"seed": 3}
    assert run.round_dir(2) == run.out / "rounds" / "round-002"
    with pytest.raises(CodelingError, match="already holds"):
        rounds.start(run.out, "selflabel", {"seed": 3})
    with pytest.raises(CodelingError, match="no improve run"):
        rounds.reopen(run.out, "improve", "no improve run")


OLD = [("improve", "improve.json", "rounds/round-002"), ("selflabel", "selflabel.json", "round-2")]


@pytest.mark.parametrize("loop, name, round_2", OLD)
def test_the_layout_before_the_library_is_still_read(tmp_path, loop, name, round_2):
    (tmp_path / name).write_text(json.dumps({"seed": 1}))
    run = rounds.find(tmp_path)
    assert (run.loop, run.old, rounds.saved(run)) == (loop, True, {"seed": 1})
    assert run.round_dir(2) == tmp_path / round_2 and run.settings_file == tmp_path / name


def test_a_folder_naming_an_unknown_loop_is_refused_in_one_sentence(tmp_path):
    (tmp_path / "rounds.json").write_text(json.dumps({"loop": "chess", "settings": {}}))
    with pytest.raises(CodelingError, match="chess"):
        rounds.find(tmp_path)
    assert rounds.find(tmp_path / "nothing") is None


def test_one_rule_decides_which_settings_make_the_base_weights():
    a = {"seed": 1, "rounds": 3, "train": {"lr": 1e-3, "device": "cpu", "compile": False, "eval_every": 10}}
    b = {"seed": 1, "rounds": 9, "train": {"lr": 1e-3, "device": "cuda", "compile": True, "eval_every": 50}}
    fields = ("seed", "train")
    # Where it trains never matters; how often it is evaluated matters only where the best is kept.
    assert rounds.base_settings(a, fields, "latest") == rounds.base_settings(b, fields, "latest")
    assert rounds.changed(rounds.base_settings(a, fields, "best"), rounds.base_settings(b, fields, "best")) == ["train"]
    c = {**a, "train": {**a["train"], "lr": 2e-3}}
    assert rounds.base_settings(a, fields, "latest") != rounds.base_settings(c, fields, "latest")
    assert rounds.changed(a, b) == ["rounds", "train"] and rounds.changed(a, b, exclude=["train"]) == ["rounds"]


def test_base_from_is_refused_unless_the_base_settings_agree_and_the_base_is_done(tmp_path):
    source = rounds.start(tmp_path / "source", "selflabel", {"seed": 1, "train": {}})
    check = dict(loop="selflabel", theirs=rounds.saved, base=lambda run: run.round_dir(0), fields=("seed", "train"))
    with pytest.raises(CodelingError, match=r"other settings \(seed\)"):
        rounds.check_base_from(source.out, ours={"seed": 2, "train": {}}, goes_on_from="latest", **check)
    with pytest.raises(CodelingError, match="not finished"):
        rounds.check_base_from(source.out, ours={"seed": 1, "train": {}}, goes_on_from="latest", **check)
    source.round_dir(0).mkdir(parents=True)
    assert rounds.check_base_from(source.out, ours={"seed": 1, "train": {}}, goes_on_from="latest", **check) == source
    with pytest.raises(CodelingError, match="holds no improve run"):
        rounds.check_base_from(source.out, ours={}, goes_on_from="best", **{**check, "loop": "improve"})
