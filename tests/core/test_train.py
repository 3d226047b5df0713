import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from codeling import rundir
from codeling.config import load_config
from codeling.data.text import text_to_shards
from codeling.errors import CodelingError
from codeling.train import checkpoint as ckpt
from codeling.train.trainer import train

from .conftest import TINY


def config(data, *extra):
    return load_config(preset="tiny", overrides=[f"data.dir={data}", *TINY, *extra])


def losses(run_dir: Path) -> dict[int, float]:
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return {r["step"]: r["loss"] for r in rows if r["split"] == "train"}


def test_training_lowers_val_loss(text_data, tmp_path):
    result = train(config(text_data, "train.max_steps=150", "train.eval_every=50", "train.lr=3e-3"), tmp_path / "run")
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    val = [r["loss"] for r in rows if r["split"] == "val"]
    assert val[0] > val[-1] + 0.5  # from ~3 nats toward the text's real entropy
    assert result.best_val_loss < math.log(25)
    assert (tmp_path / "run" / "best").is_symlink() and (tmp_path / "run" / "latest").is_symlink()
    loaded = ckpt.load_checkpoint(tmp_path / "run")
    assert loaded.config.train.max_steps == 150


def signal_at(step: int, signum=signal.SIGTERM):
    """An event hook that sends this process `signum` when the given step is done: a deterministic Ctrl+C."""

    def on_event(event):
        if event.kind == "step" and event.step == step:
            os.kill(os.getpid(), signum)

    return on_event


# Stretched positions draw from the same RNG as dropout: a resumed run must draw them again.
@pytest.mark.parametrize(
    "stretch", [[], ["model.positions=rotary", "train.position_stretch=2"]], ids=["plain", "stretched"]
)
def test_sigterm_then_resume_logs_identical_losses(text_data, tmp_path, stretch):
    cfg = config(
        text_data,
        "train.max_steps=40",
        "model.dropout=0.1",
        "train.eval_every=10",
        "checkpoint.every_steps=1000",
        *stretch,
    )
    train(cfg, tmp_path / "straight")
    stopped = train(cfg, tmp_path / "stopped", progress=signal_at(12))
    # The signal lands between steps 12 and 13; step 13 is finished, saved, and the run returns.
    assert stopped.stopped == "interrupted" and stopped.step == 13
    assert ckpt.latest_valid(tmp_path / "stopped")[0].name == rundir.step_dir_name(13)
    assert max(losses(tmp_path / "stopped")) == 13
    train(cfg, tmp_path / "stopped", resume=True)
    assert losses(tmp_path / "stopped") == losses(tmp_path / "straight")  # exactly: same batches, RNG, optimizer state


SAVER = """
import os, shutil, signal, sys, torch
from pathlib import Path
from codeling import atomic
from codeling.config import load_config
from codeling.model import GPT
from codeling.tokenizers import CharTokenizer
from codeling import rundir
from codeling.train import checkpoint as ckpt

point, run = sys.argv[1], Path(sys.argv[2])
cfg = load_config(preset="tiny", overrides=["model.vocab_size=64", "model.n_embd=64", "model.n_layer=2"])
model, tok = GPT(cfg.model), CharTokenizer([chr(i) for i in range(32, 96)])
opt = torch.optim.AdamW(model.parameters())
model(torch.zeros(1, 4, dtype=torch.long), torch.zeros(1, 4, dtype=torch.long))[1].backward(); opt.step()
saving = 0

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def at_third_save(original, before=True, half=False):
    def wrapper(*args, **kwargs):
        if saving == 3 and before:
            die()
        result = original(*args, **kwargs)
        if saving == 3:
            if half:  # a weights file cut off mid-write
                target = Path(args[1])
                target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
            die()
        return result
    return wrapper

if point == "weights":
    ckpt.save_model = at_third_save(ckpt.save_model, before=False, half=True)
elif point == "fsync":
    atomic.fsync_tree = at_third_save(atomic.fsync_tree)
elif point == "rename":
    atomic.os.replace = at_third_save(os.replace, before=False)
elif point == "pointer":
    rundir.point = at_third_save(rundir.point)
elif point == "prune":
    def rmtree_one_file(path, ignore_errors=False):
        next(Path(path).iterdir()).unlink()
        die()
    rundir.shutil.rmtree = rmtree_one_file
for saving in range(1, 5):
    path = ckpt.save_checkpoint(run / "checkpoints" / rundir.step_dir_name(saving), model, cfg, tok, {"step": saving})
    rundir.point(run, "latest", path)
    rundir.prune(run / "checkpoints", 2, run)
"""


# Where SIGKILL lands in the third save, and the newest checkpoint that must then be found valid.
KILL_POINTS = {"weights": 2, "fsync": 2, "rename": 3, "pointer": 3, "prune": 3}


@pytest.mark.parametrize("point", sorted(KILL_POINTS))
def test_sigkill_while_saving_leaves_a_loadable_checkpoint(tmp_path, point):
    run = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-c", SAVER, point, str(run)], capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    found, skipped = ckpt.latest_valid(run)
    assert found.name == rundir.step_dir_name(KILL_POINTS[point]) and not skipped
    assert ckpt.load_checkpoint(found, with_state=True).trainer_state["step"] == KILL_POINTS[point]
    assert ckpt.load_checkpoint(run / "latest").path.exists()


def test_damaged_checkpoint_is_skipped_on_resume(text_data, tmp_path):
    run = tmp_path / "run"
    train(config(text_data, "train.max_steps=6", "checkpoint.every_steps=3", "train.eval_every=100"), run)
    newest = rundir.step_dirs(run / rundir.CHECKPOINTS)[-1]
    weights = newest / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])  # truncated
    events = []
    result = train(
        config(text_data, "train.max_steps=8", "checkpoint.every_steps=3", "train.eval_every=100"),
        run,
        resume=True,
        progress=events.append,
    )
    skipped = [e for e in events if e.kind == "skipped"]
    assert skipped and "sha256" in skipped[0].data["problem"]
    assert [e for e in events if e.kind == "start"][0].step == 3
    assert result.step == 8


def test_nonfinite_loss_stops_and_keeps_last_good_checkpoint(text_data, tmp_path):
    run = tmp_path / "run"
    train(config(text_data, "train.max_steps=4", "checkpoint.every_steps=2", "train.eval_every=100"), run)
    with pytest.raises(CodelingError, match="loss became nan at step (\\d+).*last good checkpoint") as caught:
        train(
            config(
                text_data,
                "train.max_steps=10",
                "train.lr=1e30",
                "train.warmup_steps=0",
                "train.grad_clip=0",
                "checkpoint.every_steps=1",
                "train.eval_every=100",
            ),
            run,
            resume=True,
        )
    failed_at = int(caught.value.args[0].split("at step ")[1].split(",")[0])
    good = ckpt.latest_valid(run)[0]
    assert good.name == rundir.step_dir_name(failed_at - 1) and good.name in str(caught.value)
    state = ckpt.load_checkpoint(good)
    assert all(torch.isfinite(p).all() for p in state.model.parameters())


def test_existing_run_needs_resume(text_data, tmp_path):
    train(config(text_data, "train.max_steps=2", "train.eval_every=100"), tmp_path / "run")
    with pytest.raises(CodelingError, match="--resume"):
        train(config(text_data, "train.max_steps=2"), tmp_path / "run")


@pytest.mark.parametrize(
    "args,needle",
    [
        (["train", "--preset", "tiny", "--data", "/nonexistent", "--out", "x"], "no manifest.json"),
        (["train", "--preset", "tiny", "--set", "train.lrr=1", "--out", "x"], "Unknown config key"),
        (["generate", "/nonexistent/ckpt"], "does not exist"),
        (["data", "text", "/nonexistent.txt", "--out", "x"], "does not exist"),
    ],
)
def test_cli_errors_exit_2_with_one_sentence(args, needle, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "codeling", *args], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_time_budget_stops_with_a_checkpoint_and_a_val_loss(text_data, tmp_path, clock):
    result = train(
        config(text_data, "train.max_steps=100000", "train.max_minutes=0.5", "train.eval_every=100000"),
        tmp_path / "run",
        progress=clock.on_event,
        clock=clock,
    )
    # Step k is checked at clock time k - 1, so the 30 s budget is over at step 32 (31 s > 30 s).
    assert result.stopped == "time budget" and result.step == 32
    assert result.best_val_loss is not None
    assert ckpt.latest_valid(tmp_path / "run")[0].name == rundir.step_dir_name(32)


@pytest.fixture(scope="module")
def curriculum_data(text_data, tmp_path_factory) -> Path:
    """The same characters as text_data (so the same tokenizer), in another order."""
    root = tmp_path_factory.mktemp("curriculum")
    lines = (text_data.parent / "input.txt").read_text().splitlines()
    (root / "input.txt").write_text("\n".join(reversed(lines)) + "\n")
    text_to_shards(root / "input.txt", root / "data")
    return root / "data"


def _final_weights(run_dir: Path) -> dict[str, torch.Tensor]:
    return ckpt.load_checkpoint(run_dir).model.state_dict()


def _same(a: dict, b: dict) -> bool:
    return all(torch.equal(a[k], b[k]) for k in a)


def test_curriculum_steps_draw_from_the_curriculum_data(text_data, curriculum_data, tmp_path):
    steps = ["train.max_steps=12", "train.eval_every=1000"]
    train(
        config(text_data, *steps, f"data.curriculum={curriculum_data}", "data.curriculum_steps=12"),
        tmp_path / "all-first",
    )
    train(config(curriculum_data, *steps), tmp_path / "first-only")
    train(config(text_data, *steps), tmp_path / "main-only")
    train(config(text_data, *steps, f"data.curriculum={curriculum_data}", "data.curriculum_steps=6"), tmp_path / "half")
    all_first, first_only, main_only, half = (
        _final_weights(tmp_path / n) for n in ("all-first", "first-only", "main-only", "half")
    )
    assert _same(all_first, first_only)  # every step inside the curriculum trains on its data alone
    assert not _same(all_first, main_only)
    assert not _same(half, first_only) and not _same(half, main_only)  # then data.dir takes over


def test_curriculum_needs_the_same_tokenizer_and_both_keys(text_data, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "input.txt").write_text("0123456789 ,;:!?\n" * 50)
    text_to_shards(other / "input.txt", other / "data")
    with pytest.raises(CodelingError, match="tokenized differently"):
        train(
            config(text_data, "train.max_steps=2", f"data.curriculum={other / 'data'}", "data.curriculum_steps=1"),
            tmp_path / "run",
        )
    assert not (tmp_path / "run").exists()  # refused before anything is written
    with pytest.raises(CodelingError, match="go together"):
        config(text_data, f"data.curriculum={other / 'data'}")


def test_init_from_starts_a_fresh_run_from_a_checkpoints_weights(text_data, tmp_path):
    first = train(config(text_data, "train.max_steps=30", "train.eval_every=30", "train.lr=3e-3"), tmp_path / "first")
    still = config(
        text_data,
        "train.max_steps=1",
        "train.eval_every=1",
        "train.lr=1e-12",
        "train.min_lr=0",
        f"train.init_from={tmp_path / 'first'}",
    )
    tuned = train(still, tmp_path / "tuned")
    assert tuned.best_val_loss == pytest.approx(first.best_val_loss, rel=1e-5)  # its weights, barely moved
    fresh = train(config(text_data, "train.max_steps=1", "train.eval_every=1"), tmp_path / "fresh")
    assert fresh.best_val_loss > first.best_val_loss + 0.3
    wider = config(text_data, "train.max_steps=1", "model.n_embd=64", f"train.init_from={tmp_path / 'first'}")
    with pytest.raises(CodelingError, match="holds a model of another shape"):
        train(wider, tmp_path / "wider")


def test_stretched_positions_start_at_zero_keep_their_order_and_stay_within_the_stretch():
    from codeling.train.trainer import stretched_positions

    assert stretched_positions(torch.Size([3, 10]), 1.0, "cpu") is None
    positions = stretched_positions(torch.Size([64, 10]), 2.0, "cpu")
    steps = positions.diff(dim=1)
    assert torch.all(positions[:, 0] == 0) and torch.all(steps >= 1) and torch.all(steps <= 2)
    assert torch.allclose(steps, steps[:, :1].expand_as(steps))  # one stretch a row
    assert steps[:, 0].std() > 0.1  # and rows differ
    with pytest.raises(CodelingError, match="rotary"):
        load_config(preset="tiny", overrides=["train.position_stretch=2"])
