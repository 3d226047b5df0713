"""The TinyPy recipes (a loop on the TinyPy task, beside self-labelling in recipes/selflabel/):
generate programs, train a preset to predict their output, score it per level
on held-out programs, and leave the checkpoint, metrics, loss plot and report in the run directory.

- `codeling demo` (what `make demo` runs): the `tiny` preset, sized for about 10 minutes on two CPU
  cores: training takes its 8-minute budget on a CPU (a GPU reaches max_steps sooner); `quick` is a
  one-minute version of the same path for CI. Its programs use literals 0-9, the range of the older
  public TinyPy files: a tiny model can learn that arithmetic in minutes, while 0-255 literals (the
  generator's default) need far longer training (see docs/RESULTS.md).
- `codeling tinypy datahack` (the GPU result): the `datahack` preset on the public generator's
  ALL mix (literals 0-255) for a time budget, scored in distribution and on out-of-distribution
  sets (longer loops, 3-4 digit literals, more statements) generated apart from the training data.
  With `grammar="codetracing"` the same path runs on the 2025 challenge's grammar and its own
  out-of-distribution sets (more statements, deeper nesting, longer loops, larger literals).
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field

from codeling import atomic, rundir
from codeling.config import PRESETS, Config, Training, deep_merge, load_settings, preset_tree
from codeling.errors import CodelingError
from codeling.tinypy import grammars
from codeling.tinypy.builder import Knobs
from codeling.tinypy.codetracing import CodeTracingKnobs
from codeling.tinypy.dataset import build_dataset, encode_example, prompt_text, target_text
from codeling.tinypy.evaluate import TinyPyReport, evaluate_tinypy
from codeling.tinypy.generator import generate
from codeling.tinypy.sample import format_samples
from codeling.tokenizers.tinypy import TinyPyTokenizer
from codeling.train.distributed import pick_device
from codeling.train.plot import plot_run
from codeling.train.progress import Report, restaged
from codeling.train.trainer import train

MARKER = rundir.RECIPE  # written first, so a later recipe run knows the directory is its own to replace


@dataclass(frozen=True)
class OutOfDistribution:
    name: str
    levels: str  # ignored by the code-tracing grammar
    knobs: Knobs | CodeTracingKnobs


class Plan(Training):
    """A recipe's settings: the programs, how they are scored, and the trainer's sections (model,
    data, train, checkpoint, log) laid over codeling's `trainer_preset`."""

    programs: int = Field(ge=2, description="distinct programs generated, test set included")
    test_programs: int = Field(ge=1)
    knobs: Knobs | CodeTracingKnobs = Knobs(literals=(0, 9))
    trainer_preset: str = "tiny"
    ood: tuple[OutOfDistribution, ...] = ()
    ood_programs: int = Field(500, ge=1, description="per out-of-distribution set")
    trace: bool = False  # learn the whole execution trace (#STEP format), not just the output
    # Programs whose example (prompt + answer) is longer than this many tokens are dropped before the
    # split, so every training example fits the model's window whole; how many is recorded.
    max_example_tokens: int | None = Field(None, ge=1)


def load_plan(tree: dict, overrides: list[str] | tuple[str, ...] = ()) -> Plan:
    """A plan from its settings tree laid over its trainer preset, then `--set` overrides; a bad key
    or value is one sentence, before anything is written."""
    trainer = preset_tree(PRESETS, tree.get("trainer_preset", "tiny"))
    return load_settings(Plan, {}, base=deep_merge(trainer, tree), overrides=list(overrides), what="recipe setting")


# Rotary positions: a variable's value sits a fixed distance after its name wherever the program
# starts in the window, and relative positions learn that look-up about 3x sooner; 8 heads of 16
# instead of 4 of 32 helped a little more at the same cost. Muon on the block matrices learns the
# look-up sooner still, and takes twice the learning rate AdamW wanted (6e-3; 1e-2 was no better).
# Three layers instead of the preset's four fit 40% more steps in the budget and end 2 points higher.
# No QK-norm, although a logit scale of 0.7 on RMS-normalised queries and keys measured about 1
# point higher at the whole budget (2 at half of it, far more when a busy machine fits few steps):
# no llama.cpp architecture computes it, and without it the demo's model is exactly GPT-NeoX's, so
# `codeling export runs/demo --format gguf` runs in llama.cpp (docs/EXPORT.md says why).
# The schedule runs on time: the cosine decay ends when the 8-minute budget does, however many
# steps the machine fits in it (about 2,200 on two idle cores); max_steps only caps a fast machine.
# See docs/RESULTS.md for each of these measured.
MODEL = {
    "model": {"block_size": 128, "positions": "rotary", "n_layer": 3, "n_head": 8},
    "train": {"optimizer": "muon"},
}
FULL_TREE = deep_merge(
    MODEL,
    {
        "programs": 100_000,
        "test_programs": 700,
        "data": {"batch_size": 48},
        "train": {
            "max_steps": 4000,
            "schedule": "time",
            "max_minutes": 8,
            "lr": 6e-3,
            "min_lr": 6e-4,
            "warmup_steps": 100,
            "eval_every": 400,
            "eval_batches": 10,
        },
        "checkpoint": {"every_steps": 800},
    },
)
QUICK_TREE = deep_merge(
    MODEL,
    {
        "programs": 6_000,
        "test_programs": 200,
        "data": {"batch_size": 16},
        "train": {"max_steps": 40, "lr": 3e-3, "warmup_steps": 10, "eval_every": 20, "eval_batches": 4},
        "checkpoint": {"every_steps": 20},
    },
)

# The out-of-distribution sets: each stretches one knob past what training saw.
OOD_SETS = (
    OutOfDistribution("longer loops (4-8 iterations)", "3.1,3.2,4.1", Knobs(loop_iterations=(4, 8))),
    OutOfDistribution("3-4 digit literals", "ALL", Knobs(literals=(100, 9999))),
    OutOfDistribution("more statements (2-4 extra)", "ALL", Knobs(extra_statements=(2, 4))),
)
# The code-tracing grammar's: each stretches one of its knobs (training: 5-10 statements, depth 2,
# loops of 1-20 iterations, literals 0-255).
CODETRACING_OOD_SETS = (
    OutOfDistribution("more statements (12-16)", "", CodeTracingKnobs(statements=(12, 16))),
    OutOfDistribution("deeper nesting (up to 3)", "", CodeTracingKnobs(depth=3)),
    OutOfDistribution("longer loops (21-40 iterations)", "", CodeTracingKnobs(loop_iterations=(21, 40))),
    OutOfDistribution("larger literals (256-999)", "", CodeTracingKnobs(literals=(256, 999))),
)
# The GPU recipe carries over what the CPU screens found (rotary positions, Muon, a time schedule);
# its learning rate is a guess for a 384-wide model until a GPU run measures it.
DATAHACK_TREE = {
    "programs": 2_000_000,
    "test_programs": 2000,
    "knobs": Knobs(),
    "trainer_preset": "datahack",
    "ood": OOD_SETS,
    "model": {"block_size": 256, "positions": "rotary"},
    "data": {"batch_size": 256},
    "train": {
        "max_steps": 1_000_000,
        "optimizer": "muon",
        "lr": 3e-3,
        "min_lr": 3e-4,
        "warmup_steps": 300,
        "schedule": "time",
        "max_minutes": 50,
        "eval_every": 1000,
        "eval_batches": 20,
    },
    "checkpoint": {"every_steps": 2000, "every_minutes": 10},
}
FULL, QUICK, DATAHACK = load_plan(FULL_TREE), load_plan(QUICK_TREE), load_plan(DATAHACK_TREE)


def for_grammar(tree: dict, grammar: str, trace: bool, window: int) -> dict:
    """A plan's tree on the code-tracing grammar and/or learning traces. Its programs and answers are
    longer than the levels' outputs (median output example 96 tokens, trace example about 1,000), so
    the window grows to `window` and examples longer than it are dropped; out-of-distribution sets
    are skipped for traces (their longer loops write traces far past any window trained on)."""
    grammars.check(grammar)
    if grammar == "levels" and not trace:
        return tree
    tracing = grammar == "codetracing"
    changes = {
        "knobs": CodeTracingKnobs() if tracing else tree.get("knobs", Knobs(literals=(0, 9))),
        "ood": () if trace else CODETRACING_OOD_SETS,
        "trace": trace,
        "max_example_tokens": window,
        "model": {"block_size": window},
    }
    return deep_merge(tree, changes)


# On two CPU cores a window of 256 covers 98% of the code-tracing grammar's output examples, and
# one of 512 the 16% of its traces that are short (programs without long loops): a trace model
# there is a study of the format, not of the grammar; the GPU recipe's 2048 keeps 63%.
CPU_WINDOW = {False: 256, True: 512}
GPU_WINDOW = {False: 256, True: 2048}


def demo_plan(grammar: str = "levels", trace: bool = False, quick: bool = False, overrides=()) -> Plan:
    """The CPU demo (FULL, or QUICK) on a grammar, then `--set` overrides. A trace window holds 4x
    the tokens of an output one, so its batch is 4x smaller (the same tokens a step)."""
    tree = QUICK_TREE if quick else FULL_TREE
    grammars.check(grammar)
    if grammar != "levels" or trace:
        tree = for_grammar(tree, grammar, trace, CPU_WINDOW[trace])
        if trace:
            tree = deep_merge(tree, {"data": {"batch_size": 4 if quick else 12}})
        tree = {**tree, "ood_programs": 50 if quick else 200}
    return load_plan(tree, overrides)


def datahack_plan(
    minutes: float,
    programs: int,
    preset: str = "datahack",
    ood_programs: int = 500,
    overrides: tuple[str, ...] = (),
    grammar: str = "levels",
    trace: bool = False,
    device: str = "auto",
) -> Plan:
    """DATAHACK with a user's budget, size and overrides (theirs win) on `device` (train.device);
    compiled where that device, overrides included, is a GPU (unless an override says otherwise).
    `grammar="codetracing"` trains on the 2025 grammar and scores on its out-of-distribution sets."""
    if minutes <= 0 or programs < 2 or ood_programs < 1:
        raise CodelingError(
            "--minutes, --programs and --ood-programs must be positive (and --programs at least 2); pass larger values."
        )
    tree = for_grammar(DATAHACK_TREE, grammar, trace, GPU_WINDOW[trace])
    sized = {
        "programs": programs,
        "test_programs": min(DATAHACK.test_programs, max(1, programs // 10)),  # small trial runs keep most for training
        "trainer_preset": preset,
        "ood_programs": ood_programs,
        "train": {"max_minutes": minutes, "device": device},
    }
    tree = deep_merge(tree, sized)
    if pick_device(load_plan(tree, overrides).train.device).type == "cuda":
        tree = deep_merge(tree, {"train": {"compile": True}})
    return load_plan(tree, overrides)


@dataclass
class RecipeResult:
    run_dir: Path
    report: TinyPyReport
    seconds: dict[str, float]  # per phase: data, train, eval
    training: dict = field(default_factory=dict)  # steps, tokens, device
    ood: dict[str, TinyPyReport] = field(default_factory=dict)  # out-of-distribution set name -> report
    dropped: int = 0  # generated programs left out: longer than the window


def demo_config(data_dir: Path, plan: Plan) -> Config:
    """The trainer's Config of a plan, on `data_dir`."""
    return plan.trainer_config(plan.trainer_preset, data_dir)


def prepare(out: Path) -> None:
    """Make `out` empty, replacing only a directory an earlier recipe run made."""
    if (out / MARKER).is_file():
        shutil.rmtree(out)
    rundir.refuse_occupied(out, "files not made by a codeling recipe (`codeling demo`, `codeling tinypy datahack`)")
    out.mkdir(parents=True, exist_ok=True)


def run_recipe(
    out: str | Path,
    plan: Plan,
    seed: int = 0,
    progress: Report | None = None,
) -> RecipeResult:
    """Generate, build, train, plot and score `plan` in `out`; `progress` receives the counts of
    the data phase and the training's events (the CLI draws them as bars)."""
    out = Path(out)
    data_dir = out / rundir.DATA
    config = demo_config(data_dir, plan)
    prepare(out)
    atomic.write_text(out / MARKER, json.dumps({"plan": plan.model_dump(mode="json"), "seed": seed}, indent=2) + "\n")
    seconds = {}

    t0 = time.monotonic()
    generated = generate(plan.programs, "ALL", seed, plan.knobs, trace=plan.trace, progress=progress)
    samples, dropped = fitting(generated.samples, plan)
    provenance = {"source": {"generator": generated.settings()}, "dropped_longer_than_window": dropped}
    build_dataset(
        data_dir, samples, provenance, trace=plan.trace, seed=seed, test_n=plan.test_programs, progress=progress
    )
    ood_files = write_ood_sets(out / rundir.OOD, plan, seed, {s.program for s in generated.samples}, progress)
    seconds["data"] = time.monotonic() - t0

    t0 = time.monotonic()
    trained = train(config, out, progress=progress)
    seconds["train"] = time.monotonic() - t0
    plot_run(out)

    t0 = time.monotonic()
    device = pick_device(config.train.device).type  # scored where it trained; the report says cpu or cuda
    report = evaluate_tinypy(out, data_dir, device=device, trace=plan.trace)
    ood = {name: evaluate_tinypy(out, file, device=device, trace=plan.trace) for name, file in ood_files.items()}
    seconds["eval"] = time.monotonic() - t0
    training = {"steps": trained.step, "tokens": trained.tokens, "seconds": round(trained.seconds, 1), "device": device}
    data = {"programs": len(samples), "dropped_longer_than_window": dropped, "window": plan.max_example_tokens}
    payload = {**report.to_json(), "seconds_by_phase": seconds, "training": training, "data": data}
    if ood:
        payload["out_of_distribution"] = {name: r.to_json() for name, r in ood.items()}
    atomic.write_text(out / rundir.REPORT, json.dumps(payload, indent=2) + "\n")
    return RecipeResult(out, report, seconds, training, ood, dropped)


def fitting(samples: list, plan: Plan) -> tuple[list, int]:
    """The samples whose whole example fits `plan.max_example_tokens`, and how many did not."""
    if plan.max_example_tokens is None:
        return samples, 0
    tokenizer = TinyPyTokenizer()
    # No token is longer than the longest in the vocabulary, so text longer than that many times the
    # window cannot fit: refusing it unread skips encoding the longest traces (a million tokens).
    most_chars = plan.max_example_tokens * max(map(len, tokenizer.tokens))

    def fits(sample) -> bool:
        text = prompt_text(sample.program, plan.trace) + target_text(
            sample.output, sample.trace if plan.trace else None
        )
        return (
            len(text) <= most_chars and len(encode_example(tokenizer, sample, plan.trace)[0]) <= plan.max_example_tokens
        )

    kept = [s for s in samples if fits(s)]
    return kept, len(samples) - len(kept)


def write_ood_sets(ood_dir: Path, plan: Plan, seed: int, seen: set[str], progress: Report | None) -> dict[str, Path]:
    """One level-tagged output-format file per out-of-distribution set, none of its programs seen in training."""
    files = {}
    for i, ood in enumerate(plan.ood, start=1):
        result = generate(
            plan.ood_programs, ood.levels, seed + 1000 * i, ood.knobs, skip=seen, progress=restaged(progress, ood.name)
        )
        files[ood.name] = ood_dir / f"ood-{i}.txt"
        atomic.write_text(files[ood.name], format_samples(result.samples, level_tag=True))
    return files
