import json
import subprocess
import sys

import pytest

from codeling.cli import main
from codeling.data.shards import Shards
from codeling.errors import CodelingError
from codeling.recipes.selflabel import settings as selflabel_settings
from codeling.recipes.selflabel.loop import run_selflabel
from codeling.recipes.selflabel.mix import round_mix
from codeling.recipes.selflabel.programs import ProgramSets
from codeling.recipes.selflabel.vote import label, vote, well_formed
from codeling.tinypy.builder import Knobs
from codeling.tinypy.reader import read_file

# -- the vote filter -------------------------------------------------------------------------


def test_well_formed_takes_only_a_finished_clean_output_block():
    assert well_formed("# 3\n# 5\n", finished=True) == ("3", "5")
    assert well_formed("# -0.5\n# True\n", finished=True) == ("-0.5", "True")
    assert well_formed("# 3\n# 5\n", finished=False) is None  # cut at the token budget
    assert well_formed("# 3\n# x\n", finished=True) is None  # not a value print writes
    assert well_formed("# 3\nprint(a)\n", finished=True) is None  # text after the output block
    assert well_formed("a = 3\n", finished=True) is None  # no output block at all
    assert well_formed("# 3", finished=True) is None  # not how the model was taught to end


def test_a_disagreeing_label_is_dropped_and_an_agreeing_one_kept():
    assert vote([("1",), ("2",), ("3",)], min_share=0.6).label is None
    disagreeing = [("1",), ("1",), ("2",), ("3",), ("4",)]  # the top answer holds 2 of 5
    assert vote(disagreeing, min_share=0.6).label is None and vote(disagreeing, 0.6).reason == "below share"
    kept = vote([("4", "6"), ("4", "6"), ("4", "6"), ("4", "7")], min_share=0.6)
    assert kept.label == ("4", "6") and kept.reason == "kept" and kept.share == 0.75
    # A tie has no majority, whatever the minimum share.
    assert vote([("1",), ("1",), ("2",), ("2",)], min_share=0.5).reason == "tie"


def test_malformed_samples_are_votes_against_and_the_minimum_share_is_respected():
    answers = [("7",), ("7",), ("7",), None, None]  # 3 of 5 agree; 2 were malformed
    assert vote(answers, min_share=0.6).label == ("7",)
    assert vote(answers, min_share=0.61).label is None
    assert vote([None, None, None], min_share=0.1).reason == "malformed"


def test_verified_drops_a_wrong_unanimous_label_that_vote_keeps():
    unanimous = [("5",), ("5",), ("5",)]
    assert label("vote", unanimous, ["6"], 0.6).label == ("5",)  # vote never reads the truth
    assert label("verified", unanimous, ["6"], 0.6).reason == "wrong"
    assert label("verified", unanimous, ["5"], 0.6).label == ("5",)
    assert label("oracle", [None, None, None], ["6"], 0.6).label == ("6",)  # the interpreter, always


def test_the_length_filter_drops_answers_that_stop_before_the_rounds_length():
    answers = [("1", "2", "3"), ("1", "2", "3"), ("1", "2", "3", "4"), ("1", "2", "3", "4")]
    assert label("vote", answers, [], 0.5).reason == "tie"
    assert label("vote", answers, [], 0.5, least_lines=4).label == ("1", "2", "3", "4")
    assert label("vote", answers[:2], [], 0.5, least_lines=4).reason == "too short"
    assert label("oracle", answers[:2], ["9"] * 4, 0.5, least_lines=4).label == ("9",) * 4
    with pytest.raises(CodelingError, match="length_filter"):
        selflabel_settings.load("quick", ["length_filter=true", "levels=1.1"])


def test_vote_never_reads_the_interpreter():
    answers = [("1", "2"), ("1", "2"), ("9",)]
    assert label("vote", answers, ["1", "2"], 0.6) == label("vote", answers, ["anything"], 0.6)


# -- the program sets and the mix -----------------------------------------------------------


def test_held_out_programs_are_never_drawn_again_and_sit_at_their_length():
    sets = ProgramSets("3.1,4.1", Knobs(literals=(0, 9), initialisations=(1, 1)), "loop_iterations", seed=0)
    base = sets.base(200, 1, 3)
    heldout = sets.heldout(range(1, 6), 30)
    rounds = [sets.round(r, 100, 3 + r) for r in (1, 2)]
    held = {s.program for samples in heldout.values() for s in samples}
    assert len(held) == 150
    assert held.isdisjoint(s.program for s in base)
    assert all(held.isdisjoint(s.program for s in samples) for samples in rounds)
    assert all(len(s.output) == 4 for s in heldout[4])  # one printed line per iteration
    # The base depends on its own settings only: drawing fewer held-out lengths leaves it as it is.
    again = ProgramSets("3.1,4.1", Knobs(literals=(0, 9), initialisations=(1, 1)), "loop_iterations", seed=0)
    assert [s.program for s in again.base(200, 1, 3)] == [s.program for s in base]


def test_a_round_mixes_half_original_half_self_labelled_and_repeats_few_labels():
    sets = ProgramSets("3.1", Knobs(literals=(0, 9)), "loop_iterations", seed=1)
    original, kept = sets.base(100, 1, 3), sets.round(1, 5, 4)
    mixed = round_mix(original, kept, 40, seed=0)
    assert len(mixed) == 40 and sum(s in kept for s in mixed) == 20
    assert round_mix(original, [], 40, seed=0) == round_mix(original, [], 40, seed=0)
    assert not any(s in kept for s in round_mix(original, [], 40, seed=0))


def test_settings_are_validated_before_anything_runs():
    assert selflabel_settings.load("quick").rounds == 1
    with pytest.raises(CodelingError, match="min_share"):
        selflabel_settings.load("quick", ["min_share=0"])
    with pytest.raises(CodelingError, match="lengths"):
        selflabel_settings.load("quick", ["lengths=[3,1]"])
    with pytest.raises(CodelingError, match="preset"):
        selflabel_settings.load("huge")


# -- the command, end to end ----------------------------------------------------------------


def codeling(*args):
    return subprocess.run([sys.executable, "-m", "codeling", *args], capture_output=True, text=True, timeout=300)


def trained_programs(data_dir) -> set[str]:
    """The programs a round's train split holds, decoded from its shards."""
    shards = Shards(data_dir)
    split, tok = shards.split("train"), shards.tokenizer()
    ends = [*split.starts[1:], len(split.tokens)]
    texts = (tok.decode(split.tokens[int(a) : int(b)].tolist()) for a, b in zip(split.starts, ends))
    return {text.partition("\n# output\n")[0] for text in texts}


def test_one_round_end_to_end_through_the_command(tmp_path):
    out = tmp_path / "run"
    proc = codeling("tinypy", "selflabel", "--out", str(out), "--preset", "quick", "--labels", "verified")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "round 0 (base)" in proc.stdout and "round 1 (verified, length 4)" in proc.stdout
    rows = [json.loads(line) for line in (out / "rounds.jsonl").read_text().splitlines()]
    assert [r["round"] for r in rows] == [0, 1] and rows[1]["length"] == 4
    assert list(rows[0]["accuracy"]) == ["1", "2", "3", "4", "5"]  # training lengths 1-3, 1 round, 1 beyond
    labelled = rows[1]["labelled"]
    assert labelled["programs"] == 24 and labelled["kept"] == labelled["kept_right"]  # verified: all right
    report = json.loads((out / "report.json").read_text())
    assert report["headline"]["length"] == 4 and len(report["rounds"]) == 2
    assert (out / "rounds.png").stat().st_size > 0
    # No held-out program was trained on, in the base or in the round.
    held = {s.program for f in (out / "heldout").iterdir() for s in read_file(f).samples}
    assert len(held) == 5 * 8
    assert held.isdisjoint(trained_programs(out / "rounds" / "round-000" / "data"))
    assert held.isdisjoint(trained_programs(out / "rounds" / "round-001" / "data"))


def run_main(*args) -> int:
    """`codeling ARGS` in this process, as the entry point runs it: its exit status."""
    try:
        main(list(args))
    except SystemExit as e:
        return e.code
    return 0


def test_a_bad_setting_exits_2_with_one_sentence_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "run"
    assert run_main("tinypy", "selflabel", "--out", str(out), "--preset", "quick", "--set", "samples=0") == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "samples" in err and "Traceback" not in err
    assert run_main("tinypy", "selflabel", "--out", str(out), "--labels", "guess") == 2
    assert "labels" in capsys.readouterr().err and not out.exists()
    # An occupied --out is refused, and what it holds is left as it was.
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert run_main("tinypy", "selflabel", "--out", str(out), "--preset", "quick") == 2
    assert "already holds" in capsys.readouterr().err and [p.name for p in out.iterdir()] == ["notes.txt"]


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path):
    settings = selflabel_settings.load("quick", ["rounds=2"])
    whole = run_selflabel(tmp_path / "whole", settings)
    cut = tmp_path / "cut"
    run_selflabel(cut, settings)
    # As if it stopped during round 2: its row never written, its directory half made.
    rows = (cut / "rounds.jsonl").read_text().splitlines()
    (cut / "rounds.jsonl").write_text("\n".join(rows[:2]) + "\n")
    (cut / "report.json").unlink()
    resumed = run_selflabel(cut, settings, resume=True)
    strip = lambda rows: [{k: v for k, v in r.items() if k not in ("seconds", "checkpoint")} for r in rows]  # noqa: E731
    assert strip(resumed["rounds"]) == strip(whole["rounds"])
    with pytest.raises(CodelingError, match="rounds"):
        run_selflabel(cut, selflabel_settings.load("quick", ["rounds=3"]), resume=True)


def test_a_run_in_the_layout_before_the_rounds_library_resumes_in_it(tmp_path):
    """selflabel.json (the settings alone) and round-N/ beside it: such a run, stopped during round 2,
    resumes where it stopped, in its own layout, and ends where a run never stopped ends."""
    import shutil

    settings = selflabel_settings.load("quick", ["rounds=2"])
    whole = run_selflabel(tmp_path / "whole", settings)
    old = tmp_path / "old"
    shutil.copytree(tmp_path / "whole", old, symlinks=True)
    (old / "selflabel.json").write_text(json.dumps(settings.model_dump(mode="json"), indent=2) + "\n")
    (old / "rounds.json").unlink()
    for r in range(3):
        (old / "rounds" / f"round-{r:03d}").rename(old / f"round-{r}")
    (old / "rounds").rmdir()
    rows = (old / "rounds.jsonl").read_text().replace(str(tmp_path / "whole"), str(old))
    for r in range(3):
        rows = rows.replace(f"/rounds/round-{r:03d}/", f"/round-{r}/")
    (old / "rounds.jsonl").write_text("\n".join(rows.splitlines()[:2]) + "\n")  # stopped during round 2
    (old / "report.json").unlink()
    resumed = run_selflabel(old, settings, resume=True)
    strip = lambda rows: [{k: v for k, v in r.items() if k not in ("seconds", "checkpoint")} for r in rows]  # noqa: E731
    assert strip(resumed["rounds"]) == strip(whole["rounds"])
    assert (old / "round-2" / "labels.txt").is_file() and not (old / "rounds").exists()
    assert not (old / "rounds.json").exists() and resumed["rounds"][2]["checkpoint"].startswith(str(old / "round-2"))
    with pytest.raises(CodelingError, match="rounds"):
        run_selflabel(old, selflabel_settings.load("quick", ["rounds=3"]), resume=True)
