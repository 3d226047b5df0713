"""Generation speed: codeling's KV-cache decoder against Hugging Face `transformers` `generate` on the
same weights (exported with `codeling export`), greedy, on CPU, at batch 1 and batch 8, alternated
A B A B in one run. Codeling runs with each of --weights (fp32, and bf16 / int8 copies); the peer
runs at fp32 and, where bf16 weights are asked for, at bf16 too. Each variant reports its agreement
with codeling fp32's tokens (codeling.bench.sampling says how).

    .venv/bin/python benchmarks/generate_throughput.py [--checkpoint CKPT] [--preset tiny]
        [--weights fp32 bf16 int8] [--new-tokens 128] [--prompt-len 64] [--batch-sizes 1 8]
        [--rounds 3] [--threads 1] [--compile] [--profile]

Without --checkpoint, a randomly initialised model of --preset's shape with an 8,192-token
vocabulary is used. --profile first prints where one generate call's time goes: matrix products,
attention (SDPA in the prefill; in each step, the one-token path's batched products and softmax)
and the rest. Writes benchmarks/results/generate_throughput.json (generate_throughput_PRESET.json
for a random model of another preset than tiny); prints the ratios last.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch

from _common import save
from codeling.bench.sampling import race, random_loaded
from codeling.config import PRESETS
from codeling.decoder import compile_errors
from codeling.generate import Sampling, generate_ids
from codeling.quantize import WEIGHTS, for_inference
from codeling.train.checkpoint import load_checkpoint

MATMULS = ("aten::addmm", "aten::mm", "quantized::linear_dynamic", "aten::_weight_int8pack_mm")
# The decode step's attention (model.one_token_attention); the prefill's is SDPA, counted by name.
ATTENTION = ("aten::baddbmm", "aten::bmm", "aten::_softmax")


def profile(model, batch: int, prompt_len: int, new_tokens: int) -> dict:
    """Share of one generate call's CPU time in matrix products, attention and everything else."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    prompts = torch.randint(0, model.config.vocab_size, (batch, prompt_len)).tolist()
    sampling = Sampling(max_new_tokens=new_tokens, temperature=0)
    generate_ids(model, prompts, sampling)
    with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
        generate_ids(model, prompts, sampling)
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    matmul = sum(e.self_cpu_time_total for e in events if e.key in MATMULS)
    attention = sum(e.self_cpu_time_total for e in events if e.key in ATTENTION or "scaled_dot_product" in e.key)
    return {
        "batch": batch,
        "ms_per_token_step": round(total / 1000 / new_tokens, 3),
        "matmul_share": round(matmul / total, 3),
        "attention_share": round(attention / total, 3),
        "other_share": round(1 - (matmul + attention) / total, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, help="checkpoint or run directory (default: a random model)")
    parser.add_argument("--preset", default="tiny", choices=sorted(PRESETS))
    parser.add_argument("--vocab-size", type=int, default=8192)
    parser.add_argument("--weights", nargs="+", default=["fp32"], choices=WEIGHTS)
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--prompt-len", type=int, default=64)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads, the same for both")
    parser.add_argument("--compile", action="store_true", help="also time a torch.compile'd decode step")
    parser.add_argument("--profile", action="store_true", help="first profile one call per batch size and weights")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    loaded = (
        load_checkpoint(args.checkpoint) if args.checkpoint else random_loaded(args.preset, args.vocab_size, args.seed)
    )
    weights = tuple(dict.fromkeys(["fp32", *args.weights]))  # fp32 first: the reference for agreement
    peers = ("fp32", "bf16") if "bf16" in weights else ("fp32",)
    device = torch.device("cpu")

    profiles = {}
    if args.profile:
        for w in weights:
            model = for_inference(loaded.model, w)
            profiles[w] = [profile(model, b, args.prompt_len, args.new_tokens) for b in args.batch_sizes]
            for p in profiles[w]:
                print(
                    f"profile {w} batch {p['batch']}: {p['ms_per_token_step']} ms a step, matmul "
                    f"{p['matmul_share']:.0%}, attention {p['attention_share']:.0%}, other {p['other_share']:.0%}",
                    flush=True,
                )

    results = {}
    for batch in args.batch_sizes:
        r = race(
            loaded,
            device,
            batch,
            args.prompt_len,
            args.new_tokens,
            args.rounds,
            weights,
            peers,
            args.compile,
            args.seed,
        )
        results[f"batch_{batch}"] = r
        print(
            f"batch {batch}: " + ", ".join(f"{n} {v:.0f}" for n, v in r["median_tokens_per_s"].items()) + " tok/s",
            flush=True,
        )

    import transformers

    c = loaded.model.config
    payload = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "model": {
            "source": str(args.checkpoint) if args.checkpoint else f"random {args.preset}",
            "n_layer": c.n_layer,
            "n_head": c.n_head,
            "n_embd": c.n_embd,
            "vocab_size": c.vocab_size,
            "params": loaded.model.num_params(),
        },
        "transformers": transformers.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "settings": vars(args) | {"checkpoint": str(args.checkpoint), "greedy": True, "device": "cpu"},
        "load_average_1min": round(os.getloadavg()[0], 2),
        "profile": profiles,
        "compile_errors": dict(compile_errors),
        "results": results,
        "target_ratio": 1.5,
    }
    # A random model of another preset than tiny keeps its own file, beside tiny's.
    own = args.checkpoint is None and args.preset != "tiny"
    name = f"generate_throughput_{args.preset}" if own else "generate_throughput"
    path = save(name, payload, peers=("transformers",))
    print(f"wrote {path}")
    for key, r in results.items():
        agree = r["agreement_with_codeling_fp32"]

        def describe(name: str, ratio: float) -> str:
            if name not in agree:
                return f"{name} {ratio:.2f}x"
            a = agree[name]
            return (
                f"{name} {ratio:.2f}x (rows identical {a['rows_identical']:.0%}, top-1 {a['top1_teacher_forced']:.1%})"
            )

        print(
            f"{key.replace('_', ' ')}: " + ", ".join(describe(n, x) for n, x in r["ratio_vs_transformers_fp32"].items())
        )
    print("codeling vs transformers fp32 greedy generation tokens/s on CPU (target >= 1.5x)")


if __name__ == "__main__":
    main()
