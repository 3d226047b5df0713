"""`codeling ask "QUESTION"`: the pygame documentation passages and example code that best answer
a question, each with its file (inside the pygame package) and lines."""

from __future__ import annotations

from pathlib import Path

import typer

from codeling.cli.explain import write_json
from codeling.helper import ask

SHOWN_LINES = 30  # of each hit on the terminal; --json has all of it


def ask_cmd(
    question: str = typer.Argument(..., help='A pygame question, e.g. "how do I draw a circle".'),
    k: int = typer.Option(5, "--k", help="How many passages to show."),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the hits, best first, as JSON here."),
) -> None:
    """Answer a pygame question with example code and documentation from the installed pygame."""
    hits = ask(question, k=k)
    if not hits:
        typer.echo("I found nothing about that in pygame's documents. Try other words.")
    for rank, hit in enumerate(hits, 1):
        typer.echo(f"{rank}. pygame/{hit.path} lines {hit.start_line}-{hit.end_line} ({hit.title}, score {hit.score})")
        lines = hit.text.splitlines()
        typer.echo("\n".join("    " + line for line in lines[:SHOWN_LINES]))
        if len(lines) > SHOWN_LINES:
            typer.echo(f"    ... {len(lines) - SHOWN_LINES} more lines")
    write_json(json_out, {"question": question, "hits": [h.to_dict() for h in hits]})
