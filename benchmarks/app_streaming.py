"""Streaming in the web app: time to first token and tokens per second as a user sees them in the
browser (headless Chromium on the Write-code tab), against the same completion streamed in-process
with no web in between (codeling.app.streaming, the function the page calls), alternated A B A B.

    .venv/bin/python benchmarks/app_streaming.py [--preset tiny] [--new-tokens 128] [--rounds 5]

The model is randomly initialised (speed depends on the shapes, not on what the weights learned) with
a character vocabulary; it has no end-of-text token, so every run decodes exactly --new-tokens. The
browser's clock starts when the Generate button is clicked and reads the completion box every
millisecond. Writes benchmarks/results/app_streaming.json; prints the browser's figures last.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import string
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import torch

from _common import alternate, save
from codeling.app.models import AppLimits, load_models
from codeling.app.serve import AppSettings, free_port, launch
from codeling.app.streaming import stream_completion
from codeling.config import PRESETS, Config, ModelConfig
from codeling.generate import Sampling
from codeling.model import GPT
from codeling.tokenizers import CharTokenizer
from codeling.train.checkpoint import save_checkpoint

PROMPT = "def fibonacci(n):\n    "
# Clicks Generate and samples the completion box every millisecond until a new status says done.
# The page's own elements are only read: Svelte owns them, and writing to them would break its updates.
MEASURE = """async () => {
    const box = document.querySelector('#write-completion textarea');
    const status = document.querySelector('#write-status');
    const before = status.textContent;
    const t0 = performance.now();
    document.querySelector('#write-go').click();
    let first = null, last = null, seen = box.value;
    while (first === null || status.textContent === before || !status.textContent.includes('done')) {
        await new Promise(r => setTimeout(r, 1));
        if (box.value !== seen) { seen = box.value; last = performance.now(); if (first === null) first = last; }
        if (performance.now() - t0 > 120000) throw new Error('no completion in 120 s');
    }
    return {first_ms: first - t0, total_ms: last - t0, chars: seen.length};
}"""


def make_checkpoint(folder: Path, preset: str) -> Path:
    tokenizer = CharTokenizer(sorted(set(string.printable)))
    torch.manual_seed(0)
    config = Config(model=ModelConfig(**{**PRESETS[preset]["model"], "vocab_size": tokenizer.vocab_size}))
    return save_checkpoint(folder / "model", GPT(config.model), config, tokenizer)


def in_process(loaded, tokens: int) -> dict:
    chunks = list(stream_completion(loaded, PROMPT, Sampling(tokens, temperature=0.8), AppLimits()))
    return {"first_s": chunks[0].first_token_s, "tokens_per_s": chunks[-1].tokens / chunks[-2].seconds}


def in_browser(page, tokens: int) -> dict:
    got = page.evaluate(MEASURE)
    return {"first_s": got["first_ms"] / 1000, "tokens_per_s": tokens / (got["total_ms"] / 1000)}


def summarise(rows: list[dict]) -> dict:
    return {key: statistics.median(r[key] for r in rows) for key in ("first_s", "tokens_per_s")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="tiny", choices=list(PRESETS))
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        models = load_models([make_checkpoint(Path(tmp), args.preset)])
        limits = AppLimits(max_new_tokens=args.new_tokens)
        port = free_port()
        demo = launch(AppSettings(models, limits=limits), port=port, block=False)
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}")
        page.locator("#write-prompt textarea").fill(PROMPT)
        loaded = models["model"].get()
        in_process(loaded, args.new_tokens)  # warm-up: first calls pay for allocation and compilation
        in_browser(page, args.new_tokens)
        runs = alternate(
            {
                "browser": lambda: in_browser(page, args.new_tokens),
                "in_process": lambda: in_process(loaded, args.new_tokens),
            },
            args.rounds,
        )
        browser.close()
        demo.close()
    report = {name: summarise(rows) for name, rows in runs.items()}
    ratio = report["browser"]["tokens_per_s"] / report["in_process"]["tokens_per_s"]
    payload = {"args": vars(args), "runs": runs, "median": report, "browser_over_in_process": ratio}
    save("app_streaming", payload, peers=("gradio", "playwright"))
    for name, figures in report.items():
        print(f"{name:>10}: first token {1000 * figures['first_s']:.0f} ms, {figures['tokens_per_s']:.1f} tokens/s")
    first_ms = 1000 * report["browser"]["first_s"]
    print(f"browser streams at {ratio:.2f}x the in-process rate; time to first token in the browser {first_ms:.0f} ms")


if __name__ == "__main__":
    main()
