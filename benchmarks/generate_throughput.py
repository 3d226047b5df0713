"""Generation speed: codeling's KV-cache decoder against Hugging Face `transformers` `generate` on the
same weights (exported with `codeling export`), greedy, on CPU, at batch 1 and batch 8, alternated
A B A B in one run. Both decode exactly --new-tokens tokens per row (no end-of-text stop) from the
same random prompts; the fraction of rows where both chose the same tokens is reported as a check
that they ran the same model.

    .venv/bin/python benchmarks/generate_throughput.py [--checkpoint CKPT] [--preset tiny]
        [--new-tokens 128] [--prompt-len 64] [--batch-sizes 1 8] [--rounds 3] [--threads 1]

Without --checkpoint, a randomly initialised model of --preset's shape with an 8,192-token
vocabulary is used: decode speed depends on the shapes, not on what the weights learned. Writes
benchmarks/results/generate_throughput.json; prints the ratios last (target >= 1.5x).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch

from _common import alternate, save, timed
from codeling.config import PRESETS, Config, ModelConfig
from codeling.export import export_hf
from codeling.generate import Sampling, generate_ids
from codeling.model import GPT
from codeling.tokenizers import CharTokenizer
from codeling.train.checkpoint import Loaded, load_checkpoint


def random_model(preset: str, vocab_size: int, seed: int) -> Loaded:
    torch.manual_seed(seed)
    config = Config(preset=preset, model=ModelConfig(**{**PRESETS[preset]["model"], "vocab_size": vocab_size}))
    # Any vocabulary of the right size serves: prompts are token ids, never text.
    tokenizer = CharTokenizer([chr(0x100 + i) for i in range(vocab_size)])
    return Loaded(Path("random"), GPT(config.model).eval(), config, tokenizer, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, help="checkpoint or run directory (default: a random model)")
    parser.add_argument("--preset", default="tiny", choices=sorted(PRESETS))
    parser.add_argument("--vocab-size", type=int, default=8192)
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--prompt-len", type=int, default=64)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads, the same for both")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from transformers import AutoModelForCausalLM

    torch.set_num_threads(args.threads)
    loaded = (
        load_checkpoint(args.checkpoint) if args.checkpoint else random_model(args.preset, args.vocab_size, args.seed)
    )
    ours = loaded.model.eval()
    with tempfile.TemporaryDirectory() as scratch:
        hf_dir = export_hf(loaded, Path(scratch) / "hf")
        theirs = AutoModelForCausalLM.from_pretrained(hf_dir).eval()
    theirs.generation_config.eos_token_id = None  # decode every row to the full length, as ours does
    theirs.generation_config.pad_token_id = 0
    vocab = ours.config.vocab_size
    sampling = Sampling(max_new_tokens=args.new_tokens, temperature=0)

    results = {}
    for batch in args.batch_sizes:
        g = torch.Generator().manual_seed(args.seed + batch)
        prompts = torch.randint(0, vocab, (batch, args.prompt_len), generator=g)
        mask = torch.ones_like(prompts)

        def run_ours():
            return generate_ids(ours, prompts.tolist(), sampling)

        @torch.no_grad()
        def run_theirs():
            out = theirs.generate(prompts, attention_mask=mask, max_new_tokens=args.new_tokens, do_sample=False)
            return out[:, args.prompt_len :].tolist()

        # Warm-up, and the check that both decode the same tokens.
        a, b = run_ours(), run_theirs()
        assert all(len(row) == args.new_tokens for row in a + b), "a contender stopped early"
        same_rows = sum(x == y for x, y in zip(a, b)) / batch
        tokens = batch * args.new_tokens
        speeds = alternate(
            {"codeling": lambda: tokens / timed(run_ours), "transformers": lambda: tokens / timed(run_theirs)},
            args.rounds,
        )
        median = {name: statistics.median(v) for name, v in speeds.items()}
        results[f"batch_{batch}"] = {
            "tokens_per_s": {name: [round(x, 1) for x in v] for name, v in speeds.items()},
            "median_tokens_per_s": {name: round(v, 1) for name, v in median.items()},
            "ratio_codeling_vs_transformers": round(median["codeling"] / median["transformers"], 3),
            "rows_with_identical_tokens": same_rows,
        }
        print(
            f"batch {batch}: codeling {median['codeling']:.0f} tok/s, transformers {median['transformers']:.0f} tok/s",
            flush=True,
        )

    import transformers

    c = ours.config
    payload = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "model": {
            "source": str(args.checkpoint) if args.checkpoint else f"random {args.preset}",
            "n_layer": c.n_layer,
            "n_head": c.n_head,
            "n_embd": c.n_embd,
            "vocab_size": c.vocab_size,
            "params": ours.num_params(),
        },
        "transformers": transformers.__version__,
        "settings": {
            "new_tokens": args.new_tokens,
            "prompt_len": args.prompt_len,
            "rounds": args.rounds,
            "threads": args.threads,
            "greedy": True,
            "device": "cpu",
        },
        "load_average_1min": round(os.getloadavg()[0], 2),
        "results": results,
        "target_ratio": 1.5,
    }
    path = save("generate_throughput", payload)
    print(f"wrote {path}")
    ratios = ", ".join(
        f"{r['ratio_codeling_vs_transformers']:.2f}x at {k.replace('_', ' ')}" for k, r in results.items()
    )
    print(f"codeling vs transformers greedy generation tokens/s on CPU: {ratios} (target >= 1.5x)")


if __name__ == "__main__":
    main()
