"""The `codeling` command: one thin verb per capability. Each verb parses its arguments, calls the
library, and prints; a CodelingError becomes one sentence on stderr and exit status 2.

Verbs live in one module per capability (core.py, tinypy.py, sandbox.py, ...) and are mounted here.
"""

from __future__ import annotations

import sys

import typer

from codeling.errors import CodelingError

app = typer.Typer(
    name="codeling",
    help="Train small GPT-style code models from scratch, and make them useful.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _mount() -> None:
    # Imported here so that `import codeling.cli` stays cheap and free of cycles.
    from codeling.cli import core

    core.register(app)
    # Sub-command groups, one per capability:
    from codeling.cli import plan
    app.command("plan")(plan.plan_cmd)
    from codeling.cli import corpus
    app.add_typer(corpus.app, name="corpus")
    from codeling.cli import tokenizer
    app.add_typer(tokenizer.app, name="tokenizer")
    from codeling.cli import sandbox
    app.add_typer(sandbox.app, name="sandbox")
    from codeling.cli import tinypy
    app.add_typer(tinypy.app, name="tinypy")
    app.command("demo")(tinypy.demo_cmd)
    from codeling.cli import evolve
    app.command("evolve")(evolve.evolve_cmd)
    from codeling.cli import evals
    app.add_typer(evals.app, name="eval")
    from codeling.cli import export
    app.command("export")(export.export_cmd)


def main(argv: list[str] | None = None) -> None:
    _mount()
    try:
        app(args=argv, standalone_mode=False)
    except CodelingError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as e:  # click's usage errors arrive here with standalone_mode=False
        import click

        if isinstance(e, click.exceptions.ClickException):
            e.show()
            sys.exit(2)
        if isinstance(e, click.exceptions.Exit):
            sys.exit(e.exit_code)
        if isinstance(e, click.exceptions.Abort):
            sys.exit(130)
        raise
