"""What a user gains by exporting to GGUF: greedy decoding speed of llama.cpp (llama-cpp-python) on
the exported file against codeling's own generate on the same weights, on CPU, batch 1, alternated
A B C A B C in one run. Both decode exactly --new-tokens tokens (prefill included) from the same
random prompt, one thread each; for f32 the tokens must be identical, for q8_0 their agreement is
reported.

    .venv/bin/python benchmarks/gguf_throughput.py [--models demo era] [--rounds 5] [--threads 1]
        [--checkpoint CKPT]

Models (random weights: decode speed depends on the shapes, not on what the weights learned):
  demo: the model `codeling demo` trains (its recipe's settings: tiny preset, 3 layers, 8 heads,
        128 wide, window 128, rotary positions, TinyPy's 98-token vocabulary);
  era:  the ~11M `era` preset (6 layers, 384 wide, learned positions) with an 8,192-token vocabulary.
With --checkpoint, a trained model is measured too, prompted with the start of its own val split:
on a trained model the q8_0 agreement says what quantising costs (random weights tie often).
Writes benchmarks/results/gguf_throughput.json; prints the ratios last.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from _common import alternate, save, timed
from codeling.config import PRESETS, Config, ModelConfig
from codeling.data.shards import Shards
from codeling.export import export_gguf
from codeling.export.llama_greedy import llama_greedy, load_llama
from codeling.generate import Sampling, generate_ids
from codeling.model import GPT
from codeling.recipes.tinypy import MODEL
from codeling.tokenizers import CharTokenizer, TinyPyTokenizer
from codeling.train.checkpoint import Loaded, load_checkpoint

DEMO_SHAPE = MODEL["model"]  # the demo recipe's own model settings, so the benchmark follows the recipe
MODELS = {
    "demo": ("tiny", DEMO_SHAPE, TinyPyTokenizer().vocab_size, 32, 64),
    "era": ("era", {"dropout": 0.0}, 8192, 64, 128),
}


def random_model(name: str, seed: int) -> tuple[Loaded, int, int]:
    preset, shape, vocab_size, prompt_len, new_tokens = MODELS[name]
    torch.manual_seed(seed)
    config = Config(preset=preset, model=ModelConfig(**{**PRESETS[preset]["model"], **shape, "vocab_size": vocab_size}))
    # Any vocabulary of the right size serves (prompts are ids); llama.cpp's tokenizer wants a newline in it.
    tokenizer = CharTokenizer(["\n"] + [chr(0x100 + i) for i in range(vocab_size - 1)])
    return Loaded(Path(name), GPT(config.model).eval(), config, tokenizer, None), prompt_len, new_tokens


def trained_model(path: Path) -> tuple[Loaded, int, int]:
    loaded = load_checkpoint(path)
    loaded.model.eval()
    prompt_len = min(32, loaded.config.model.block_size // 4)
    return loaded, prompt_len, min(64, loaded.config.model.block_size - prompt_len)


def prompt_for(loaded: Loaded, prompt_len: int) -> list[int]:
    """The start of the model's own val split where there is one, else random ids."""
    data = loaded.config.data.dir
    if data and (Path(data) / "manifest.json").is_file():
        tokens = Shards(data).split("val").tokens
        start = next((i for i in range(len(tokens)) if tokens[i] == loaded.tokenizer.bos_id), 0)
        return [int(t) for t in tokens[start : start + prompt_len]]
    g = torch.Generator().manual_seed(1)
    return torch.randint(0, loaded.config.model.vocab_size, (prompt_len,), generator=g).tolist()


def top1_agreement(loaded: Loaded, gguf_path: Path, windows: int = 16) -> float | None:
    """Teacher-forced: the fraction of val positions where llama.cpp's best token is codeling's."""
    data, block = loaded.config.data.dir, loaded.config.model.block_size
    if not data or not (Path(data) / "manifest.json").is_file():
        return None
    tokens = Shards(data).split("val").tokens
    llm = load_llama(gguf_path, block, logits_all=True)
    same = total = 0
    for start in np.linspace(0, len(tokens) - block - 1, windows).astype(int):
        ids = [int(t) for t in tokens[start : start + block]]
        with torch.no_grad():
            ours = loaded.model(torch.tensor([ids]))[0][0].argmax(-1).numpy()
        llm.reset()
        llm.eval(ids)
        theirs = np.asarray(llm.scores[:block]).argmax(-1)
        same, total = same + int((ours == theirs).sum()), total + block
    return same / total


def measure(name: str, args, scratch: Path) -> dict:
    loaded, prompt_len, new_tokens = (
        trained_model(args.checkpoint) if name == "checkpoint" else random_model(name, args.seed)
    )
    prompt = prompt_for(loaded, prompt_len)
    sampling = Sampling(max_new_tokens=new_tokens, temperature=0)
    block = loaded.config.model.block_size
    llms = {
        kind: load_llama(export_gguf(loaded, scratch / f"{name}-{kind}", kind), block, n_threads=args.threads)
        for kind in ("f32", "q8_0")
    }
    contenders = {"codeling": lambda: generate_ids(loaded.model, [prompt], sampling)[0]}
    contenders |= {
        f"llama.cpp {kind}": (lambda llm=llm: llama_greedy(llm, prompt, new_tokens)) for kind, llm in llms.items()
    }
    tokens = {who: run() for who, run in contenders.items()}  # warm-up, and the tokens to compare
    speeds = alternate({who: (lambda run=run: new_tokens / timed(run)) for who, run in contenders.items()}, args.rounds)
    median = {who: statistics.median(v) for who, v in speeds.items()}
    same = {who: sum(a == b for a, b in zip(t, tokens["codeling"])) / new_tokens for who, t in tokens.items()}
    result = {
        "params": loaded.model.num_params(),
        "shape": {
            k: getattr(loaded.config.model, k) for k in ("n_layer", "n_head", "n_embd", "vocab_size", "positions")
        },
        "prompt_len": prompt_len,
        "new_tokens": new_tokens,
        "tokens_per_s": {who: [round(x, 1) for x in v] for who, v in speeds.items()},
        "median_tokens_per_s": {who: round(v, 1) for who, v in median.items()},
        "ratio_vs_codeling": {who: round(v / median["codeling"], 3) for who, v in median.items() if who != "codeling"},
        "same_tokens_as_codeling": same,
    }
    if name == "checkpoint":
        result["val_top1_agreement"] = {
            kind: top1_agreement(loaded, scratch / f"{name}-{kind}" / f"model-{kind}.gguf") for kind in ("f32", "q8_0")
        }
    speeds_line = ", ".join(f"{who} {v:.0f} tok/s" for who, v in median.items())
    agreement = f"; val top-1 agreement {result['val_top1_agreement']}" if "val_top1_agreement" in result else ""
    print(f"{name} ({result['params']:,} parameters): {speeds_line}; same tokens: {same}{agreement}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="torch and llama.cpp threads, the same for both")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", type=Path, help="a trained checkpoint or run directory, measured as well")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import llama_cpp

    with tempfile.TemporaryDirectory() as scratch:
        names = args.models + (["checkpoint"] if args.checkpoint else [])
        results = {name: measure(name, args, Path(scratch)) for name in names}
    payload = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "llama_cpp_python": llama_cpp.__version__,
        "settings": {"rounds": args.rounds, "threads": args.threads, "batch": 1, "greedy": True, "device": "cpu"},
        "load_average_1min": round(os.getloadavg()[0], 2),
        "results": results,
    }
    print(f"wrote {save('gguf_throughput', payload, peers=('llama_cpp_python', 'gguf'))}")
    for name, r in results.items():
        ratios = ", ".join(f"{who} {x:.2f}x" for who, x in r["ratio_vs_codeling"].items())
        print(f"{name}: llama.cpp vs codeling generate, greedy tokens/s on CPU, batch 1: {ratios}")


if __name__ == "__main__":
    main()
