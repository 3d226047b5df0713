"""`codeling generate`: sample text from a checkpoint, streaming to the terminal."""

from __future__ import annotations

from pathlib import Path

import typer

from codeling.cli import options
from codeling.cli.progress import console


def generate_cmd(
    checkpoint: Path = typer.Argument(..., help="checkpoint or run directory"),
    prompt: str = typer.Option("", "--prompt", help="text to continue (empty: an unconditional sample)"),
    max_new_tokens: int = options.max_new_tokens(200),
    temperature: float = options.temperature(0.8),
    top_k: int | None = options.top_k(),
    top_p: float | None = options.top_p(),
    num_samples: int = typer.Option(1, "--num-samples", "-n", help="samples of the prompt, decoded in one batch"),
    stop: list[str] = typer.Option([], "--stop", help="stop string (repeatable)"),
    seed: int = options.seed("seeds the sampling"),
    device: str = options.DEVICE,
    int8: bool = typer.Option(
        False, "--int8", help="int8 dynamic quantisation of the linear layers (CPU only; see docs/EXPORT.md)"
    ),
    weights: str = typer.Option(
        "fp32", "--weights", help="fp32, bf16 or int8 (= --int8): lighter weights decode faster on a CPU"
    ),
):
    """Sample text from a checkpoint, streaming to the terminal."""
    from codeling.generate import Sampling, generate_text
    from codeling.train.checkpoint import load_checkpoint

    loaded = load_checkpoint(checkpoint, device=options.device(device))
    if int8 or weights != "fp32":
        from codeling.quantize import for_inference

        loaded.model = for_inference(loaded.model, "int8" if int8 else weights)
    sampling = Sampling(max_new_tokens, temperature, top_k, top_p, seed, list(stop))
    show = dict(markup=False, highlight=False, soft_wrap=True)
    if num_samples == 1:
        shown = 0

        def stream(texts: list[str]) -> None:
            nonlocal shown
            console.print(texts[0][shown:], end="", **show)
            shown = len(texts[0])

        console.print(prompt, end="", **show)
        text = generate_text(loaded.model, loaded.tokenizer, [prompt], sampling, on_text=stream)[0]
        console.print(text[shown:], **show)
        return
    texts = generate_text(loaded.model, loaded.tokenizer, [prompt], sampling, num_samples=num_samples)
    for i, text in enumerate(texts):
        console.rule(f"sample {i + 1}")
        console.print(prompt + text, **show)
