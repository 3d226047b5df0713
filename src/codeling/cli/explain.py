"""`codeling explain FILE.py`: run a learner's program in the sandbox and say what went wrong, in a
child's words, pointing at the line and column."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from codeling import atomic
from codeling.cli import options
from codeling.helper import explain_program, read_text, render


def write_json(path: Path | None, data: dict) -> None:
    if path is not None:
        atomic.write_text(path, json.dumps(data, indent=2) + "\n")


def explain_cmd(
    file: Path = typer.Argument(..., help="The Python program to explain."),
    stdin: Path | None = typer.Option(None, "--stdin", help="A file typed into the program's input()."),
    json_out: Path | None = options.json_out("the explanation"),
    sandbox: str = options.sandbox(),
) -> None:
    """Compile FILE, run it in the sandbox, and explain what went wrong (or that nothing did)."""
    source = read_text(file)
    typed = read_text(stdin, "stdin") if stdin else ""
    explanation = explain_program(source, stdin=typed, mode=sandbox)
    typer.echo(render(explanation))
    write_json(json_out, explanation.to_dict())
