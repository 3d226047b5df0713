"""Core verbs: data text, train, generate, info, plot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from codeling.errors import CodelingError

console = Console()
err_console = Console(stderr=True)

data_app = typer.Typer(help="Make token shards to train on.", no_args_is_help=True)


@data_app.command("text")
def data_text(
    file: Path = typer.Argument(..., help="any UTF-8 text file"),
    out: Path = typer.Option(..., "--out", help="directory to write train.bin, val.bin, manifest.json into"),
    val_fraction: float = typer.Option(0.1, help="the file's last fraction kept for validation"),
    overwrite: bool = typer.Option(False, help="replace an existing data directory"),
):
    """Character-level shards from a text file (nanoGPT's shakespeare_char path)."""
    from codeling.data.text import text_to_shards

    manifest = text_to_shards(file, out, val_fraction, overwrite)
    splits = manifest["splits"]
    console.print(
        f"wrote {out}: vocabulary {manifest['tokenizer']['vocab_size']} characters, "
        f"{splits['train']['tokens']:,} train and {splits['val']['tokens']:,} val tokens"
    )


class TrainView:
    """Renders trainer events as a rich progress bar plus one line per eval and checkpoint.
    Subclasses (the population view) change what the start, step and eval lines say."""

    def __init__(self):
        self.progress = Progress(
            TextColumn("[bold]{task.fields[where]}"),
            BarColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
        )
        self.task = None
        self.budget_s, self.max_steps = None, 0

    def start_line(self, event) -> str:
        d = event.data
        return (f"training {d['params'] / 1e6:.2f}M parameters on {d['device']} ({d['precision']}), "
                f"{d['tokens_per_step']:,} tokens a step, from step {event.step}")

    def step_status(self, d: dict) -> str:
        status = f"loss {d['loss']:.4f}  lr {d['lr']:.2e}  {d['tokens_per_s']:,.0f} tok/s"
        return status + (f"  MFU {d['mfu'] * 100:.1f}%" if "mfu" in d else "")

    def where(self, step: int, seconds: float) -> str:
        if self.budget_s:  # a time-scheduled run: its end is the time budget, not a step
            return f"step {step}, {seconds / 60:.1f}/{self.budget_s / 60:g} min"
        return f"step {step}/{self.max_steps}"

    def eval_line(self, event) -> str:
        return f"step {event.step}: val loss {event.data['loss']:.4f}{'  (best)' if event.data['best'] else ''}"

    def __call__(self, event) -> None:
        d = event.data
        if event.kind == "start":
            console.print(self.start_line(event))
            self.progress.start()
            self.budget_s, self.max_steps = d.get("budget_s"), d["max_steps"]
            total, done = (self.budget_s, d.get("seconds", 0.0)) if self.budget_s else (self.max_steps, event.step)
            self.task = self.progress.add_task("train", total=total, completed=done, status="", where=self.where(event.step, done))
        elif event.kind == "step":
            done = min(d["time"], self.budget_s) if self.budget_s else event.step
            self.progress.update(self.task, completed=done, status=self.step_status(d), where=self.where(event.step, done))
        elif event.kind == "eval":
            self.progress.console.print(self.eval_line(event))
        elif event.kind == "skipped":
            self.progress.console.print(f"[yellow]skipping damaged checkpoint {d['path']}: {d['problem']}")
        elif event.kind == "end":
            self.progress.stop()

    def stop(self):
        self.progress.stop()


def run_training(config, out: Path, resume: bool):
    """Train with a progress view; used by `train` and by recipes such as the demo."""
    from codeling.train.trainer import train

    view = TrainView()
    try:
        return train(config, out, resume=resume, on_event=view)
    finally:
        view.stop()


def train_cmd(
    data: Optional[Path] = typer.Option(None, "--data", help="data directory (train.bin, val.bin, manifest.json)"),
    out: Path = typer.Option(..., "--out", help="run directory: checkpoints, metrics.jsonl, tb/, loss.png"),
    config: Optional[Path] = typer.Option(None, "--config", help="YAML config file"),
    preset: Optional[str] = typer.Option(None, "--preset", help="tiny, datahack, era, small or medium"),
    set_: List[str] = typer.Option([], "--set", help="override: section.key=value, e.g. train.lr=3e-4 (repeatable)"),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", help="shorthand for --set train.max_steps=N"),
    resume: bool = typer.Option(False, "--resume", help="continue the run in --out from its newest valid checkpoint"),
):
    """Train a GPT. Ctrl+C (or SIGTERM) finishes the step, saves, and exits; --resume continues."""
    from codeling.config import load_config
    from codeling.train.checkpoint import latest_valid
    from codeling.train.distributed import from_env

    overrides = list(set_)
    if data is not None:
        overrides.append(f"data.dir={data}")
    if max_steps is not None:
        overrides.append(f"train.max_steps={max_steps}")
    base = None
    if resume and config is None and preset is None:
        # Resuming with no config given: continue with the run's own, plus any overrides.
        found, _ = latest_valid(out)
        if found is None:
            raise CodelingError(f"{out} holds no valid checkpoint to resume from; start without --resume.")
        base = json.loads((found / "config.json").read_text())
    cfg = load_config(preset=preset, path=config, overrides=overrides, base=base)
    result = run_training(cfg, out, resume)
    if not from_env().is_main:
        return  # under torchrun, rank 0 speaks for the job
    val = f"{result.best_val_loss:.4f} at step {result.best_step}" if result.best_val_loss is not None else "not measured"
    console.print(f"{result.stopped} at step {result.step}; best val loss {val}; checkpoint {result.checkpoint}")
    if result.stopped == "interrupted":
        console.print(f"resume with: codeling train --out {out} --resume")


def generate_cmd(
    checkpoint: Path = typer.Argument(..., help="checkpoint or run directory"),
    prompt: str = typer.Option("", "--prompt", help="text to continue"),
    max_new_tokens: int = typer.Option(200, "--max-new-tokens"),
    temperature: float = typer.Option(0.8, "--temperature", help="0 means greedy"),
    top_k: Optional[int] = typer.Option(None, "--top-k"),
    top_p: Optional[float] = typer.Option(None, "--top-p"),
    num_samples: int = typer.Option(1, "--num-samples", "-n", help="samples of the prompt, decoded in one batch"),
    stop: List[str] = typer.Option([], "--stop", help="stop string (repeatable)"),
    seed: int = typer.Option(0, "--seed"),
    device: str = typer.Option("cpu", "--device"),
    int8: bool = typer.Option(False, "--int8", help="int8 dynamic quantisation of the linear layers (CPU only; see docs/EXPORT.md)"),
):
    """Sample text from a checkpoint, streaming to the terminal."""
    from codeling.generate import Sampling, generate_text
    from codeling.train.checkpoint import load_checkpoint

    loaded = load_checkpoint(checkpoint, device=device)
    if int8:
        from codeling.quantize import quantize_int8

        loaded.model = quantize_int8(loaded.model)
    sampling = Sampling(max_new_tokens, temperature, top_k, top_p, seed, list(stop))
    if num_samples == 1:
        shown = [0]

        def stream(texts: list[str]) -> None:
            console.print(texts[0][shown[0] :], end="", markup=False, highlight=False, soft_wrap=True)
            shown[0] = len(texts[0])

        console.print(prompt, end="", markup=False, highlight=False, soft_wrap=True)
        text = generate_text(loaded.model, loaded.tokenizer, [prompt], sampling, on_text=stream)[0]
        console.print(text[shown[0] :], markup=False, highlight=False, soft_wrap=True)
        return
    texts = generate_text(loaded.model, loaded.tokenizer, [prompt], sampling, num_samples=num_samples)
    for i, text in enumerate(texts):
        console.rule(f"sample {i + 1}")
        console.print(prompt + text, markup=False, highlight=False, soft_wrap=True)


def info_cmd(checkpoint: Path = typer.Argument(..., help="checkpoint or run directory")):
    """Config, parameter count, step and val loss of a checkpoint."""
    from codeling.train.checkpoint import load_checkpoint

    loaded = load_checkpoint(checkpoint, with_state=True)
    state = loaded.trainer_state or {}
    table = Table(show_header=False, title=str(loaded.path))
    table.add_row("parameters", f"{loaded.model.num_params():,}")
    table.add_row("step", str(state.get("step", "?")))
    best = state.get("best_val")
    table.add_row("best val loss", f"{best:.4f} (step {state.get('best_step')})" if best is not None else "not measured")
    table.add_row("tokenizer", f"{loaded.tokenizer.kind}, {loaded.tokenizer.vocab_size} tokens")
    for section, values in loaded.config.model_dump().items():
        if isinstance(values, dict):
            table.add_row(section, ", ".join(f"{k}={v}" for k, v in values.items()))
    console.print(table)


def plot_cmd(
    run_dir: Path = typer.Argument(..., help="run directory holding metrics.jsonl"),
    out: Optional[Path] = typer.Option(None, "--out", help="image path (default RUN_DIR/loss.png)"),
):
    """Draw loss.png (train/val loss, learning rate); for `codeling evolve` runs, every member and who copied whom."""
    if (run_dir / "lineage.jsonl").is_file():
        from codeling.evolve.plot import plot_population

        console.print(f"wrote {plot_population(run_dir, out)}")
        return
    from codeling.train.plot import plot_run

    console.print(f"wrote {plot_run(run_dir, out)}")


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
    app.command("train")(train_cmd)
    app.command("generate")(generate_cmd)
    app.command("info")(info_cmd)
    app.command("plot")(plot_cmd)
