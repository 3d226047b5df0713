"""The `codeling` command: one thin verb per capability. Each verb parses its arguments, calls the
library, and prints; a CodelingError becomes one sentence on stderr and exit status 2.

Every verb has a module named after it: `codeling train` is cli/train.py, `codeling tinypy datahack`
cli/datahack.py, `codeling eval tinypy` a command in cli/evals.py. Shared options come from
cli/options.py and every progress bar from cli/progress.py.
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
    if app.registered_commands:  # main() may run many times in one process (tests do)
        return
    # Imported here so that `import codeling.cli` stays cheap and free of cycles.
    from codeling.cli import (
        ask,
        bench,
        corpus,
        data,
        demo,
        drive,
        evals,
        evolve,
        explain,
        export,
        fix,
        fixer,
        generate,
        info,
        plan,
        plot,
        sandbox,
        tinypy,
        tokenizer,
        train,
    )

    app.add_typer(data.app, name="data")
    app.command("train")(train.train_cmd)
    app.command("generate")(generate.generate_cmd)
    app.command("info")(info.info_cmd)
    app.command("plot")(plot.plot_cmd)
    app.command("plan")(plan.plan_cmd)
    app.add_typer(corpus.app, name="corpus")
    app.add_typer(tokenizer.app, name="tokenizer")
    app.add_typer(sandbox.app, name="sandbox")
    app.add_typer(tinypy.app, name="tinypy")
    app.command("demo")(demo.demo_cmd)
    app.command("evolve")(evolve.evolve_cmd)
    app.add_typer(drive.app, name="drive")
    app.add_typer(evals.app, name="eval")
    app.command("export")(export.export_cmd)
    app.command("explain")(explain.explain_cmd)
    app.command("fix")(fix.fix_cmd)
    app.add_typer(fixer.app, name="fixer")
    app.command("ask")(ask.ask_cmd)
    from codeling.cli import dataset, gridworld, improve, serve

    app.command("improve")(improve.improve_cmd)
    app.command("serve")(serve.serve_cmd)
    app.add_typer(dataset.app, name="dataset")
    app.add_typer(bench.app, name="bench")
    app.command("gridworld")(gridworld.gridworld_cmd)


def _is_a(error: BaseException, name: str) -> bool:
    # By class name, because typer may carry its own copy of click (0.2x does) whose exceptions are
    # not the classes `import click` gives.
    return any(cls.__name__ == name for cls in type(error).__mro__)


def main(argv: list[str] | None = None) -> None:
    _mount()
    try:
        # Not standalone: click would otherwise exit on success, which callers in Python do not want.
        code = app(args=argv, standalone_mode=False)
    except CodelingError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as e:
        if _is_a(e, "ClickException"):  # usage mistakes: click's usage line and one-line error, status 2
            e.show()
            sys.exit(e.exit_code)
        if _is_a(e, "Abort"):
            print("interrupted", file=sys.stderr)
            sys.exit(130)
        raise
    # Out of standalone mode, click returns the status a verb's typer.Exit(status) carried.
    if isinstance(code, int) and not isinstance(code, bool) and code != 0:
        sys.exit(code)
