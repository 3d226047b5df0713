"""Training measurements: tokens/s and MFU against peers at the same config, and the losses of
bf16 and fp16 (with the gradient scaler) against fp32 over the same steps from the same start.

Peers: transformers' GPT2LMHeadModel always; nanoGPT's model.py when a checkout of it is given
(imported from there, never copied into codeling). On CUDA every contender runs under bf16
autocast with fused AdamW; codeling and nanoGPT are compiled when asked (nanoGPT's own train.py
compiles by default), transformers runs eagerly.
"""

from __future__ import annotations

import contextlib
import importlib.util
from pathlib import Path

import torch

from codeling.bench.timing import alternate, medians, sync_for, timed
from codeling.config import load_config
from codeling.errors import CodelingError
from codeling.model import GPT
from codeling.train.metrics import peak_flops


def model_config(preset: str, vocab: int, seq: int, overrides: tuple[str, ...] = ()):
    return load_config(
        preset=preset, overrides=[f"model.vocab_size={vocab}", f"model.block_size={seq}", "model.dropout=0", *overrides]
    ).model


def hf_gpt2(cfg):
    """transformers' GPT-2 at codeling's shape (tied head, tanh GELU, no dropout), SDPA attention."""
    from transformers import GPT2Config, GPT2LMHeadModel

    hf_cfg = GPT2Config(
        vocab_size=cfg.vocab_size,
        n_positions=cfg.block_size,
        n_embd=cfg.n_embd,
        n_layer=cfg.n_layer,
        n_head=cfg.n_head,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        activation_function="gelu_new",
        tie_word_embeddings=True,
    )
    try:
        return GPT2LMHeadModel._from_config(hf_cfg, attn_implementation="sdpa")
    except (TypeError, ValueError):
        return GPT2LMHeadModel(hf_cfg)


def nanogpt(cfg, checkout: Path):
    """nanoGPT's GPT from a checkout's model.py, at codeling's shape."""
    path = Path(checkout) / "model.py"
    if not path.is_file():
        raise CodelingError(f"{path} does not exist; pass --nanogpt a checkout of karpathy/nanoGPT.")
    spec = importlib.util.spec_from_file_location("nanogpt_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    conf = module.GPTConfig(
        block_size=cfg.block_size,
        vocab_size=cfg.vocab_size,
        n_layer=cfg.n_layer,
        n_head=cfg.n_head,
        n_embd=cfg.n_embd,
        dropout=0.0,
        bias=cfg.bias,
    )
    return module.GPT(conf)


def autocast_for(device: torch.device, precision: str = "bf16"):
    if device.type != "cuda" or precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast("cuda", dtype=torch.bfloat16 if precision == "bf16" else torch.float16)


def _loss(model, x, y, kind: str):
    if kind == "transformers":
        return model(input_ids=x, labels=x).loss  # transformers shifts the labels itself
    return model(x, y)[1]  # codeling and nanoGPT: (logits, loss)


def _trainer(model, runner, kind: str, device, precision: str = "bf16", scaler=None, lr: float = 1e-4):
    """step(x, y) -> loss: forward under autocast, backward (scaled for fp16), AdamW."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, fused=device.type == "cuda")

    def step(x, y):
        with autocast_for(device, precision):
            loss = _loss(runner, x, y, kind)
        (scaler.scale(loss) if scaler else loss).backward()
        if scaler:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss.detach()

    return step


def learnable_batches(vocab: int, batch: int, seq: int, n: int, device, seed: int = 0) -> list[tuple]:
    """n batches of arithmetic sequences (start + k * stride mod vocab): a model learns them in a
    few dozen steps, so the losses of different precisions have somewhere to go."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        start = torch.randint(0, vocab, (batch, 1), generator=g)
        stride = torch.randint(1, 8, (batch, 1), generator=g)
        rows = (start + stride * torch.arange(seq + 1)) % vocab
        out.append((rows[:, :-1].contiguous().to(device), rows[:, 1:].contiguous().to(device)))
    return out


def throughput(
    preset: str,
    device: torch.device,
    batch: int,
    seq: int,
    steps: int,
    rounds: int,
    compile: bool,
    vocab: int = 8192,
    nanogpt_dir: Path | None = None,
    overrides: tuple[str, ...] = (),
) -> dict:
    """Training tokens/s of codeling, transformers (and nanoGPT) alternated; MFU where the peak is known."""
    cfg = model_config(preset, vocab, seq, overrides)
    torch.manual_seed(0)
    models = {"codeling": (GPT(cfg), "codeling"), "transformers": (hf_gpt2(cfg), "transformers")}
    if nanogpt_dir is not None:
        models["nanoGPT"] = (nanogpt(cfg, nanogpt_dir), "nanogpt")
    x, y = learnable_batches(vocab, batch, seq, 1, device)[0]
    steps_by_name = {}
    for name, (model, kind) in models.items():
        model.to(device).train()
        runner = torch.compile(model) if compile and kind != "transformers" else model
        step = _trainer(model, runner, kind, device)
        steps_by_name[name] = lambda step=step: step(x, y)
    sync = sync_for(device)
    for step in steps_by_name.values():  # warm-up: allocator, kernels, compilation
        for _ in range(2):
            step()
    sync()
    tokens = batch * seq * steps

    def rate(step):
        return lambda: tokens / timed(lambda: [step() for _ in range(steps)], sync)

    speeds = alternate({name: rate(step) for name, step in steps_by_name.items()}, rounds)
    median = medians(speeds)
    ours = models["codeling"][0]
    peak = peak_flops(device)
    result = {
        "preset": preset,
        "params": ours.num_params(),
        "batch": batch,
        "seq": seq,
        "compile": compile,
        "tokens_per_s": speeds,
        "median_tokens_per_s": median,
        "ratio_vs_transformers": median["codeling"] / median["transformers"],
        "peak_flops": peak,
    }
    if "nanoGPT" in median:
        result["ratio_vs_nanogpt"] = median["codeling"] / median["nanoGPT"]
    if peak:
        result["mfu"] = {name: m * ours.flops_per_token(seq) / peak for name, m in median.items()}
    return result


def precision_losses(
    preset: str,
    device: torch.device,
    batch: int,
    seq: int,
    steps: int = 50,
    vocab: int = 8192,
    overrides: tuple[str, ...] = (),
) -> dict:
    """Per-step losses of fp32, bf16 and fp16 (GradScaler) training from the same init on the same
    batches; on a CPU only fp32 and bf16 (autocast off: the same numbers, a check of the plumbing)."""
    cfg = model_config(preset, vocab, seq, overrides)
    data = learnable_batches(vocab, batch, seq, steps, device, seed=1)
    precisions = ("fp32", "bf16", "fp16") if device.type == "cuda" else ("fp32", "bf16")
    losses = {}
    for precision in precisions:
        torch.manual_seed(0)
        model = GPT(cfg).to(device).train()
        scaler = torch.amp.GradScaler("cuda") if precision == "fp16" else None
        step = _trainer(model, model, "codeling", device, precision, scaler, lr=1e-3)
        row = [step(x, y).item() for x, y in data]
        losses[precision] = row
    ref = losses["fp32"]
    return {
        "preset": preset,
        "steps": steps,
        "losses": losses,
        "final": {p: v[-1] for p, v in losses.items()},
        "max_abs_diff_vs_fp32": {p: max(abs(a - b) for a, b in zip(v, ref)) for p, v in losses.items() if p != "fp32"},
    }
