"""Seconds per training step of the TinyPy demo's model and optimizer (tiny preset, Muon, the
demo's batch) in fp32 against bf16 autocast and against torch.compile, measured alternately in one
run on the same random batch. It tells whether a machine's demo budget would buy more tokens with
another precision; on the 2-core CPU of docs/RESULTS.md it would not.

    python benchmarks/demo_step_precision.py

The ratios (fp32 time / other time; above 1 means the other is faster) are printed last.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from _common import alternate, save, timed  # noqa: E402
from codeling.model import GPT  # noqa: E402
from codeling.recipes.tinypy import FULL, demo_config  # noqa: E402
from codeling.tokenizers.tinypy import TinyPyTokenizer  # noqa: E402
from codeling.train.distributed import pick_device  # noqa: E402
from codeling.train.optim import make_optimizer  # noqa: E402
from train_throughput import step_fn  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=5, help="training steps per timed round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    device = pick_device("auto")
    vocab = TinyPyTokenizer().vocab_size
    cfg = demo_config(Path("unused"), FULL)
    cfg.model.vocab_size = vocab
    batch_size, seq = cfg.data.batch_size, cfg.model.block_size
    x = torch.randint(0, vocab, (batch_size, seq + 1), device=device)
    batch = (x[:, :-1].contiguous(), x[:, 1:].contiguous())
    bf16 = torch.autocast(device.type, dtype=torch.bfloat16)
    steps = {}
    for name, autocast, compiled in (
        ("fp32", contextlib.nullcontext(), False),
        ("bf16", bf16, False),
        ("compile", contextlib.nullcontext(), True),
    ):
        torch.manual_seed(0)
        model = GPT(cfg.model).to(device)
        runner = torch.compile(model) if compiled else model
        steps[name] = step_fn(runner, make_optimizer(model, cfg.train, device), batch, autocast, False)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for step in steps.values():  # warm-up: allocator, kernels, compilation
        for _ in range(3):
            step()

    def seconds_per_step(step):
        return lambda: timed(lambda: [step() for _ in range(args.steps)], sync) / args.steps

    results = alternate({name: seconds_per_step(step) for name, step in steps.items()}, args.rounds)
    median = {name: statistics.median(values) for name, values in results.items()}
    ratios = {name: median["fp32"] / median[name] for name in ("bf16", "compile")}
    path = save(
        "demo_step_precision",
        {
            "config": vars(args) | {"device": str(device), "batch": [batch_size, seq]},
            "seconds_per_step": results,
            "median_seconds_per_step": median,
            "ratio": ratios,
        },
    )
    print(f"TinyPy demo model, batch {batch_size} x {seq}, {device}; results in {path}")
    for name, m in median.items():
        print(f"{name:>8}: {m * 1000:.0f} ms a step (median of {args.rounds})")
    print(f"ratio fp32 / bf16: {ratios['bf16']:.2f}x, fp32 / compile: {ratios['compile']:.2f}x")


if __name__ == "__main__":
    main()
