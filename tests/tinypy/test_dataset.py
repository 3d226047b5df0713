import json

import numpy as np
import pytest

from codeling.cli import main
from codeling.data.shards import Shards
from codeling.errors import CodelingError
from codeling.tinypy.dataset import (
    build_dataset,
    held_out_programs,
    predicted_output,
    prompt_text,
    read_test_jsonl,
    samples_from_file,
    target_text,
)
from codeling.tinypy.generator import generate
from codeling.tinypy.sample import normalise_program
from codeling.tokenizers.tinypy import TinyPyTokenizer


def _examples(split):
    starts = [int(s) for s in split.starts] + [len(split.tokens)]
    for begin, end in zip(starts, starts[1:]):
        yield np.asarray(split.tokens[begin:end]), np.asarray(split.mask[begin:end])


@pytest.mark.parametrize("trace", [False, True])
def test_splits_are_disjoint_and_masks_cover_exactly_the_target(tmp_path, trace):
    result = generate(600, "ALL", seed=1, trace=trace, workers=1)
    report = build_dataset(
        tmp_path / "d",
        result.samples,
        {"source": {"generator": result.settings()}},
        trace=trace,
        seed=3,
        val_frac=0.1,
        test_n=100,
    )
    assert report.counts == {"test": 100, "val": 50, "train": 450}
    shards = Shards(tmp_path / "d")
    tok = shards.tokenizer()
    by_program = {s.program: s for s in result.samples}
    programs = {}
    for name in ("train", "val"):
        split = shards.split(name)
        programs[name] = set()
        for ids, mask in _examples(split):
            assert ids[0] == tok.bos_id and ids[-1] == tok.eos_id
            prompt, target = tok.decode(ids[mask == 0]), tok.decode(ids[mask == 1])
            assert mask[0] == 0 and mask[-1] == 1 and (np.diff(mask) >= 0).all()  # one prompt, then one target
            program = prompt.split("\n# output\n")[0] if not trace else prompt[len("# code\n") : -1]
            sample = by_program[program]
            assert prompt == prompt_text(program, trace)
            assert target == target_text(sample.output, sample.trace if trace else None)
            assert predicted_output(target, trace) == sample.output
            programs[name].add(normalise_program(program))
    test = read_test_jsonl(tmp_path / "d" / "test.jsonl")
    programs["test"] = {normalise_program(s.program) for s in test}
    assert all(s.output == by_program[s.program].output for s in test)
    assert all((s.trace is not None) == trace for s in test)
    assert [len(p) for p in programs.values()] == [450, 50, 100]
    assert not (programs["train"] & programs["val"]) and not (programs["train"] & programs["test"])
    assert not (programs["val"] & programs["test"])
    provenance = shards.manifest["provenance"]
    assert provenance["mode"] == ("trace" if trace else "output")
    assert provenance["counts"] == report.counts and provenance["source"]["generator"]["seed"] == 1


def test_same_inputs_same_bytes(tmp_path):
    samples = generate(300, "ALL", seed=0, workers=1).samples
    for name in ("a", "b"):
        build_dataset(tmp_path / name, samples, {}, seed=0, test_n=50)
    for f in ("train.bin", "train.mask.bin", "val.bin", "test.jsonl", "manifest.json"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()


def test_from_file_dedups_whitespace_variants(tmp_path, public_sample):
    text = public_sample.read_text()
    first = text.split("\n\n")[0]
    doubled = tmp_path / "in.txt"
    doubled.write_text(text + "\n" + first.replace(" = ", " =  ", 1) + "\n")
    read = samples_from_file(doubled, trace=True)
    assert len(read.samples) == 300 and read.duplicates == 1
    assert all(s.trace for s in read.samples)


def test_prompt_helpers():
    assert prompt_text("a = 1\nprint(a)") == "a = 1\nprint(a)\n# output\n"
    assert target_text([]) == "# \n" and target_text(["1", "2.5"]) == "# 1\n# 2.5\n"
    assert predicted_output("# 1\n# 2.5\n") == ["1", "2.5"]
    assert predicted_output("# \n\nb = 2") == []
    assert predicted_output("print(a)") is None
    assert predicted_output("#STEP\nx\n@^$a?1|# 1", trace=True) == ["1"]


def test_out_dir_must_be_empty(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x").write_text("keep me")
    samples = generate(100, "1.1", seed=0, workers=1).samples
    with pytest.raises(CodelingError, match="already holds files"):
        build_dataset(tmp_path / "d", samples, {}, test_n=10)
    assert (tmp_path / "d" / "x").read_text() == "keep me"
    with pytest.raises(CodelingError, match="no training data"):
        build_dataset(tmp_path / "e", samples, {}, test_n=100)


def test_cli_generate_and_data(tmp_path, capsys):
    out = tmp_path / "p.txt"
    main(["tinypy", "generate", "--n", "200", "--level", "2.2", "--seed", "1", "--out", str(out), "--literals", "0-9"])
    text = out.read_text()
    assert text.count("# output") == 200
    main(["tinypy", "data", "--n", "300", "--levels", "1.1,4.1", "--test-n", "30", "--out", str(tmp_path / "d")])
    manifest = json.loads((tmp_path / "d" / "manifest.json").read_text())
    assert manifest["provenance"]["source"]["generator"]["levels"] == ["1.1", "4.1"]
    assert manifest["tokenizer"]["kind"] == TinyPyTokenizer.kind
    main(["tinypy", "data", "--from-file", str(out), "--test-n", "20", "--trace", "--out", str(tmp_path / "f")])
    assert len((tmp_path / "f" / "test.jsonl").read_text().splitlines()) == 20
    with pytest.raises(SystemExit) as info:
        main(["tinypy", "generate", "--n", "5", "--level", "7.7", "--out", str(tmp_path / "x.txt")])
    assert info.value.code == 2 and "Unknown TinyPy level" in capsys.readouterr().err


@pytest.mark.parametrize("trace", [False, True])
def test_exclude_leaves_out_what_another_directory_holds_out(tmp_path, trace):
    # A small program space (level 1.1, literals 0-1, two variables), so that independent sets overlap.
    small = ["--levels", "1.1", "--literals", "0-1", "--variables", "2", *(["--trace"] if trace else [])]
    main(
        [
            "tinypy",
            "data",
            "--n",
            "300",
            "--test-n",
            "40",
            "--val-frac",
            "0.2",
            "--seed",
            "1",
            *small,
            "--out",
            str(tmp_path / "all"),
        ]
    )

    def programs(out, splits=("train", "val", "test")):
        shards, found = Shards(out), set()
        tokenizer = shards.tokenizer()
        for name in splits:
            if name == "test":
                found |= {normalise_program(s.program) for s in read_test_jsonl(out / "test.jsonl")}
                continue
            for ids, mask in _examples(shards.split(name)):
                prompt = tokenizer.decode(ids[mask == 0])
                found.add(normalise_program(prompt.removeprefix("# code\n").split("\n# output\n")[0].rstrip("\n")))
        return found

    held = held_out_programs(tmp_path / "all")
    assert held == programs(tmp_path / "all", ("val", "test")) and len(held) == 40 + 52

    first = ["tinypy", "data", "--n", "2000", "--test-n", "10", "--seed", "2", *small]
    main([*first, "--out", str(tmp_path / "plain")])
    assert programs(tmp_path / "plain") & held  # without --exclude the two sets overlap
    main([*first, "--exclude", str(tmp_path / "all"), "--out", str(tmp_path / "first")])
    kept = programs(tmp_path / "first")
    assert len(kept) == 2000 and not kept & held
    assert Shards(tmp_path / "first").manifest["provenance"]["excluded"]["programs"] == len(held)


def test_exclude_of_a_missing_directory_is_one_clear_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(
            [
                "tinypy",
                "data",
                "--n",
                "50",
                "--test-n",
                "5",
                "--exclude",
                str(tmp_path / "nothing"),
                "--out",
                str(tmp_path / "d"),
            ]
        )
    assert info.value.code == 2 and "no manifest.json" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()
