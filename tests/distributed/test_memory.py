"""The memory plan against what a real model holds, measured on the CPU."""

import contextlib
import subprocess
import sys

import pytest
import torch

from codeling.config import load_config
from codeling.model import GPT
from codeling.train.memory import GIB, activation_bytes, count_parameters, plan, plan_all, transient_bytes
from codeling.train.optim import make_optimizer

SMALL = ["model.vocab_size=500", "model.block_size=100", "model.n_layer=3", "model.n_embd=64", "model.n_head=4"]


def model_config(*extra):
    return load_config(preset="tiny", overrides=[*SMALL, *extra]).model


@pytest.mark.parametrize(
    "extra", [[], ["model.bias=false"], ["model.positions=rotary"], ["model.n_memory=4"], ["model.mlp_ratio=2"]]
)
def test_parameter_and_optimizer_bytes_equal_a_real_models(extra):
    cfg = load_config(preset="tiny", overrides=[*SMALL, *extra])
    model = GPT(cfg.model)
    counts = count_parameters(cfg.model)
    assert counts.total == model.num_params()
    assert counts.matrices == sum(
        m.weight.numel() + (m.bias.numel() if m.bias is not None else 0)
        for m in model.modules()
        if isinstance(m, torch.nn.Linear)
    )
    optimizer = make_optimizer(model, cfg.train, torch.device("cpu"))
    x = torch.randint(0, 500, (2, 16))
    model(x, x)[1].backward()
    optimizer.step()
    moments = sum(s[k].nbytes for s in optimizer.state.values() for k in ("exp_avg", "exp_avg_sq"))
    weights = sum(p.nbytes for p in model.parameters())
    grads = sum(p.grad.nbytes for p in model.parameters())
    one_gpu = plan(cfg.model, 1, 16, precision="fp32")
    assert (one_gpu.parameters, one_gpu.gradients, one_gpu.optimizer) == (weights, grads, moments)
    four = plan(cfg.model, 1, 16, precision="fp32", strategy="fsdp", gpus=4)
    assert four.parameters + four.gradients + four.optimizer == pytest.approx((weights + grads + moments) / 4, abs=4)


def saved_for_backward(model: GPT, x: torch.Tensor, bf16: bool) -> tuple[int, int]:
    """Bytes autograd keeps for the backward pass: activations, and 16-bit copies of weights."""
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    shapes = {tuple(p.shape) for p in model.parameters()} | {tuple(p.shape)[::-1] for p in model.parameters()}
    activations, copies = {}, {}

    def pack(t):
        storage = t.untyped_storage()
        if storage.data_ptr() not in params:
            is_copy = t.dtype == torch.bfloat16 and tuple(t.shape) in shapes
            (copies if is_copy else activations)[storage.data_ptr()] = storage.nbytes()
        return t

    autocast = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), autocast:
        model(x, x)
    return sum(activations.values()), sum(copies.values())


@pytest.mark.parametrize("bf16", [False, True])
def test_activation_formula_matches_what_autograd_saves(bf16):
    cfg = model_config()
    b, s, e = 3, 100, 2 if bf16 else 4  # 300 tokens: no activation has a parameter's shape
    activations, copies = saved_for_backward(GPT(cfg).train(), torch.randint(0, 500, (b, s)), bf16)
    log_softmax = 4 * b * s * cfg.vocab_size  # the loss head's saved part
    assert activations == pytest.approx(activation_bytes(cfg, b, s, e) + log_softmax, rel=0.01)
    if bf16:
        assert copies == pytest.approx(2 * count_parameters(cfg).matrices, rel=0.01)


@pytest.mark.parametrize("checkpointing", [False, True])
def test_peak_of_a_training_step_is_near_the_plan(checkpointing):
    try:
        from torch.profiler._memory_profiler import MemoryProfileTimeline
    except ImportError:
        pytest.skip("this torch has no profiler memory timeline to measure CPU peak memory with")
    cfg = model_config(f"model.gradient_checkpointing={checkpointing}")
    model = GPT(cfg).train()
    x = torch.randint(0, 500, (3, 100))

    def step():
        _, loss = model(x, x)  # as the trainer does: the logits stay alive through the backward
        loss.backward()

    step()
    model.zero_grad(set_to_none=True)  # the measured step allocates its gradients, as the plan counts them
    activities = [torch.profiler.ProfilerActivity.CPU]
    with torch.profiler.profile(
        activities=activities, profile_memory=True, record_shapes=True, with_stack=True
    ) as prof:
        step()
    _, sizes = MemoryProfileTimeline(prof._memory_profile())._coalesce_timeline(torch.device("cpu"))
    measured = max(sum(at) for at in sizes)
    planned = activation_bytes(cfg, 3, 100, 4, checkpointing) + transient_bytes(cfg, 3, 100, 4, checkpointing)
    planned += 4 * model.num_params()  # the gradients
    assert measured == pytest.approx(planned, rel=0.02)


def test_plan_orders_strategies_and_finds_the_largest_micro_batch():
    medium = load_config(preset="medium", overrides=["model.vocab_size=8192"]).model
    ddp, ddp_ckpt, fsdp, fsdp_ckpt = plan_all(medium, 8, 1024, gpus=4, gpu_bytes=16 * GIB)
    assert ddp_ckpt.activations < ddp.activations / 5  # checkpointing keeps one tensor a layer
    assert fsdp.static < ddp.static / 2  # sharding four ways
    assert fsdp_ckpt.max_micro_batch > ddp.max_micro_batch
    best = fsdp_ckpt.max_micro_batch
    fits = plan(medium, best, 1024, strategy="fsdp", gpus=4, checkpointing=True)
    too_big = plan(medium, best + 1, 1024, strategy="fsdp", gpus=4, checkpointing=True)
    room = (16 * GIB - GIB) / 1.1
    assert fits.total <= room < too_big.total


def test_plan_cli_prints_both_strategies_and_the_presets():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "codeling",
            "plan",
            "--preset",
            "medium",
            "--batch",
            "8",
            "--seq",
            "1024",
            "--gpu-gb",
            "16",
            "--gpus",
            "2",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    for needle in ("DDP+ckpt", "FSDP+ckpt", "activ.", "largest micro-batch"):
        assert needle in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "codeling", "plan"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert all(name in proc.stdout for name in ("tiny", "small", "medium"))
    proc = subprocess.run(
        [sys.executable, "-m", "codeling", "plan", "--preset", "huge"], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "Unknown preset" in proc.stderr
