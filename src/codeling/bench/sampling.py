"""Sampling speed: codeling's decoder against transformers' `generate` on the same weights.

Both decode exactly `new_tokens` greedy tokens per row (no end-of-text stop) from the same random
prompts, alternated in one process. Each codeling variant (fp32, bf16, int8 weights; compiled or
not) also reports how far its tokens agree with codeling fp32's: whole rows identical, and top-1
agreement when fed fp32's own continuation (teacher-forced, so one early difference does not count
for every later token; on random weights near-ties are everywhere, so trust trained ones).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch

from codeling.bench.timing import alternate, medians, sync_for, timed
from codeling.config import PRESETS, Config, ModelConfig
from codeling.generate import Sampling, generate_ids
from codeling.model import GPT
from codeling.quantize import for_inference
from codeling.tokenizers import CharTokenizer
from codeling.train.checkpoint import Loaded


def random_loaded(preset: str, vocab_size: int, seed: int = 0, overrides: dict | None = None) -> Loaded:
    """A randomly initialised model of a preset's shape: decoding speed depends on the shapes, not
    on what the weights learned."""
    torch.manual_seed(seed)
    model_cfg = {**PRESETS[preset]["model"], "vocab_size": vocab_size, "dropout": 0.0, **(overrides or {})}
    config = Config(preset=preset, model=ModelConfig(**model_cfg))
    # Any vocabulary of the right size serves: prompts are token ids, never text.
    tokenizer = CharTokenizer([chr(0x100 + i) for i in range(vocab_size)])
    return Loaded(Path("random"), GPT(config.model).eval(), config, tokenizer, None)


def transformers_twin(loaded: Loaded, device: torch.device, dtype: torch.dtype):
    """The same weights as a transformers model (through `codeling export`), set to decode every
    row to the full length as ours does."""
    from transformers import AutoModelForCausalLM

    from codeling.export import export_hf

    with tempfile.TemporaryDirectory() as scratch:
        hf_dir = export_hf(loaded, Path(scratch) / "hf")
        theirs = AutoModelForCausalLM.from_pretrained(hf_dir).eval().to(device=device, dtype=dtype)
    theirs.generation_config.eos_token_id = None
    theirs.generation_config.pad_token_id = 0
    return theirs


DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}


@torch.inference_mode()
def _teacher_forced_agreement(logits_of, prompts: torch.Tensor, reference: torch.Tensor) -> float:
    """Share of positions where the model's top-1, given the reference's prefix, is the reference's token."""
    seq = torch.cat((prompts, reference), dim=1)
    predicted = logits_of(seq)[:, prompts.shape[1] - 1 : -1].argmax(-1)
    return (predicted == reference).float().mean().item()


def race(
    loaded: Loaded,
    device: torch.device,
    batch: int,
    prompt_len: int,
    new_tokens: int,
    rounds: int,
    weights: tuple[str, ...] = ("fp32",),
    peers: tuple[str, ...] = ("fp32",),
    compile: bool = False,
    seed: int = 0,
) -> dict:
    """Tokens/s of every contender, medians, ratios against transformers at fp32 (and at bf16 for
    bf16 weights where that peer runs), and each variant's agreement with codeling fp32."""
    base = loaded.model.to(device).eval()
    ours = {f"codeling {w}": for_inference(base, w) for w in weights}
    if compile:
        ours[f"codeling {weights[0]} compiled"] = ours[f"codeling {weights[0]}"]
    theirs = {f"transformers {p}": transformers_twin(loaded, device, DTYPES[p]) for p in peers}
    vocab = base.config.vocab_size
    g = torch.Generator().manual_seed(seed + batch)
    prompts = torch.randint(0, vocab, (batch, prompt_len), generator=g).to(device)
    mask = torch.ones_like(prompts)
    sampling = Sampling(max_new_tokens=new_tokens, temperature=0)

    def run_ours(model, compiled: bool):
        return lambda: generate_ids(model, prompts.tolist(), sampling, compile=compiled)

    def run_theirs(model):
        @torch.inference_mode()
        def run():
            out = model.generate(prompts, attention_mask=mask, max_new_tokens=new_tokens, do_sample=False)
            return out[:, prompt_len:].tolist()

        return run

    runs = {name: run_ours(m, name.endswith("compiled")) for name, m in ours.items()}
    runs |= {name: run_theirs(m) for name, m in theirs.items()}
    outputs = {name: run() for name, run in runs.items()}  # warm-up (and compilation)
    for name, rows in outputs.items():
        if any(len(r) != new_tokens for r in rows):
            raise RuntimeError(f"{name} stopped before {new_tokens} tokens")
    sync = sync_for(device)
    tokens = batch * new_tokens
    speeds = alternate({name: (lambda run=run: tokens / timed(run, sync)) for name, run in runs.items()}, rounds)
    median = medians(speeds)

    reference = torch.tensor(generate_ids(base, prompts.tolist(), sampling), device=device)
    agreement = {}
    for name, rows in outputs.items():
        model = ours.get(name) or theirs[name]
        logits_of = (lambda s, m=model: m(s)[0]) if name in ours else (lambda s, m=model: m(s).logits)
        agreement[name] = {
            "rows_identical": sum(a == b for a, b in zip(rows, reference.tolist())) / batch,
            "top1_teacher_forced": round(_teacher_forced_agreement(logits_of, prompts, reference), 4),
        }
    ratios = {name: median[name] / median["transformers fp32"] for name in ours if "transformers fp32" in median}
    if "transformers bf16" in median and "codeling bf16" in median:
        ratios["codeling bf16 vs transformers bf16"] = median["codeling bf16"] / median["transformers bf16"]
    return {
        "batch": batch,
        "tokens_per_s": {name: [round(x, 1) for x in v] for name, v in speeds.items()},
        "median_tokens_per_s": {name: round(v, 1) for name, v in median.items()},
        "ratio_vs_transformers_fp32": {name: round(r, 3) for name, r in ratios.items()},
        "agreement_with_codeling_fp32": agreement,
    }
