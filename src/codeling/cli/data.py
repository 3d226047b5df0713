"""`codeling data ...`: token shards from plain text (for TinyPy and code corpora see `tinypy data`
and `corpus tokenize`)."""

from __future__ import annotations

from pathlib import Path

import typer

from codeling.cli import options
from codeling.cli.progress import console

app = typer.Typer(help="Make token shards to train on.", no_args_is_help=True)


@app.command("text")
def text(
    file: Path = typer.Argument(..., help="any UTF-8 text file"),
    out: Path = options.out("directory to write train.bin, val.bin, manifest.json into"),
    val_fraction: float = options.val_fraction(0.1, "file (its end)"),
    overwrite: bool = options.OVERWRITE,
):
    """Character-level shards from a text file (nanoGPT's shakespeare_char path)."""
    from codeling.data.text import text_to_shards

    manifest = text_to_shards(file, out, val_fraction, overwrite)
    splits = manifest["splits"]
    console.print(
        f"wrote {out}: vocabulary {manifest['tokenizer']['vocab_size']} characters, "
        f"{splits['train']['tokens']:,} train and {splits['val']['tokens']:,} val tokens"
    )
