"""Two processes under torchrun on the CPU (gloo, loopback only) train exactly like one process."""

import json
import math
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from codeling import rundir
from codeling.config import load_config
from codeling.data.batches import BatchSampler
from codeling.data.shards import Shards
from codeling.train import checkpoint as ckpt
from codeling.train.distributed import World, batch_rows
from codeling.train.trainer import train

# The schedule is pinned to 6 steps (decay_steps) so that a run stopped at 3 and resumed to 6 sees
# the same learning rates as one that ran 6 straight.
SETTINGS = [
    "model.n_layer=2",
    "model.n_head=2",
    "model.n_embd=32",
    "model.block_size=32",
    "data.batch_size=4",
    "data.grad_accum=2",
    "train.warmup_steps=2",
    "train.decay_steps=6",
    "train.eval_batches=2",
    "train.eval_every=3",
    "log.tensorboard=false",
    "log.every_steps=1",
    "checkpoint.every_steps=1",
    "checkpoint.keep_last=10",
]
RTOL = 1e-5


def config(data, *extra):
    return load_config(preset="tiny", overrides=[f"data.dir={data}", *SETTINGS, *extra])


def metrics(run_dir: Path, split: str) -> dict[int, float]:
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    steps = [r["step"] for r in rows if r["split"] == split]
    assert len(steps) == len(set(steps)), f"{split} rows written more than once: {steps}"
    return {r["step"]: r["loss"] for r in rows if r["split"] == split}


def assert_close(got: dict, want: dict) -> None:
    assert got.keys() <= want.keys() and got
    for step, loss in got.items():
        assert math.isclose(loss, want[step], rel_tol=RTOL), (step, loss, want[step])


ENV = {**os.environ, "OMP_NUM_THREADS": "1", "GLOO_SOCKET_IFNAME": "lo"}  # gloo on loopback only


def train_command(data, out, *args) -> list[str]:
    sets = [a for s in SETTINGS for a in ("--set", s)]
    return ["-m", "codeling", "train", "--preset", "tiny", "--data", str(data), "--out", str(out), *sets, *args]


def torchrun(data, out, *args) -> subprocess.CompletedProcess:
    """`torchrun --standalone --nproc_per_node=2 -m codeling train ...`: standalone binds its own free
    port on this machine, so no port is picked here that another process could take first."""
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    return subprocess.run(
        [*launcher, *train_command(data, out, *args)], env=ENV, capture_output=True, text=True, timeout=240
    )


@pytest.fixture(scope="module")
def single(code_text_data, tmp_path_factory) -> Path:
    """The reference: one process, 6 steps, global batch 2 micro-steps x 4 rows."""
    run = tmp_path_factory.mktemp("single") / "run"
    train(config(code_text_data, "train.max_steps=6"), run)
    return run


def test_ranks_draw_disjoint_rows_that_make_up_the_global_batch(code_text_data):
    sampler = BatchSampler(Shards(code_text_data).split("train"), 32, seed=5)
    grad_accum, micro_batch = 4, 3
    offsets = sampler.offsets(step=11, count=grad_accum * micro_batch)
    for size in (1, 2, 4):
        local_accum = grad_accum // size
        drawn = [
            np.arange(len(offsets))[batch_rows(World(rank, rank, size), micro, local_accum, micro_batch)]
            for rank in range(size)
            for micro in range(local_accum)
        ]
        rows = np.concatenate(drawn)
        assert sorted(rows.tolist()) == list(range(grad_accum * micro_batch))  # every row once: disjoint and complete
        assert np.array_equal(offsets[rows], offsets)  # in the order a single process uses
    assert not np.array_equal(sampler.offsets(step=12, count=12), offsets)  # and each step draws anew


@pytest.mark.slow  # tens of seconds on two cores (--durations)
def test_ddp_matches_one_process_writes_each_checkpoint_once_and_resumes_on_one(code_text_data, single, tmp_path):
    run = tmp_path / "ddp"
    proc = torchrun(code_text_data, run, "--max-steps", "3")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_close(metrics(run, "train"), metrics(single, "train"))
    assert_close(metrics(run, "val"), metrics(single, "val"))

    # One directory per save, nothing half-written or temporary left beside them.
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == [rundir.step_dir_name(s) for s in (1, 2, 3)]
    assert sorted(p.name for p in run.iterdir()) == ["best", "checkpoints", "config.yaml", "latest", "metrics.jsonl"]
    state = ckpt.load_checkpoint(run, with_state=True).trainer_state
    assert state["step"] == 3 and len(state["rng_ranks"]) == 2

    # A 2-process checkpoint resumed by one process continues the single-process run.
    result = train(config(code_text_data, "train.max_steps=6"), run, resume=True)
    assert result.step == 6
    assert_close(metrics(run, "train"), metrics(single, "train"))
    assert set(metrics(run, "train")) == set(range(1, 7))


@pytest.mark.slow  # tens of seconds on two cores (--durations)
def test_fsdp_with_checkpointing_matches_one_process_and_resumes(code_text_data, single, tmp_path):
    run = tmp_path / "fsdp"
    fsdp = ["--set", "train.parallel=fsdp", "--set", "model.gradient_checkpointing=true"]
    proc = torchrun(code_text_data, run, "--max-steps", "3", *fsdp)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_close(metrics(run, "train"), metrics(single, "train"))

    proc = torchrun(code_text_data, run, "--max-steps", "6", "--resume", *fsdp)  # gathered state back into shards
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_close(metrics(run, "train"), metrics(single, "train"))
    assert_close(metrics(run, "val"), metrics(single, "val"))

    # The gathered checkpoint is the plain single-file format: any verb loads it, and it holds the
    # weights one process would have trained.
    ours, theirs = ckpt.load_checkpoint(run / "latest"), ckpt.load_checkpoint(single / "latest")
    for (name, a), b in zip(ours.model.state_dict().items(), theirs.model.state_dict().values()):
        # FSDP reduces gradients in another order, and Adam's update divides by the gradient's own
        # size, so near-zero gradients can move a weight 1-2e-6 apart; one step moves it ~1e-3.
        assert torch.allclose(a, b, rtol=1e-4, atol=1e-5), (name, (a - b).abs().max().item())


def two_machines(command: list[str]) -> list[tuple[int, str]]:
    """Two torchrun agents (one process each) meeting at a rendezvous on 127.0.0.1; (exit status, stderr) each.

    The rendezvous port must be chosen before either starts, so another program may take it in between:
    then the host agent reports the address in use, and we try again with another port."""
    for _ in range(3):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            endpoint = f"127.0.0.1:{s.getsockname()[1]}"
        agents = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "torch.distributed.run",
                    "--nnodes=2",
                    "--nproc_per_node=1",
                    f"--node_rank={node}",
                    "--rdzv_backend=c10d",
                    f"--rdzv_endpoint={endpoint}",
                    "--rdzv_id=nan",
                    *command,
                ],
                env=ENV,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for node in (0, 1)
        ]
        results = [(agent.communicate(timeout=240)[1], agent.returncode) for agent in agents]
        if not any("address already in use" in err.lower() for err, _ in results):
            return [(code, err) for err, code in results]
    pytest.fail("no free rendezvous port on 127.0.0.1 after three tries")


@pytest.mark.slow  # tens of seconds on two cores (--durations)
def test_nonfinite_loss_stops_every_rank_on_two_machines(code_text_data, tmp_path):
    command = train_command(
        code_text_data,
        tmp_path / "nan",
        "--max-steps",
        "6",
        "--set",
        "train.lr=1e30",
        "--set",
        "train.warmup_steps=0",
        "--set",
        "train.grad_clip=0",
    )
    steps = set()
    for code, stderr in two_machines(command):  # returning at all: no rank was left waiting
        assert code != 0
        assert stderr.count("error: The training loss became nan") == 1, stderr[-3000:]
        steps.add(int(stderr.split("loss became nan at step ")[1].split(",")[0]))
    assert len(steps) == 1  # both machines stopped at the same step


@pytest.mark.slow  # tens of seconds on two cores (--durations)
def test_a_preset_with_one_accumulation_step_runs_under_torchrun(code_text_data, tmp_path):
    """grad_accum=1 cannot be shared by 2 processes, so each takes half of every micro-batch."""
    single = tmp_path / "single"
    train(config(code_text_data, "train.max_steps=2", "data.grad_accum=1", "data.batch_size=8"), single)
    run = tmp_path / "ddp"
    proc = torchrun(code_text_data, run, "--max-steps", "2", "--set", "data.grad_accum=1", "--set", "data.batch_size=8")
    assert proc.returncode == 0, proc.stderr[-3000:]
    said = " ".join((proc.stdout + proc.stderr).split())  # rich wraps long lines
    assert "each takes 4 of every micro-batch's 8 rows; the global batch stays 8" in said
    assert_close(metrics(run, "train"), metrics(single, "train"))
