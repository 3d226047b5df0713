"""`codeling sandbox run FILE.py`: run one untrusted program in the sandbox and print what happened.

The program's stdout and stderr pass through; a one-line summary goes to stderr. The exit status
says how the run ended (2 stays reserved for codeling's own errors).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import typer
from rich.console import Console

from codeling.cli import options
from codeling.errors import CodelingError
from codeling.sandbox import Limits, SandboxConfig, run_program

app = typer.Typer(
    help="Run untrusted Python programs isolated and limited (see docs/SANDBOX.md).", no_args_is_help=True
)


@app.callback()
def _group() -> None:
    """Run untrusted Python programs isolated and limited (see docs/SANDBOX.md)."""


EXIT_CODES = {"ok": 0, "failed": 1, "error": 3, "timeout": 4, "memory": 5, "output_limit": 6, "killed": 7}


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise CodelingError(f"cannot read the {what} file {path} ({e}); pass a readable UTF-8 file.") from e


@app.command()
def run(
    file: Path = typer.Argument(..., help="The Python program to run."),
    stdin: Path | None = typer.Option(None, "--stdin", help="A file fed to the program's stdin."),
    tests: Path | None = typer.Option(None, "--tests", help="Test code run after the program, in its namespace."),
    timeout: float = typer.Option(5.0, "--timeout", help="Wall-clock limit in seconds."),
    memory_mb: int = typer.Option(512, "--memory-mb", help="Address-space limit in MiB."),
    sandbox: str = options.sandbox(),
    mode: str | None = options.alias("--mode"),
) -> None:
    """Run FILE in the sandbox. Exit status: ok 0, failed 1, error 3, timeout 4, memory 5,
    output_limit 6, killed 7."""
    err = Console(stderr=True)
    source = _read(file, "program")
    stdin_text = _read(stdin, "stdin") if stdin else ""
    test_code = _read(tests, "tests") if tests else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_program(
            source,
            stdin=stdin_text,
            tests=test_code,
            limits=Limits(timeout_s=timeout, memory_mb=memory_mb),
            config=SandboxConfig(mode=options.pick(sandbox, mode)),
        )
    for w in caught:
        err.print(f"[bold red]WARNING:[/] {w.message}")
    sys.stdout.write(result.stdout)
    sys.stdout.flush()
    sys.stderr.write(result.stderr)
    colour = "green" if result.ok else "red"
    detail = ", ".join(
        filter(
            None,
            [
                f"exit code {result.exit_code}" if result.exit_code is not None else None,
                f"signal {result.signal}" if result.signal else None,
                f"limit {result.limit}" if result.limit else None,
                result.exception,
                f"{result.duration_s:.2f}s",
            ],
        )
    )
    err.print(f"[bold {colour}]{result.status}[/] ({detail})", highlight=False)
    raise typer.Exit(EXIT_CODES[result.status])
