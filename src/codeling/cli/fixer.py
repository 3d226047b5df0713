"""`codeling fixer train`: train the helper's fixer model on broken beginner programs, for
`codeling fix FILE.py --model DIR`. (`fix` itself takes a file, so the model has its own verb.)"""

from __future__ import annotations

from pathlib import Path

import typer

from codeling.cli import options
from codeling.cli.progress import Bars, console

app = typer.Typer(help="The fixer model of `codeling fix --model`.", no_args_is_help=True)


@app.command("train")
def train_cmd(
    out: Path = options.out("run directory: data/ (the example shards), checkpoints/, best, metrics.jsonl"),
    preset: str | None = typer.Option(
        None, "--preset", help="the fixer's own presets: cpu (the default; under 10 minutes on 2 cores) or smoke"
    ),
    config: Path | None = options.CONFIG,
    set_: list[str] = typer.Option(
        [], "--set", help="override: examples.tinypy=300, model.n_layer=2, train.lr=3e-4, ... (repeatable)"
    ),
    steps: int | None = typer.Option(None, "--steps", help="optimizer steps (default: the preset's)"),
    seed: int = options.seed("seeds the programs, the corruptions and the training"),
) -> None:
    """Break beginner programs on purpose and train a small model to write the repaired line.

    Some kinds of mistake and some program families are held out of training (listed in
    DIR/data/manifest.json) so that benchmarks/helper_fix.py can measure how well it generalises."""
    from codeling.helper.fixer.model import load_fixer_settings, train_fixer

    # --steps and --seed are shorthands for --set, so they are validated with the rest.
    shorthands = [f"seed={seed}"] + (
        [f"train.max_steps={steps}", f"checkpoint.every_steps={steps}"] if steps is not None else []
    )
    settings = load_fixer_settings(preset, config, [*shorthands, *set_])
    console.print("building the examples (a minute for the cpu preset)")
    with Bars() as bars:
        best = train_fixer(out, settings, progress=bars)
    console.print(f"fixer: {best}; use it with: codeling fix FILE.py --model {out}")
