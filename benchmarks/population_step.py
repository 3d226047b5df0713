"""Step time of a vectorised population of P `tiny` GPTs against P models stepped one after another
and against one model, in one run (A B C A B C ...). Target: P=8 costs at most 4x one model on CPU
(2x on a GPU).

A step is what training does: forward, backward, per-member gradient clipping, AdamW. Tokens are
random (a step costs the same whatever the text). Writes benchmarks/results/population_step.json.

    .venv/bin/python benchmarks/population_step.py [--population 8] [--rounds 3] [--batch-size 32]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import time
from pathlib import Path

import torch

from codeling import atomic
from codeling.config import load_config
from codeling.evolve.population import Population
from codeling.model import GPT
from codeling.train.trainer import make_optimizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=2, help="timed steps per measurement")
    parser.add_argument("--batch-size", type=int, default=None, help="default: the tiny preset's 32")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()

    overrides = ["model.vocab_size=96"] + ([f"data.batch_size={args.batch_size}"] if args.batch_size else [])
    config = load_config(preset="tiny", overrides=overrides)
    P, B, T, device = args.population, config.data.batch_size, config.model.block_size, torch.device(args.device)
    tcfg = config.train
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(0, 96, (P, B, T), generator=gen).to(device)
    y = torch.randint(0, 96, (P, B, T), generator=gen).to(device)

    population = Population(config.model, list(range(P)), device)
    lrs, decays = torch.full((P,), tcfg.lr, dtype=torch.float64), torch.full((P,), tcfg.weight_decay, dtype=torch.float64)
    clips = torch.full((P,), tcfg.grad_clip)
    models = [GPT(config.model).to(device) for _ in range(P)]
    optimizers = [make_optimizer(m, tcfg, device) for m in models]

    def vectorised():
        population.forward_backward(x, y, 1.0, contextlib.nullcontext())
        population.clip_grads(clips)
        population.adamw_step(lrs, decays, tcfg.beta1, tcfg.beta2)

    def single_step(i: int):
        _, loss = models[i](x[i], y[i])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(models[i].parameters(), tcfg.grad_clip)
        optimizers[i].step()
        optimizers[i].zero_grad(set_to_none=True)

    def one_after_another():
        for i in range(P):
            single_step(i)

    def single():
        single_step(0)

    def timed(fn) -> float:
        fn()  # warm-up: allocator, first-call dispatch
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(args.steps):
            fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        return (time.perf_counter() - start) / args.steps

    contenders = {"vectorised": vectorised, "sequential": one_after_another, "single": single}
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for r in range(args.rounds):
        for name, fn in contenders.items():
            times[name].append(timed(fn))
        print(f"round {r + 1}: " + ", ".join(f"{n} {t[-1] * 1000:.0f} ms" for n, t in times.items()), flush=True)
    best = {name: min(t) for name, t in times.items()}
    ratio_single = best["vectorised"] / best["single"]
    ratio_sequential = best["vectorised"] / best["sequential"]
    result = {
        "benchmark": "population_step",
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()} {platform.processor() or platform.platform()}, torch threads {torch.get_num_threads()}",
        "device": str(device) if device.type == "cpu" else torch.cuda.get_device_name(device),
        "torch": torch.__version__,
        "population": P,
        "batch_size": B,
        "block_size": T,
        "params_per_member": models[0].num_params(),
        "rounds": args.rounds,
        "steps_per_measurement": args.steps,
        "seconds_per_step": {name: t for name, t in times.items()},
        "best_seconds_per_step": best,
        "vectorised_over_single": ratio_single,
        "vectorised_over_sequential": ratio_sequential,
        "target": "vectorised_over_single <= 4 on CPU, <= 2 on GPU",
        "meets_target": ratio_single <= (4 if device.type == "cpu" else 2),
    }
    atomic.write_text(Path(__file__).parent / "results" / "population_step.json", json.dumps(result, indent=2) + "\n")
    print(f"P={P} vectorised step = {ratio_sequential:.2f}x P models one after another; = {ratio_single:.2f}x one model "
          f"(target <= {4 if device.type == 'cpu' else 2}x)")


if __name__ == "__main__":
    main()
