"""The fixer model: a small GPT trained by codeling on broken beginner programs (helper/fixer/data.py)
to write the one line that repairs a mistake, for what the rules cannot do.

It only proposes. Its candidates join the rules' in verify.py, where a fix is offered only if it
compiles, runs in the sandbox without the old error or a new one and passes any tests; a model
line that does not verify is never shown.

    fixer = Fixer.load("runs/fixer")
    fix_program(source, model=fixer)
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from codeling import rundir
from codeling.config import PRESETS as config_presets
from codeling.config import Training, deep_merge, load_settings, validate
from codeling.data.shards import SplitArrays, write_shards
from codeling.errors import CodelingError
from codeling.generate import Sampling, generate_text, one_thread_if_small
from codeling.helper import words
from codeling.helper.explain.explain import Problem
from codeling.helper.fixer import data as fixdata
from codeling.helper.repair.rules import Candidate
from codeling.tokenizers.bpe import BPETokenizer
from codeling.train.checkpoint import load_checkpoint
from codeling.train.progress import Report
from codeling.train.trainer import train

TASK = "helper-fix"  # what the shards' manifest (and so the checkpoint's config.task) says the data is


class FixerExamples(BaseModel):
    """What the fixer learns from: which programs are broken, how often, and the BPE learned on them."""

    model_config = ConfigDict(extra="forbid")

    tinypy: int = Field(1500, ge=0, description="TinyPy programs drawn")
    tasks: bool = Field(True, description="the task suite's reference solutions")
    pygame: bool = Field(True, description="pygame's example programs")
    per_kind: int = Field(3, ge=1, description="corruptions of each kind per program, per 20 lines of it")
    vocab: int = Field(1024, ge=260, description="BPE vocabulary learned on the examples")


class FixerSettings(Training):
    """`codeling fixer train`'s settings: the examples, the seed, and the trainer's sections
    (model, data, train, checkpoint, log) that codeling's `tiny` preset starts from."""

    preset: str | None = None
    seed: int = Field(0, description="seeds the programs and the corruptions; the training's is train.seed + seed")
    examples: FixerExamples = FixerExamples()


def _on_tiny(changes: dict) -> FixerSettings:
    return validate(deep_merge(config_presets["tiny"], changes), FixerSettings, "fixer setting")


# Validated when imported, so a preset cannot hold a typo; `load_fixer_settings` starts from one.
PRESETS = {
    # A few seconds: a one-layer model that proves the path works, not one that fixes much.
    "smoke": _on_tiny(
        {
            "examples": {"tinypy": 30, "tasks": False, "pygame": False, "per_kind": 1, "vocab": 300},
            "model": {"n_layer": 1, "n_head": 2, "n_embd": 32, "block_size": 192},
            "data": {"batch_size": 8},
            "train": {"max_steps": 8, "warmup_steps": 2, "eval_every": 8, "eval_batches": 1},
            "checkpoint": {"every_steps": 8},
            "log": {"tensorboard": False},
        }
    ),
    # Under ten minutes on two CPU cores whatever else they run: about a minute of examples, then
    # codeling's tiny model (4 layers, 128 wide) for an 8-minute budget, its schedule following the
    # clock; max_steps (3000) only caps a fast machine.
    "cpu": _on_tiny(
        {
            "examples": {"tinypy": 1500, "tasks": True, "pygame": True, "per_kind": 3, "vocab": 1024},
            "model": {"block_size": 128},
            "data": {"batch_size": 32},
            "train": {
                "max_steps": 3000,
                "warmup_steps": 50,
                "max_minutes": 8,
                "schedule": "time",
                "eval_every": 250,
                "eval_batches": 5,
            },
            "checkpoint": {"every_steps": 3000},
            "log": {"tensorboard": False},
        }
    ),
}


def load_fixer_settings(
    preset: str | None = "cpu", path: str | Path | None = None, overrides: list[str] | None = None
) -> FixerSettings:
    """A preset, then a YAML file, then `--set` overrides; a bad key or value is one sentence."""
    trees = {name: settings.model_dump() for name, settings in PRESETS.items()}
    return load_settings(FixerSettings, trees, preset, path, overrides, default_preset="cpu", what="fixer setting")


def programs_for(examples: FixerExamples, seed: int = 0) -> list[fixdata.Program]:
    found = fixdata.own_programs() + fixdata.tinypy_programs(examples.tinypy, seed)
    if examples.tasks:
        found += fixdata.task_programs()
    if examples.pygame:
        found += fixdata.pygame_programs()
    return found


def build_data(out: Path, settings: FixerSettings, seed: int = 0) -> dict:
    """Example shards of the training programs and kinds in `out`; the held-out ones never enter."""
    examples = settings.examples
    train_programs, held = fixdata.split_programs(programs_for(examples, seed))
    pairs = fixdata.examples(train_programs, fixdata.TRAIN_KINDS, examples.per_kind, seed)
    shuffled = list(pairs)
    random.Random(seed).shuffle(shuffled)
    n_val = max(1, len(shuffled) // 20)
    val, training = shuffled[:n_val], shuffled[n_val:]
    texts = [p + c for p, c in training[:20_000]]
    tokenizer = BPETokenizer.train(texts, vocab_size=examples.vocab, min_frequency=2)
    arrays = {
        name: SplitArrays.from_examples(_encode(tokenizer, p, c) for p, c in part)
        for name, part in (("train", training), ("val", val))
    }
    provenance = {
        "task": TASK,
        "mode": "line",
        "example": "BOS + prompt + completion + EOS; loss mask 1 on completion and EOS",
        "kinds": list(fixdata.TRAIN_KINDS),
        "held_out_kinds": list(fixdata.HELD_OUT_KINDS),
        "held_out_families": sorted({p.family for p in held}),
        "training_programs": len(train_programs),
        "examples": len(pairs),
        "preset": settings.preset,
        "example_settings": examples.model_dump(),
        "seed": seed,
    }
    return write_shards(out, arrays, tokenizer, provenance, overwrite=True)


def _encode(tokenizer: BPETokenizer, prompt: str, completion: str) -> tuple[list[int], list[int]]:
    """Only the completion (and EOS) is learned: the model learns to write the repair, not programs."""
    context = [tokenizer.bos_id, *tokenizer.encode(prompt)]
    target = [*tokenizer.encode(completion), tokenizer.eos_id]
    return context + target, [0] * len(context) + [1] * len(target)


def train_fixer(out: Path, settings: FixerSettings, progress: Report | None = None) -> Path:
    """Build the data in out/data and train the fixer into the run directory `out` through codeling's
    training skeleton; the best checkpoint's path. `out` must be empty or absent."""
    out = Path(out)
    rundir.refuse_occupied(out, "a fixer run")
    build_data(out / rundir.DATA, settings, settings.seed)
    config = settings.trainer_config("tiny", out / rundir.DATA)
    config.train.seed += settings.seed
    train(config, out, progress=progress)
    return (out / rundir.BEST).resolve()


class Fixer:
    """A loaded fixer checkpoint that proposes repaired lines for a mistake Python pinned to a line."""

    def __init__(self, loaded, samples: int = 4):
        self.loaded = loaded
        self.samples = samples

    @classmethod
    def load(cls, path: str | Path, samples: int = 4) -> Fixer:
        loaded = load_checkpoint(path)  # a CodelingError when the path holds no checkpoint
        if loaded.config.task.get("name") != TASK:
            raise CodelingError(
                f"{path} is not a fixer model; train one with `codeling fixer train --out DIR` and pass DIR."
            )
        return cls(loaded, samples)

    def lines(self, source: str, problem: Problem) -> list[str]:
        """The model's edits for this mistake: its best guess, then a few samples, without repeats."""
        if problem.line is None or problem.in_tests or problem.exception is None:
            return []
        prompt = fixdata.prompt_for(source, fixdata.error_text(problem.exception, problem.message), problem.line)
        model, tokenizer = self.loaded.model, self.loaded.tokenizer
        greedy = Sampling(max_new_tokens=64, temperature=0.0, stop=["\n"])
        sampled = Sampling(max_new_tokens=64, temperature=0.8, top_k=20, seed=0, stop=["\n"])
        with one_thread_if_small(self.loaded.model):
            texts = generate_text(model, tokenizer, [prompt], greedy)
            if self.samples > 1:
                texts += generate_text(model, tokenizer, [prompt], sampled, num_samples=self.samples - 1)
        return list(dict.fromkeys(texts))

    def candidates(self, source: str, problem: Problem) -> list[Candidate]:
        out = []
        for text in self.lines(source, problem):
            fixed = fixdata.apply_edit(source, text)
            if fixed is not None and fixed != source:
                line = re.match(r"[=+](\d+)", text).group(1)
                out.append(Candidate("model", fixed, words.MODEL_FIX.format(line=line)))
        return out
