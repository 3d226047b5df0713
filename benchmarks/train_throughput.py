"""Training tokens/s of codeling's GPT against Hugging Face transformers' GPT2LMHeadModel at the
same size, batch and sequence length, measured alternately in one run. On CUDA: bf16 autocast,
torch.compile for codeling (--compile), and MFU against the device's peak.

    python benchmarks/train_throughput.py                 # CPU defaults
    python benchmarks/train_throughput.py --preset small --batch 16 --seq 1024 --compile   # GPU

The ratio (codeling / transformers) is printed last.
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
from codeling.bench.training import hf_gpt2 as hf_model  # noqa: E402
from codeling.config import load_config  # noqa: E402
from codeling.model import GPT  # noqa: E402
from codeling.train.distributed import pick_device  # noqa: E402
from codeling.train.metrics import peak_flops  # noqa: E402


def step_fn(model, optimizer, batch, autocast, is_hf: bool):
    x, y = batch

    def step():
        with autocast:
            if is_hf:
                loss = model(input_ids=x, labels=x).loss  # HF shifts labels inside
            else:
                loss = model(x, y)[1]
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--vocab", type=int, default=8192)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seq", type=int, default=256)
    parser.add_argument("--steps", type=int, default=5, help="training steps per timed round")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--compile", action="store_true", help="torch.compile codeling's model")
    args = parser.parse_args()

    device = pick_device("auto")
    cfg = load_config(
        preset=args.preset, overrides=[f"model.vocab_size={args.vocab}", f"model.block_size={args.seq}"]
    ).model
    torch.manual_seed(0)
    ours = GPT(cfg).to(device)
    theirs = hf_model(cfg).to(device)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else contextlib.nullcontext()
    fused = device.type == "cuda"
    x = torch.randint(0, args.vocab, (args.batch, args.seq + 1), device=device)
    batch = (x[:, :-1].contiguous(), x[:, 1:].contiguous())
    runner_ours = torch.compile(ours) if args.compile else ours
    steps = {
        "codeling": step_fn(
            runner_ours, torch.optim.AdamW(ours.parameters(), lr=1e-4, fused=fused), batch, autocast, False
        ),
        "transformers": step_fn(
            theirs, torch.optim.AdamW(theirs.parameters(), lr=1e-4, fused=fused), batch, autocast, True
        ),
    }
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for step in steps.values():  # warm-up: allocator, kernels, compilation
        for _ in range(2):
            step()
    tokens = args.batch * args.seq * args.steps

    def rate(step):
        return lambda: tokens / timed(lambda: [step() for _ in range(args.steps)], sync)

    results = alternate({name: rate(step) for name, step in steps.items()}, args.rounds)
    median = {name: statistics.median(values) for name, values in results.items()}
    ratio = median["codeling"] / median["transformers"]
    payload = {
        "config": vars(args) | {"device": str(device), "params": ours.num_params()},
        "tokens_per_s": results,
        "median_tokens_per_s": median,
        "ratio": ratio,
    }
    peak = peak_flops(device)
    if peak:
        payload["mfu"] = {name: m * ours.flops_per_token(args.seq) / peak for name, m in median.items()}
    path = save("train_throughput", payload, peers=("transformers",))
    print(f"{ours.num_params() / 1e6:.2f}M params, batch {args.batch} x {args.seq}, {device}; results in {path}")
    for name, m in median.items():
        mfu = f", MFU {payload['mfu'][name] * 100:.1f}%" if peak else ""
        print(f"{name:>13}: {m:,.0f} tokens/s (median of {args.rounds}){mfu}")
    print(f"ratio codeling / transformers: {ratio:.2f}x")


if __name__ == "__main__":
    main()
