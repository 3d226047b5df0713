"""`codeling fix FILE.py`: explain the mistake and show the smallest fix that was verified in the
sandbox, as a unified diff. The file changes only with --write: atomically, the original kept as
FILE.py.orig beside it, its mode kept, through a symlink (helper/repair/rewrite.py).
With --model, a fixer model's lines join the rules' candidates; they too are
shown only when verified. When no rule fixes it, a search over small edits does (helper/repair/search.py),
its repairs of equal size ordered by a code model given with --rank."""

from __future__ import annotations

from pathlib import Path

import typer

from codeling.cli import options
from codeling.cli.explain import write_json
from codeling.errors import CodelingError
from codeling.helper import Check, fix_program, read_text, render
from codeling.helper.repair.rewrite import rewrite


def fix_cmd(
    file: Path = typer.Argument(..., help="The Python program to fix."),
    tests: Path | None = typer.Option(None, "--tests", help="Tests (asserts) the fixed program must pass."),
    expect: Path | None = typer.Option(None, "--expect", help="A file with the output the program must print."),
    stdin: Path | None = typer.Option(None, "--stdin", help="A file typed into the program's input()."),
    write: bool = typer.Option(False, "--write", help="Change FILE (the original is kept as FILE.orig)."),
    json_out: Path | None = options.json_out("the explanation and fix"),
    sandbox: str = options.sandbox(),
    model: Path | None = typer.Option(
        None, "--model", help="A fixer model (run or checkpoint from `codeling fixer train`) to propose fixes too."
    ),
    rank: Path | None = typer.Option(
        None, "--rank", help="A code model (a `codeling train` run on code) that orders the search's repairs."
    ),
) -> None:
    """Find the mistake in FILE, explain it, and print the smallest fix that really works."""
    if tests and expect:
        raise CodelingError("pass --tests or --expect, not both.")
    source = read_text(file)
    check = Check(
        stdin=read_text(stdin, "stdin") if stdin else "",
        tests=read_text(tests, "tests") if tests else None,
        expect=read_text(expect, "expected output") if expect else None,
    )
    fixer = None
    if model is not None:
        from codeling.helper.fixer.model import Fixer  # torch loads only for --model

        fixer = Fixer.load(model)
    ranker = None
    if rank is not None:
        from codeling.helper.repair.naturalness import Naturalness  # torch loads only for --rank

        ranker = Naturalness.load(rank)
    fix = fix_program(source, check, mode=sandbox, name=file.name, model=fixer, ranker=ranker)
    typer.echo(render(fix.explanation))
    typer.echo("")
    typer.echo(fix.note)
    if fix.diff:
        typer.echo(fix.diff, nl=False)
    if write and fix.fixed is not None:
        backup = rewrite(file, fix.fixed)
        typer.echo(f"wrote {file} (the original is in {backup})")
    write_json(json_out, fix.to_dict())
