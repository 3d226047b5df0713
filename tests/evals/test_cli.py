"""The `codeling eval` verbs end to end, with a tiny random model where one is needed."""

import json

import pytest
import torch

from codeling.cli import main
from codeling.config import Config, ModelConfig
from codeling.evals.run import OUTCOMES
from codeling.evals.tasks import read_jsonl
from codeling.model import GPT
from codeling.tokenizers.char import CharTokenizer
from codeling.train.checkpoint import save_checkpoint


def test_tasks_export(tmp_path, capsys):
    out = tmp_path / "train.jsonl"
    main(["eval", "tasks-export", "--split", "train", "--per-kind", "5", "--out", str(out)])
    tasks = read_jsonl(out)
    assert tasks and all(t.family != "dicts" for t in tasks)
    assert "train tasks" in capsys.readouterr().out


def test_humaneval_needs_a_checkpoint_or_canonical(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["eval", "humaneval"])
    assert exit_info.value.code == 2
    assert "--canonical" in capsys.readouterr().err


@pytest.mark.usefixtures("bwrap")
def test_humaneval_canonical_writes_json(tmp_path):
    main(["eval", "humaneval", "--canonical", "--limit", "3", "--json", str(tmp_path / "he.json")])
    summary = json.loads((tmp_path / "he.json").read_text())
    assert summary["overall"]["pass_at_k"] == {"1": 1.0}
    samples = [json.loads(line) for line in (tmp_path / "he.samples.jsonl").read_text().splitlines()]
    assert [s["task_id"] for s in samples] == ["HumanEval/0", "HumanEval/1", "HumanEval/2"]


@pytest.mark.usefixtures("bwrap")
def test_tasks_with_a_tiny_model(tmp_path):
    tokenizer = CharTokenizer([chr(i) for i in range(32, 127)] + ["\n"])
    config = Config(model=ModelConfig(vocab_size=tokenizer.vocab_size, block_size=64, n_layer=1, n_head=2, n_embd=16))
    torch.manual_seed(0)
    ckpt = save_checkpoint(tmp_path / "ckpt", GPT(config.model), config, tokenizer)
    args = [
        "eval",
        "tasks",
        str(ckpt),
        "--split",
        "test",
        "--per-kind",
        "3",
        "--limit",
        "4",
        "--n",
        "2",
        "--max-new-tokens",
        "8",
        "--timeout",
        "5",
        "--json",
        str(tmp_path / "t.json"),
    ]
    main(args)
    summary = json.loads((tmp_path / "t.json").read_text())
    assert summary["overall"]["problems"] == 4 and summary["overall"]["samples"] == 2
    assert summary["overall"]["pass_at_k"] == {"1": 0.0}  # 8 characters of an untrained model solve nothing
    assert set(summary["by_group"]) == {"family", "level"}
    samples = [json.loads(line) for line in (tmp_path / "t.samples.jsonl").read_text().splitlines()]
    assert len(samples) == 8 and all(s["outcome"] in OUTCOMES for s in samples)
    first = (tmp_path / "t.samples.jsonl").read_text()
    main(args)  # same seed, same samples
    again = [json.loads(line) for line in (tmp_path / "t.samples.jsonl").read_text().splitlines()]
    assert [s["completion"] for s in again] == [json.loads(line)["completion"] for line in first.splitlines()]


def test_contamination_cli_warns(tmp_path, capsys):
    from codeling.corpus import CorpusSettings, build_corpus, resolve_sources
    from codeling.evals.humaneval import load_humaneval

    src = tmp_path / "src"
    src.mkdir()
    leak = load_humaneval(limit=1)[0]
    (src / "leak.py").write_text(leak.prompt + leak.canonical_solution)
    build_corpus(
        tmp_path / "corpus",
        resolve_sources([str(src)]),
        CorpusSettings(val_fraction=0.0, near_threshold=None),
        workers=1,
    )
    main(
        [
            "eval",
            "contamination",
            "--corpus",
            str(tmp_path / "corpus"),
            "--no-tasks",
            "--json",
            str(tmp_path / "c.json"),
        ]
    )
    assert "WARNING: 1 of 164 humaneval items" in capsys.readouterr().out.replace("\n", " ")
    report = json.loads((tmp_path / "c.json").read_text())
    assert report["benchmarks"]["humaneval"]["flagged_names"] == ["HumanEval/0"]
