"""The one progress display every verb uses: rich bars for a long job's stages and for training.

The library reports progress as `Progress` values (train/progress.py) and never prints; a `Bars` is
the callback the CLI hands it, `bars(progress)`:
- a count (kind "count"): one bar per stage (generate, tokenize train, decode, sample, run, ...);
- a training loop's kinds (start, step, eval, skipped, notice, end): a bar with loss, lr and
  throughput, plus one printed line per eval. A population's view subclasses it and changes only
  what the lines say (start_line, step_status, eval_line);
- a loop's round (kind "round", the round's row in `data`): one printed line, `round_line(r, row)`
  (the loop's verb says what its rows hold).

Use it as a context manager: the bars draw while the block runs and stop, whatever happens.
"""

from __future__ import annotations

from collections.abc import Callable

from rich import progress as rich
from rich.console import Console

from codeling.train.progress import Progress

console = Console()


class Bars:
    def __init__(self, round_line: Callable[[int, dict], str] | None = None):
        self.round_line = round_line
        self.progress = rich.Progress(
            rich.TextColumn("[bold]{task.description}"),
            rich.BarColumn(),
            rich.TextColumn("{task.fields[status]}"),
            rich.TimeElapsedColumn(),
            rich.TimeRemainingColumn(),
            console=console,
        )
        self.tasks: dict[str, int] = {}
        self.budget_s, self.max_steps = None, 0

    def __enter__(self) -> Bars:
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def print(self, *args, **kwargs) -> None:
        """Print above the bars without tearing them."""
        self.progress.console.print(*args, **kwargs)

    # A long job's stages.

    def update(self, stage: str, done: int, total: int | None, status: str = "") -> None:
        """One stage's bar; `bars(Progress.count(...))` draws through here."""
        counted = f"{stage} {done:,}/{total:,}" if total is not None else f"{stage} {done:,}"
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(counted, total=total, status=status)
        self.progress.update(self.tasks[stage], completed=done, total=total, description=counted, status=status)

    # Training events. What the lines say; a population's view overrides these three.

    def start_line(self, event) -> str:
        d = event.data
        return (
            f"training {d['params'] / 1e6:.2f}M parameters on {d['device']} ({d['precision']}), "
            f"{d['tokens_per_step']:,} tokens a step, from step {event.step}"
        )

    def step_status(self, d: dict) -> str:
        status = f"loss {d['loss']:.4f}  lr {d['lr']:.2e}  {d['tokens_per_s']:,.0f} tok/s"
        return status + (f"  MFU {d['mfu'] * 100:.1f}%" if "mfu" in d else "")

    def eval_line(self, event) -> str:
        return f"step {event.step}: val loss {event.data['loss']:.4f}{'  (best)' if event.data['best'] else ''}"

    def where(self, step: int, seconds: float) -> str:
        if self.budget_s:  # a time-scheduled run: its end is the time budget, not a step
            return f"step {step}, {seconds / 60:.1f}/{self.budget_s / 60:g} min"
        return f"step {step}/{self.max_steps}"

    def __call__(self, event: Progress) -> None:
        d = event.data
        if event.kind == "count":
            self.update(event.stage, event.done, event.total, event.status)
        elif event.kind == "start":
            self.print(self.start_line(event))
            self.budget_s, self.max_steps = d.get("budget_s"), d["max_steps"]
            total, done = (self.budget_s, d.get("seconds", 0.0)) if self.budget_s else (self.max_steps, event.step)
            self.tasks["train"] = self.progress.add_task(
                self.where(event.step, done), total=total, completed=done, status=""
            )
        elif event.kind == "step":
            done = min(d["time"], self.budget_s) if self.budget_s else event.step
            self.progress.update(
                self.tasks["train"],
                completed=done,
                status=self.step_status(d),
                description=self.where(event.step, done),
            )
        elif event.kind == "eval":
            self.print(self.eval_line(event))
        elif event.kind == "round" and self.round_line is not None:
            self.print(self.round_line(event.step, event.data))
        elif event.kind == "skipped":
            self.print(f"[yellow]skipping damaged checkpoint {d['path']}: {d['problem']}")
        elif event.kind == "notice":
            self.print(f"[yellow]{d['message']}")
