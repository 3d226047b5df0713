"""`codeling corpus ...`: build a Python code corpus, and turn it into token shards."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.table import Table

from codeling.cli import options
from codeling.cli.progress import Bars, console

app = typer.Typer(help="Python code corpora: ingest, filter, deduplicate, split, tokenize.", no_args_is_help=True)


@app.command("build")
def build(
    sources: list[str] | None = typer.Argument(
        None,
        help="directories of .py files, .jsonl/.csv/.parquet/.arrow files "
        "(default: this Python's stdlib and site-packages)",
    ),
    out: Path = options.out("corpus directory to write"),
    code_column: str | None = typer.Option(
        None,
        "--code-column",
        help="column holding the code in JSONL/CSV/parquet/arrow (default: content, code, source, text, ...)",
    ),
    max_files: int | None = typer.Option(None, "--max-files", help="stop after this many files or rows"),
    max_bytes: int = typer.Option(500_000, "--max-bytes", help="drop files larger than this"),
    max_line_length: int = typer.Option(
        1000, "--max-line-length", help="drop files with a longer line (minified or generated code)"
    ),
    strip_licences: bool = typer.Option(False, "--strip-licences", help="remove licence/copyright comment headers"),
    near_threshold: float = typer.Option(
        0.85, "--near-threshold", help="MinHash Jaccard similarity above which a file is a near-duplicate"
    ),
    near_dedup: bool = typer.Option(
        True, "--near-dedup/--no-near-dedup", help="remove near-duplicates (MinHash LSH) as well as exact ones"
    ),
    val_fraction: float = options.val_fraction(0.05, "files"),
    seed: int = options.seed("salts the train/val split"),
    workers: int = typer.Option(
        0, "--workers", help="processes filtering files (0: one per CPU; output does not depend on it)"
    ),
    overwrite: bool = options.OVERWRITE,
    val_frac: float | None = options.alias("--val-frac"),
):
    """Ingest Python code, filter and deduplicate it, and write train/val JSONL plus a manifest."""
    from codeling.corpus import CorpusSettings, default_sources, resolve_sources

    chosen = resolve_sources(sources) if sources else default_sources()
    settings = CorpusSettings(
        max_bytes=max_bytes,
        max_line_length=max_line_length,
        strip_licences=strip_licences,
        near_threshold=near_threshold if near_dedup else None,
        val_fraction=options.pick(val_fraction, val_frac),
        seed=seed,
        max_files=max_files,
        code_column=code_column,
    )
    for source in chosen:
        console.print(f"source [bold]{source.label}[/]: {source.path}")
    start = time.perf_counter()
    report = _build_with_bars(out, chosen, settings, workers, overwrite)
    _print_build_report(out, report, time.perf_counter() - start)


def _build_with_bars(out: Path, sources, settings, workers: int, overwrite: bool):
    """build_corpus with a progress bar of documents read and kept."""
    from codeling.corpus import build_corpus

    with Bars() as bars:
        return build_corpus(out, sources, settings, bars, workers, overwrite)


def _print_build_report(out: Path, report, seconds: float) -> None:
    """Documents and bytes per split, and how many files each filter rejected."""
    counts = report.manifest["counts"]
    table = Table(title=f"{out}: {counts['kept']:,} of {counts['seen']:,} documents kept in {seconds:.1f} s")
    table.add_column("what")
    table.add_column("documents", justify="right")
    table.add_column("bytes", justify="right")
    for split, info in report.manifest["splits"].items():
        table.add_row(split, f"{info['documents']:,}", f"{info['bytes']:,}")
    for reason, count in report.rejected.items():
        table.add_row(f"rejected: {reason}", f"{count:,}", "")
    console.print(table)
    if report.rejected:
        console.print(f"rejected files are listed in {out / 'rejected.jsonl'}")


@app.command("tokenize")
def tokenize(
    corpus: Path = typer.Option(..., "--corpus", help="corpus directory from `codeling corpus build`"),
    tokenizer: Path = typer.Option(
        ..., "--tokenizer", help="tokenizer.json (from `codeling tokenizer train`, or any Hugging Face one)"
    ),
    out: Path = options.out("shard directory to write"),
    batch_size: int = typer.Option(256, "--batch-size", help="documents encoded together (in parallel)"),
    overwrite: bool = options.OVERWRITE,
):
    """Tokenize a corpus into train/val shards, each file followed by the end-of-text token."""
    from codeling.corpus import tokenize_corpus
    from codeling.tokenizers import load_tokenizer

    tok = load_tokenizer(tokenizer)
    start = time.perf_counter()
    with Bars() as bars:
        manifest = tokenize_corpus(corpus, tok, out, bars, batch_size, overwrite)
    seconds = time.perf_counter() - start
    splits = manifest["splits"]
    summary = ", ".join(f"{name} {info['tokens']:,} tokens" for name, info in splits.items())
    console.print(
        f"{out}: {summary} ({manifest['dtype']}, vocab {manifest['tokenizer']['vocab_size']:,}) in {seconds:.1f} s"
    )
