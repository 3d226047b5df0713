"""Every training loop is built from the same skeleton pieces (train/skeleton.py)."""

import pytest

from codeling.cli import main
from codeling.config import load_config
from codeling.errors import CodelingError
from codeling.train import skeleton
from codeling.train.distributed import World

from .conftest import TINY_MODEL

SHORT = [
    *TINY_MODEL,
    "data.batch_size=4",
    "train.warmup_steps=2",
    "train.eval_batches=2",
    "train.eval_every=2",
    "log.tensorboard=false",
]
PIECES = ("prepare_data", "resume_or_refuse", "precision_context", "split_batch", "open_run_dir")


@pytest.fixture
def calls(monkeypatch) -> dict[str, int]:
    """How often each skeleton piece was called, counted by wrapping it where the loops look it up."""
    counted = dict.fromkeys(PIECES, 0)
    for name in PIECES:
        original = getattr(skeleton, name)

        def wrapper(*args, _name=name, _original=original, **kwargs):
            counted[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(skeleton, name, wrapper)
    return counted


def cli(verb, data, out, *extra):
    sets = [arg for s in SHORT for arg in ("--set", s)]
    main([verb, "--preset", "tiny", *sets, "--data", str(data), "--out", str(out), "--max-steps", "4", *extra])


def test_train_resume_and_evolve_go_through_the_same_pieces(text_data, tmp_path, calls):
    cli("train", text_data, tmp_path / "single", "--max-steps", "2")
    assert calls == dict.fromkeys(PIECES, 1)
    cli("train", text_data, tmp_path / "single", "--resume")
    assert calls == dict.fromkeys(PIECES, 2)
    cli("evolve", text_data, tmp_path / "population", "--population", "2", "--generation-steps", "2")
    assert calls == dict.fromkeys(PIECES, 3)


def test_prepare_data_completes_a_copy_of_the_config(text_data):
    config = load_config(preset="tiny", overrides=[f"data.dir={text_data}"])
    prepared = skeleton.prepare_data(config)
    assert config.model.vocab_size == 0  # the caller's config is never changed
    assert prepared.config.model.vocab_size == prepared.tokenizer.vocab_size > 0
    with pytest.raises(CodelingError, match="No training data given"):
        skeleton.prepare_data(load_config(preset="tiny"))
    with pytest.raises(CodelingError, match="leave model.vocab_size at 0"):
        skeleton.prepare_data(load_config(preset="tiny", overrides=[f"data.dir={text_data}", "model.vocab_size=3"]))


@pytest.mark.parametrize(
    "batch,accum,processes,expected",
    [
        (8, 4, 2, (8, 2, False)),  # accumulation steps shared out: each process does 2 of the 4
        (8, 1, 2, (4, 1, True)),  # one accumulation step: each process takes half of every micro-batch
        (6, 3, 3, (6, 1, False)),
        (9, 2, 3, (3, 2, True)),
    ],
)
def test_split_batch_keeps_the_global_batch(batch, accum, processes, expected):
    config = load_config(preset="tiny", overrides=[f"data.batch_size={batch}", f"data.grad_accum={accum}"])
    world = World(0, 0, processes)
    split = skeleton.split_batch(config, world)
    assert (split.micro_batch, split.local_accum, split.notice is not None) == expected
    assert split.global_batch(world) == batch * accum


def test_split_batch_refuses_what_cannot_be_shared_evenly():
    config = load_config(preset="tiny", overrides=["data.batch_size=5", "data.grad_accum=3"])
    with pytest.raises(CodelingError, match="multiple of 2"):
        skeleton.split_batch(config, World(0, 0, 2))


def test_out_must_be_empty_or_absent_with_one_remedy(tmp_path):
    from codeling import rundir

    rundir.refuse_occupied(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    rundir.refuse_occupied(tmp_path / "empty")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    with pytest.raises(CodelingError, match=r"already holds a run; choose an empty or new --out directory\.$"):
        rundir.refuse_occupied(tmp_path / "full", "a run")
    with pytest.raises(CodelingError, match=r"or pass --overwrite\.$"):
        rundir.refuse_occupied(tmp_path / "full", overwrite=False)
    rundir.refuse_occupied(tmp_path / "full", overwrite=True)
    assert (tmp_path / "full" / "x").exists() and not (tmp_path / "absent").exists()


def test_progress_is_one_type_and_restaged_renames_only_counts():
    from codeling.train.progress import Progress, restaged

    seen = []
    report = restaged(seen.append, "ood-1")
    report(Progress.count("generate", 3, 10, kept=2))
    report(Progress("eval", 4, {"loss": 1.0}))
    assert seen == [Progress.count("ood-1", 3, 10, kept=2), Progress("eval", 4, {"loss": 1.0})]
    assert restaged(None, "x") is None
