"""`codeling tokenizer ...`: train a byte-level BPE for code."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from codeling.cli.progress import console

app = typer.Typer(help="Tokenizers: train a byte-level BPE for Python code.", no_args_is_help=True)


@app.command("train")
def train(
    corpus: Path = typer.Option(
        ..., "--corpus", help="corpus directory from `codeling corpus build` (its train split is used)"
    ),
    vocab_size: int = typer.Option(8192, "--vocab-size", help="tokens in the vocabulary, <|endoftext|> included"),
    out: Path = typer.Option(..., "--out", help="tokenizer.json to write"),
    indent_rule: bool = typer.Option(
        True, "--indent-rule/--no-indent-rule", help="keep each newline with its indentation as one piece"
    ),
    min_frequency: int = typer.Option(2, "--min-frequency", help="merge only pairs seen at least this often"),
    max_chars: int | None = typer.Option(
        None, "--max-chars", help="train on at most this many characters of the corpus"
    ),
):
    """Train a byte-level BPE on a corpus and save it as a Hugging Face tokenizer.json."""
    from codeling import atomic
    from codeling.corpus import iter_texts, read_manifest
    from codeling.tokenizers.bpe import BPETokenizer

    documents = read_manifest(corpus)["splits"]["train"]["documents"]
    start = time.perf_counter()
    # The trainer reports no progress we could relay; a spinner says it is working.
    with console.status(f"training a {vocab_size:,}-token BPE on {documents:,} files"):
        tok = BPETokenizer.train(
            iter_texts(corpus, "train", max_chars), vocab_size, indent_rule, min_frequency, length=documents
        )
    atomic.write_text(out, tok.to_json())
    console.print(
        f"{out}: vocab {tok.vocab_size:,}, end-of-text id {tok.eos_id}, trained in {time.perf_counter() - start:.1f} s"
    )
