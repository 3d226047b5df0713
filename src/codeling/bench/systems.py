"""The measurements that are not a model race: the population step, the memory plan against the
allocator, a short TinyPy datahack run, and the sandbox's and the sample-then-check path's rates."""

from __future__ import annotations

import contextlib
import math
import tempfile
import time
from pathlib import Path

import torch

from codeling import rundir
from codeling.bench.timing import sync_for, timed
from codeling.bench.training import autocast_for, learnable_batches, model_config
from codeling.model import GPT
from codeling.train.optim import make_optimizer


def population_step(device: torch.device, members: int, batch: int, seq: int, rounds: int, overrides=()) -> dict:
    """Seconds per training step of `members` vectorised tiny models against one model (best of rounds)."""
    from codeling.config import load_config
    from codeling.evolve.population import Population

    config = load_config(preset="tiny", overrides=["model.vocab_size=96", f"model.block_size={seq}", *overrides])
    tcfg = config.train
    x = torch.randint(0, 96, (members, batch, seq)).to(device)
    y = torch.randint(0, 96, (members, batch, seq)).to(device)
    population = Population(config.model, list(range(members)), device)
    lrs = torch.full((members,), tcfg.lr, dtype=torch.float64)
    decays = torch.full((members,), tcfg.weight_decay, dtype=torch.float64)
    clips = torch.full((members,), tcfg.grad_clip)
    one = GPT(config.model).to(device)
    optimizer = make_optimizer(one, tcfg, device)
    autocast = autocast_for(device)

    def vectorised():
        population.forward_backward(x, y, 1.0, autocast)
        population.clip_grads(clips)
        population.adamw_step(lrs, decays, tcfg.beta1, tcfg.beta2)

    def single():
        with autocast:
            loss = one(x[0], y[0])[1]
        loss.backward()
        torch.nn.utils.clip_grad_norm_(one.parameters(), tcfg.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    sync = sync_for(device)
    vectorised(), single()  # warm-up
    times = {"vectorised": [], "single": []}
    for _ in range(rounds):
        times["vectorised"].append(timed(vectorised, sync))
        times["single"].append(timed(single, sync))
    best = {name: min(t) for name, t in times.items()}
    return {
        "members": members,
        "batch": batch,
        "seq": seq,
        "seconds": times,
        "ratio": best["vectorised"] / best["single"],
    }


def memory_vs_plan(preset: str, device: torch.device, batch: int, seq: int, vocab: int = 8192, overrides=()) -> dict:
    """`codeling plan`'s predicted peak (bf16, one GPU, no checkpointing) against the allocator's
    peak over two training steps; on a CPU the plan alone (no allocator statistics there)."""
    from codeling.config import load_config
    from codeling.train.memory import plan

    cfg = model_config(preset, vocab, seq, overrides)
    precision = "bf16" if device.type == "cuda" else "fp32"
    planned = plan(cfg, batch, seq, precision).total
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
    model = GPT(cfg).to(device).train()
    optimizer = make_optimizer(model, load_config(preset=preset).train, device)
    for x, y in learnable_batches(vocab, batch, seq, 2, device):
        with autocast_for(device, precision):
            loss = model(x, y)[1]
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    measured = torch.cuda.max_memory_allocated(device) - base if cuda else None
    del model, optimizer
    if cuda:
        torch.cuda.empty_cache()
    return {
        "preset": preset,
        "batch": batch,
        "seq": seq,
        "precision": precision,
        "planned_bytes": planned,
        "measured_bytes": measured,
        "measured_over_planned": measured / planned if measured else None,
    }


def _fit_minutes_to(target: float, points: list[tuple[float, float]]) -> float | None:
    """Minutes at which accuracy = a + b ln(minutes), fitted by least squares, reaches `target`;
    None without two distinct times or a rising fit. An extrapolation, said as one."""
    points = [(t, a) for t, a in points if t > 0]
    if len({t for t, _ in points}) < 2:
        return None
    xs = [math.log(t) for t, _ in points]
    ys = [a for _, a in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    if b <= 0:
        return None
    return math.exp((target - (my - b * mx)) / b)


def datahack(
    minutes: float,
    programs: int,
    preset: str = "datahack",
    overrides: tuple[str, ...] = (),
    ood_programs: int = 200,
    eval_limit: int = 500,
) -> dict:
    """A short `codeling tinypy datahack` run: its accuracy, and minutes to 99% projected from the
    accuracy of its checkpoints (four, spread over the budget) against training time."""
    from codeling.recipes.tinypy import datahack_plan, run_recipe
    from codeling.rundir import read_jsonl
    from codeling.tinypy.evaluate import evaluate_tinypy

    every = max(minutes / 4, 0.01)
    spread = (f"checkpoint.every_minutes={every}", "checkpoint.keep_last=5", "checkpoint.every_steps=1000000")
    plan = datahack_plan(minutes, programs, preset, ood_programs=ood_programs, overrides=(*spread, *overrides))
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "datahack"
        result = run_recipe(out, plan, seed=0)
        seconds_at = {row["step"]: row["time"] for row in read_jsonl(out / rundir.METRICS) if "time" in row}
        device = result.training["device"]
        points = []
        for ckpt in rundir.step_dirs(out / rundir.CHECKPOINTS):
            step = rundir.step_of(ckpt)
            report = evaluate_tinypy(ckpt, out / rundir.DATA, limit=eval_limit, device=device)
            points.append((seconds_at.get(step, 0.0) / 60, report.overall.accuracy()["output"]))
    return {
        "minutes": minutes,
        "programs": programs,
        "preset": preset,
        "steps": result.training["steps"],
        "tokens": result.training["tokens"],
        "accuracy": result.report.overall.accuracy()["output"],
        "checkpoints_minutes_accuracy": points,
        "projected_minutes_to_99": _fit_minutes_to(0.99, points),
        "seconds_by_phase": result.seconds,
    }


def _problems(n: int):
    """n HumanEval-shaped (prompt, tests) pairs: a function to complete and a check of it."""
    for i in range(n):
        a, b = i % 7 + 1, i % 5
        prompt = f'def f_{i}(xs):\n    """Return {a}*x+{b} for each x."""\n'
        tests = f"assert f_{i}([1, 2]) == [{a + b}, {2 * a + b}]\n"
        yield prompt, tests


def sandbox_and_sampling(device: torch.device, programs: int, samples: int, preset: str, overrides=()) -> dict:
    """Sandbox programs/s (correct completions, one worker per core plus one), and the sample-then-
    check path a self-improvement round takes: a `preset`-shaped model samples completions in one
    batch on the device, the sandbox runs each with its tests; verified samples/s end to end."""
    from codeling.bench.sampling import random_loaded
    from codeling.generate import Sampling, generate_text
    from codeling.sandbox import Limits, SandboxJob, run_batch

    problems = list(_problems(programs))
    jobs = [
        SandboxJob(p + f"    return [{i % 7 + 1} * x + {i % 5} for x in xs]\n" + t) for i, (p, t) in enumerate(problems)
    ]
    limits = Limits()
    with contextlib.suppress(Exception):
        run_batch(jobs[:2], limits=limits)  # warm: the first sandbox start pays for caches
    t0 = time.perf_counter()
    results = run_batch(jobs, limits=limits)
    sandbox_s = time.perf_counter() - t0
    passed = sum(r.ok for r in results)

    loaded = random_loaded(preset, 256, overrides=overrides)
    loaded.tokenizer = _byte_tokenizer()
    model = loaded.model.to(device)
    prompts = [p for p, _ in problems[:samples]]
    sync = sync_for(device)
    generate_text(model, loaded.tokenizer, prompts[:1], Sampling(4, temperature=0.8))  # warm-up
    t0 = time.perf_counter()
    completions = generate_text(model, loaded.tokenizer, prompts, Sampling(64, temperature=0.8, seed=0))
    sync()
    sample_s = time.perf_counter() - t0
    checks = [SandboxJob(p + c + "\n" + t) for (p, t), c in zip(problems, completions)]
    t0 = time.perf_counter()
    run_batch(checks, limits=limits)
    check_s = time.perf_counter() - t0
    return {
        "programs": programs,
        "sandbox_programs_per_s": programs / sandbox_s,
        "sandbox_passed": passed,
        "samples": len(prompts),
        "sampled_per_s": len(prompts) / sample_s,
        "checked_per_s": len(prompts) / check_s,
        "verified_samples_per_s": len(prompts) / (sample_s + check_s),
    }


def _byte_tokenizer():
    from codeling.tokenizers import CharTokenizer

    return CharTokenizer([chr(i) for i in range(256)])
