"""`codeling info`: what a checkpoint is (config, parameters, step, val loss)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from codeling.cli.progress import console


def info_cmd(checkpoint: Path = typer.Argument(..., help="checkpoint or run directory")):
    """Config, parameter count, step and val loss of a checkpoint."""
    from codeling.train.checkpoint import load_checkpoint

    loaded = load_checkpoint(checkpoint, with_state=True)
    state = loaded.trainer_state or {}
    table = Table(show_header=False, title=str(loaded.path))
    table.add_row("parameters", f"{loaded.model.num_params():,}")
    table.add_row("step", str(state.get("step", "?")))
    best = state.get("best_val")
    table.add_row(
        "best val loss", f"{best:.4f} (step {state.get('best_step')})" if best is not None else "not measured"
    )
    table.add_row("tokenizer", f"{loaded.tokenizer.kind}, {loaded.tokenizer.vocab_size} tokens")
    for section, values in loaded.config.model_dump().items():
        if isinstance(values, dict):
            table.add_row(section, ", ".join(f"{k}={v}" for k, v in values.items()))
    console.print(table)
