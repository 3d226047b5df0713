"""The demo recipe (`codeling demo`, what `make demo` runs): generate TinyPy programs, train the
`tiny` preset to predict their output, score it per level on held-out programs, and leave the
checkpoint, metrics, loss plot and report in the run directory. Sized for about 10 minutes on two
CPU cores: training takes its 8-minute budget on a CPU (a GPU reaches max_steps sooner); `quick`
is a one-minute version of the same path for CI.

The demo's programs use literals 0-9, the range of the older public TinyPy files: a tiny model can
learn that arithmetic in minutes, while 0-255 literals (the generator's default) need far longer
training (see docs/RESULTS.md).
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from codeling import atomic
from codeling.config import Config, load_config
from codeling.errors import CodelingError
from codeling.tinypy.builder import Knobs
from codeling.tinypy.dataset import build_dataset
from codeling.tinypy.evaluate import EvalReport, evaluate
from codeling.tinypy.generator import generate
from codeling.train.plot import plot_run

MARKER = "demo.json"  # written first, so a later demo knows the directory is its own to replace


@dataclass(frozen=True)
class Plan:
    programs: int  # distinct programs generated, test set included
    test_programs: int
    max_steps: int
    overrides: tuple[str, ...]
    knobs: Knobs = Knobs(literals=(0, 9))


# Rotary positions: a variable's value sits a fixed distance after its name wherever the program
# starts in the window, and relative positions learn that look-up about 3x sooner; 8 heads of 16
# instead of 4 of 32 helped a little more at the same cost. Muon on the block matrices learns the
# look-up sooner still, and takes twice the learning rate AdamW wanted (6e-3; 1e-2 was no better).
# Three layers instead of the preset's four fit 40% more steps in the budget and end 2 points higher.
# The schedule runs on time: the cosine decay ends when the 8-minute budget does, however many
# steps the machine fits in it (about 2,200 on two idle cores); max_steps only caps a fast machine.
# See docs/RESULTS.md for each of these measured.
MODEL = ("model.block_size=128", "model.positions=rotary", "model.n_layer=3", "model.n_head=8", "train.optimizer=muon")
FULL = Plan(programs=100_000, test_programs=700, max_steps=4000, overrides=(
    *MODEL, "data.batch_size=48", "train.schedule=time", "train.max_minutes=8",
    "train.lr=6e-3", "train.min_lr=6e-4", "train.warmup_steps=100",
    "train.eval_every=400", "train.eval_batches=10", "checkpoint.every_steps=800",
))
QUICK = Plan(programs=6_000, test_programs=200, max_steps=40, overrides=(
    *MODEL, "data.batch_size=16", "train.lr=3e-3", "train.warmup_steps=10", "train.eval_every=20", "train.eval_batches=4",
    "checkpoint.every_steps=20",
))


@dataclass
class DemoResult:
    run_dir: Path
    report: EvalReport
    seconds: dict[str, float]  # per phase: data, train, eval


def demo_config(data_dir: Path, plan: Plan) -> Config:
    return load_config(preset="tiny", overrides=[f"data.dir={data_dir}", f"train.max_steps={plan.max_steps}", *plan.overrides])


def prepare(out: Path) -> None:
    """Make `out` empty, replacing only a directory an earlier demo made."""
    if out.exists():
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise CodelingError(f"{out} exists and was not made by `codeling demo`; pass another --out or move it away.")
        shutil.rmtree(out)
    out.mkdir(parents=True)


def run_demo(
    out: str | Path = "runs/demo",
    quick: bool = False,
    seed: int = 0,
    train: Callable | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> DemoResult:
    """`train(config, run_dir)` runs the training (the CLI passes one that draws a progress bar);
    default: codeling.train.trainer.train."""
    from codeling.train.trainer import train as plain_train

    train = train or (lambda config, run_dir: plain_train(config, run_dir))
    plan = QUICK if quick else FULL
    out = Path(out)
    prepare(out)
    atomic.write_text(out / MARKER, json.dumps({"plan": asdict(plan), "seed": seed}, indent=2) + "\n")
    seconds = {}

    t0 = time.monotonic()
    generated = generate(plan.programs, "ALL", seed, plan.knobs, progress=(lambda d, t: progress("generate", d, t)) if progress else None)
    provenance = {"source": {"generator": generated.settings()}}
    data_dir = out / "data"
    build_dataset(data_dir, generated.samples, provenance, seed=seed, test_n=plan.test_programs, progress=progress)
    seconds["data"] = time.monotonic() - t0

    t0 = time.monotonic()
    train(demo_config(data_dir, plan), out)
    seconds["train"] = time.monotonic() - t0
    plot_run(out)

    t0 = time.monotonic()
    report = evaluate(out, data_dir)
    seconds["eval"] = time.monotonic() - t0
    atomic.write_text(out / "report.json", json.dumps({**report.to_json(), "seconds_by_phase": seconds}, indent=2) + "\n")
    return DemoResult(out, report, seconds)
