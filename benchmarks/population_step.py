"""Step time of a vectorised population of P `tiny` GPTs against P models stepped one after another
and against one model, in one run (A B C A B C ...). Target: P=8 costs at most 4x one model on CPU
(2x on a GPU).

A step is what training does: forward, backward, per-member gradient clipping, AdamW. Tokens are
random (a step costs the same whatever the text). Writes benchmarks/results/population_step.json.

At the tiny preset's 32 x 256 tokens per member one model already keeps the CPU's cores busy, so P
members cannot cost much less than P models there; at small per-member batches one model is bound by
per-operation overhead, which batching the members shares out. So it times several shapes.

    .venv/bin/python benchmarks/population_step.py [--population 8] [--rounds 3] [--shapes 32x256,8x64,2x64,2x32]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

import torch

from codeling.config import load_config
from codeling.evolve.population import Population
from codeling.model import GPT
from codeling.train.distributed import pick_device
from codeling.train.trainer import make_optimizer

sys.path.insert(0, str(Path(__file__).parent))
from _common import save  # noqa: E402


def parse_shapes(text: str) -> list[tuple[int, int]]:
    """ "32x256,4x128" -> [(32, 256), (4, 128)]: per-member batch size x sequence length."""
    try:
        shapes = [tuple(int(n) for n in item.lower().split("x")) for item in text.split(",")]
    except ValueError:
        shapes = []
    if not shapes or any(len(s) != 2 or min(s) < 1 for s in shapes):
        raise SystemExit(f"--shapes takes BATCHxLENGTH items separated by commas, e.g. 32x256,4x128 (got {text!r})")
    return shapes


def measure(config, P: int, B: int, T: int, rounds: int, steps: int, device: torch.device) -> dict:
    """One shape: the three contenders alternated for `rounds` rounds, best of each kept."""
    tcfg, vocab = config.train, config.model.vocab_size
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(0, vocab, (P, B, T), generator=gen).to(device)
    y = torch.randint(0, vocab, (P, B, T), generator=gen).to(device)

    population = Population(config.model, list(range(P)), device)
    lrs, decays = (
        torch.full((P,), tcfg.lr, dtype=torch.float64),
        torch.full((P,), tcfg.weight_decay, dtype=torch.float64),
    )
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
        for _ in range(steps):
            fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        return (time.perf_counter() - start) / steps

    contenders = {"vectorised": vectorised, "sequential": one_after_another, "single": single}
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for r in range(rounds):
        for name, fn in contenders.items():
            times[name].append(timed(fn))
        print(
            f"{B}x{T} round {r + 1}: " + ", ".join(f"{n} {t[-1] * 1000:.0f} ms" for n, t in times.items()), flush=True
        )
    best = {name: min(t) for name, t in times.items()}
    ratio_single = best["vectorised"] / best["single"]
    return {
        "batch_size": B,
        "block_size": T,
        "seconds_per_step": times,
        "best_seconds_per_step": best,
        "vectorised_over_single": ratio_single,
        "vectorised_over_sequential": best["vectorised"] / best["sequential"],
        "meets_target": ratio_single <= (4 if device.type == "cpu" else 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=2, help="timed steps per measurement")
    parser.add_argument(
        "--shapes",
        default="32x256,8x64,2x64,2x32",
        help="per-member batches to time, BATCHxLENGTH separated by commas (default: the tiny "
        "preset's 32x256, then smaller ones)",
    )
    parser.add_argument("--device", default="auto", help="auto (cuda where available), cpu, cuda, ...")
    args = parser.parse_args()

    config = load_config(preset="tiny", overrides=["model.vocab_size=96"])
    shapes = parse_shapes(args.shapes)
    if max(T for _, T in shapes) > config.model.block_size:
        raise SystemExit(f"sequence lengths must be at most the tiny preset's block_size {config.model.block_size}")
    device, P = pick_device(args.device), args.population
    load_before = os.getloadavg()
    results = [measure(config, P, B, T, args.rounds, args.steps, device) for B, T in shapes]
    load_after = os.getloadavg()
    target = 4 if device.type == "cpu" else 2
    result = {
        "device": str(device) if device.type == "cpu" else torch.cuda.get_device_name(device),
        "load_average_1_5_15min": {"before": load_before, "after": load_after},
        "population": P,
        "params_per_member": GPT(config.model).num_params(),
        "rounds": args.rounds,
        "steps_per_measurement": args.steps,
        "target": f"vectorised_over_single <= {target} ({device.type})",
        # Building a CPU Population sets glibc to keep freed memory (population.keep_freed_memory); it
        # is process-wide, so the one-after-another and single contenders run with it too.
        "allocator": "glibc, freed memory kept (mmap off, no trim)" if device.type == "cpu" else "torch CUDA caching",
        "shapes": results,
    }
    save("population_step", result)
    print(f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    for r in results:
        print(
            f"P={P} at {r['batch_size']}x{r['block_size']} per member: vectorised step = "
            f"{r['vectorised_over_sequential']:.2f}x P models one after another; "
            f"= {r['vectorised_over_single']:.2f}x one "
            f"model (target <= {target}x: {'met' if r['meets_target'] else 'missed'})"
        )


if __name__ == "__main__":
    main()
