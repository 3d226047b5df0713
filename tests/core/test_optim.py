import json
import os
import signal

import pytest
import torch

from codeling.config import TrainConfig, load_config
from codeling.errors import CodelingError
from codeling.model import GPT
from codeling.train.optim import Chained, make_optimizer
from codeling.train.schedule import learning_rate
from codeling.train.trainer import train

from .conftest import TINY, TINY_MODEL


def small_model() -> GPT:
    return GPT(load_config(preset="tiny", overrides=["model.vocab_size=50", *TINY_MODEL]).model)


def test_muon_takes_the_block_matrices_and_adamw_the_rest():
    model = small_model()
    optimizer = make_optimizer(model, TrainConfig(optimizer="muon"), torch.device("cpu"))
    assert isinstance(optimizer, Chained)
    muon, adamw = optimizer.optimizers
    assert isinstance(muon, torch.optim.Muon) and isinstance(adamw, torch.optim.AdamW)
    names = {id(p): n for n, p in model.named_parameters()}
    in_muon = {names[id(p)] for g in muon.param_groups for p in g["params"]}
    in_adamw = {names[id(p)] for g in adamw.param_groups for p in g["params"]}
    assert in_muon == {n for n, p in model.named_parameters() if p.dim() == 2 and n.startswith("blocks.")}
    assert "wte.weight" in in_adamw and "blocks.0.ln_1.weight" in in_adamw and "blocks.0.attn.c_attn.bias" in in_adamw
    assert not in_muon & in_adamw and len(in_muon | in_adamw) == len(names)
    # The trainer sets the rate on param_groups; it must reach both optimizers.
    for group in optimizer.param_groups:
        group["lr"] = 0.123
    assert muon.param_groups[0]["lr"] == adamw.param_groups[0]["lr"] == 0.123


def test_chained_state_round_trips_and_refuses_another_optimizers_state():
    model = small_model()
    cfg = TrainConfig(optimizer="muon")
    optimizer = make_optimizer(model, cfg, torch.device("cpu"))
    x = torch.randint(0, 50, (2, 16))
    model(x, x)[1].backward()
    optimizer.step()
    state = optimizer.state_dict()
    again = make_optimizer(model, cfg, torch.device("cpu"))
    again.load_state_dict(state)

    def buffer(opt):
        return opt.optimizers[0].state_dict()["state"][0]["momentum_buffer"]

    assert torch.equal(buffer(again), buffer(optimizer))
    for group in again.param_groups:  # a resumed run's learning rate still reaches both optimizers
        group["lr"] = 0.456
    assert [g["lr"] for opt in again.optimizers for g in opt.param_groups] == [0.456] * len(again.param_groups)
    adamw_state = make_optimizer(model, TrainConfig(), torch.device("cpu")).state_dict()
    with pytest.raises(CodelingError, match="another train.optimizer"):
        again.load_state_dict(adamw_state)


def test_training_with_muon_lowers_val_loss_and_resumes(text_data, tmp_path):
    cfg = load_config(
        preset="tiny",
        overrides=[
            f"data.dir={text_data}",
            *TINY,
            "train.optimizer=muon",
            "train.max_steps=60",
            "train.eval_every=30",
            "train.lr=3e-3",
        ],
    )
    train(cfg, tmp_path / "run")
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    first_train = next(r["loss"] for r in rows if r["split"] == "train")
    last_val = [r["loss"] for r in rows if r["split"] == "val"][-1]
    assert last_val < first_train - 0.5  # from ~3.2 nats (uniform over the letters) toward the text's entropy
    cfg.train.max_steps = 70
    result = train(cfg, tmp_path / "run", resume=True)
    assert result.step == 70


def test_a_muon_run_stopped_and_resumed_logs_the_losses_of_one_never_stopped(text_data, tmp_path):
    cfg = load_config(
        preset="tiny", overrides=[f"data.dir={text_data}", *TINY, "train.optimizer=muon", "train.max_steps=12"]
    )

    def interrupt_after_step_5(event):
        if event.kind == "step" and event.step == 5:
            os.kill(os.getpid(), signal.SIGTERM)

    train(cfg, tmp_path / "straight")
    assert train(cfg, tmp_path / "stopped", progress=interrupt_after_step_5).step == 6
    train(cfg, tmp_path / "stopped", resume=True)
    losses = [
        [(r["step"], r["loss"]) for r in map(json.loads, (tmp_path / run / "metrics.jsonl").read_text().splitlines())]
        for run in ("straight", "stopped")
    ]
    assert losses[0] == losses[1]  # the schedule's learning rate reaches both optimizers after the resume


def test_time_schedule_ends_with_the_budget():
    cfg = TrainConfig(lr=1.0, min_lr=0.1, warmup_steps=0, max_steps=1000, schedule="time", max_minutes=1)
    assert learning_rate(10, cfg, time_spent=0.0) > 0.99  # steps barely started, time too
    assert learning_rate(10, cfg, time_spent=0.5) == pytest.approx(0.55)  # time is further along: it rules
    assert learning_rate(10, cfg, time_spent=1.0) == pytest.approx(0.1)
    assert learning_rate(900, cfg, time_spent=0.1) < 0.2  # steps further along: they rule
    steps_only = TrainConfig(lr=1.0, min_lr=0.1, warmup_steps=0, max_steps=1000, max_minutes=1)
    assert learning_rate(10, steps_only, time_spent=1.0) > 0.99


def test_time_schedule_needs_a_budget_and_muon_refuses_fsdp():
    with pytest.raises(CodelingError, match="max_minutes"):
        load_config(preset="tiny", overrides=["train.schedule=time"])
    with pytest.raises(CodelingError, match="FSDP"):
        load_config(preset="tiny", overrides=["train.optimizer=muon", "train.parallel=fsdp"])


def test_time_scheduled_run_decays_to_min_lr_as_its_budget_runs_out(text_data, tmp_path, clock):
    cfg = load_config(
        preset="tiny",
        overrides=[
            f"data.dir={text_data}",
            *TINY,
            "train.schedule=time",
            "train.max_minutes=0.5",
            "train.max_steps=1000000",
            "train.eval_every=100000",
            "train.lr=1e-3",
            "train.min_lr=1e-4",
            "train.warmup_steps=0",
        ],
    )
    result = train(cfg, tmp_path / "run", progress=clock.on_event, clock=clock)  # one second a step
    assert result.stopped == "time budget" and result.step == 32  # 31 s > the 30 s budget
    lrs = [
        json.loads(line)["lr"]
        for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
        if '"train"' in line
    ]
    # Step k (1-based) runs at the share (k - 2) / 30 of the budget agreed at the step before it.
    assert lrs == pytest.approx([learning_rate(k - 1, cfg.train, max(k - 2, 0) / 30) for k in range(1, 33)])
    assert lrs[0] == pytest.approx(1e-3) and lrs[-1] < 1e-4 + 0.01 * (1e-3 - 1e-4)
