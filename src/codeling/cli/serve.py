"""`codeling serve`: the web app on a local page (see docs/APP.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from codeling.cli import options
from codeling.cli.progress import console


def serve_cmd(
    runs: Path | None = typer.Option(None, "--runs", help="folder of run directories to show in the Runs tab"),
    model: list[Path] = typer.Option(
        [],
        "--model",
        help="checkpoint or run directory to serve (repeatable; default: every run under --runs with a checkpoint)",
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on; anything but loopback is public"),
    port: int = typer.Option(7860, "--port", help="port to listen on (0: any free one)"),
    max_tokens: int = typer.Option(512, "--max-tokens", help="the most tokens one completion may ask for"),
    max_input: int = typer.Option(8000, "--max-input", help="the longest prompt or program, in characters"),
    timeout: float = typer.Option(60.0, "--timeout", help="seconds one generation may take"),
    concurrency: int = typer.Option(2, "--concurrency", help="requests served at once; more wait in a queue"),
    device: str = options.DEVICE,
    sandbox: str = options.sandbox(),
) -> None:
    """Serve a local web page to play with your models and watch your runs train."""
    from codeling.app.models import AppLimits, load_models, run_checkpoints
    from codeling.app.runs import find_runs
    from codeling.app.serve import AppSettings, check_address, free_port, is_loopback, launch
    from codeling.sandbox import SandboxConfig

    # Every flag is checked before a model is loaded: a bad one costs no waiting.
    check_address(host, port)
    SandboxConfig(mode=sandbox)
    limits = AppLimits(max_input, max_tokens, timeout, concurrency)
    if not model and runs is not None:  # `codeling serve --runs runs` after the demo: serve its models
        model = run_checkpoints(runs, find_runs(runs))
    settings = AppSettings(load_models(model, device=options.device(device)), runs, limits, sandbox)
    for served in settings.models.values():
        if served.error:
            console.print(f"warning: {served.error}", markup=False, highlight=False)
    if not is_loopback(host):
        console.print(
            f"warning: listening on {host}: anyone who can reach this machine can use the page and run "
            "code in its sandbox. Use --host 127.0.0.1 to keep it to this machine.",
            markup=False,
        )
    port = port or free_port(host)
    console.print(f"codeling serve: open http://{host}:{port} (Ctrl+C stops)", markup=False, highlight=False)
    launch(settings, host=host, port=port, block=True)
