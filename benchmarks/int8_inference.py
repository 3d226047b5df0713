"""int8 dynamic quantisation on CPU: generation speed-up and loss change against the fp32 model.

Speed: greedy generation tokens/s of the fp32 model and of its int8 copy (codeling.quantize),
alternated A B A B in one run, at each batch size, from prompts cut out of the val split.
Loss: mean loss (nats/token) and bits per byte of both on --eval-tokens tokens of the val split (windows
spread evenly over it), and of the variant that keeps the tied output head in float.

    .venv/bin/python benchmarks/int8_inference.py --checkpoint RUN_OR_CKPT --data SHARDS
        [--eval-tokens 131072] [--new-tokens 128] [--prompt-len 64] [--batch-sizes 1 8] [--rounds 3] [--threads 1]

A trained checkpoint and its shards are required: the loss change of a random model says nothing.
Writes benchmarks/results/int8_inference.json; prints the speed-ups and loss change last.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

import numpy as np
import torch

from _common import alternate, save, timed
from codeling.data.shards import Shards
from codeling.evals.bpb import score_tokens
from codeling.generate import Sampling, generate_ids
from codeling.quantize import quantize_int8
from codeling.train.checkpoint import load_checkpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, required=True, help="trained checkpoint or run directory")
    parser.add_argument("--data", type=Path, required=True, help="the shards it was trained on (val split is used)")
    parser.add_argument("--eval-tokens", type=int, default=131072)
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--prompt-len", type=int, default=64)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    loaded = load_checkpoint(args.checkpoint)
    shards = Shards(args.data)
    shards.check_tokenizer(loaded.tokenizer.identity())
    val = shards.split("val").tokens
    fp32 = loaded.model.eval()
    int8 = quantize_int8(fp32)
    int8_float_head = quantize_int8(fp32, lm_head=False)
    block = loaded.config.model.block_size

    losses = {}
    for name, model in (("fp32", fp32), ("int8", int8), ("int8_float_head", int8_float_head)):
        score = score_tokens(model, loaded.tokenizer, val, block, max_tokens=args.eval_tokens)
        losses[name] = {
            "loss": round(score.loss, 5),
            "bits_per_byte": round(score.bits_per_byte, 5),
            "tokens": score.tokens,
            "bytes": score.bytes,
        }
        print(f"{name}: val loss {score.loss:.4f}, {score.bits_per_byte:.4f} bits/byte", flush=True)

    sampling = Sampling(max_new_tokens=args.new_tokens, temperature=0)
    speed = {}
    for batch in args.batch_sizes:
        starts = np.linspace(0, len(val) - args.prompt_len - 1, batch).astype(np.int64)
        prompts = [np.asarray(val[s : s + args.prompt_len], dtype=np.int64).tolist() for s in starts]
        tokens = batch * args.new_tokens

        def rate(model):
            # Exactly new_tokens per row: no stop ids, so an early end-of-text cannot flatter either.
            return lambda: tokens / timed(lambda: generate_ids(model, prompts, sampling))

        rate(fp32)(), rate(int8)()  # warm-up
        runs = alternate({"fp32": rate(fp32), "int8": rate(int8)}, args.rounds)
        median = {name: statistics.median(v) for name, v in runs.items()}
        speed[f"batch_{batch}"] = {
            "tokens_per_s": {name: [round(x, 1) for x in v] for name, v in runs.items()},
            "median_tokens_per_s": {name: round(v, 1) for name, v in median.items()},
            "speedup_int8_vs_fp32": round(median["int8"] / median["fp32"], 3),
        }
        print(f"batch {batch}: fp32 {median['fp32']:.0f} tok/s, int8 {median['int8']:.0f} tok/s", flush=True)

    c = loaded.config.model
    payload = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "model": {
            "checkpoint": str(loaded.path),
            "n_layer": c.n_layer,
            "n_head": c.n_head,
            "n_embd": c.n_embd,
            "vocab_size": c.vocab_size,
            "params": fp32.num_params(),
        },
        "quantisation": (
            "torch.ao.quantization.quantize_dynamic, qint8 per-channel weights, every nn.Linear incl. the tied lm_head"
        ),
        "settings": {
            "eval_tokens": args.eval_tokens,
            "new_tokens": args.new_tokens,
            "prompt_len": args.prompt_len,
            "rounds": args.rounds,
            "threads": args.threads,
            "greedy": True,
        },
        "load_average_1min": round(os.getloadavg()[0], 2),
        "val": losses,
        "loss_change_int8": round(losses["int8"]["loss"] - losses["fp32"]["loss"], 5),
        "loss_change_int8_float_head": round(losses["int8_float_head"]["loss"] - losses["fp32"]["loss"], 5),
        "speed": speed,
    }
    path = save("int8_inference", payload)
    print(f"wrote {path}")
    ups = ", ".join(f"{s['speedup_int8_vs_fp32']:.2f}x at {k.replace('_', ' ')}" for k, s in speed.items())
    print(
        f"int8 vs fp32 generation on CPU: {ups}; val loss {payload['loss_change_int8']:+.4f} nats/token "
        f"({losses['fp32']['bits_per_byte']:.4f} -> {losses['int8']['bits_per_byte']:.4f} bits/byte)"
    )


if __name__ == "__main__":
    main()
