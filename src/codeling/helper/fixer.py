"""The fixer model: a small GPT trained by codeling on broken beginner programs (helper/fixdata.py)
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
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from codeling.config import load_config
from codeling.data.shards import SplitArrays, write_shards
from codeling.errors import CodelingError
from codeling.generate import Sampling, generate_text
from codeling.helper import fixdata, words
from codeling.helper.explain import Problem
from codeling.helper.rules import Candidate
from codeling.tokenizers.bpe import BPETokenizer
from codeling.train.checkpoint import load_checkpoint
from codeling.train.skeleton import Emit
from codeling.train.trainer import train

TASK = "helper-fix"  # what the shards' manifest (and so the checkpoint's config.task) says the data is


@dataclass(frozen=True)
class FixerPreset:
    tinypy: int  # TinyPy programs drawn
    tasks: bool  # the task suite's reference solutions
    pygame: bool  # pygame's example programs
    per_kind: int  # corruptions of each kind per program, per 20 lines of it
    vocab: int  # BPE vocabulary learned on the examples
    steps: int  # at most: the cpu preset's time budget usually ends it first
    overrides: tuple[str, ...]  # on codeling's "tiny" model preset


PRESETS = {
    # A few seconds: a one-layer model that proves the path works, not one that fixes much.
    "smoke": FixerPreset(
        30,
        False,
        False,
        1,
        300,
        8,
        (
            "model.n_layer=1",
            "model.n_head=2",
            "model.n_embd=32",
            "model.block_size=192",
            "data.batch_size=8",
            "train.warmup_steps=2",
            "train.eval_every=8",
            "train.eval_batches=1",
            "log.tensorboard=false",
        ),
    ),
    # Under ten minutes on two CPU cores whatever else they run: about a minute of examples, then
    # codeling's tiny model (4 layers, 128 wide) for an 8-minute budget, its schedule following the clock.
    "cpu": FixerPreset(
        1500,
        True,
        True,
        3,
        1024,
        3000,
        (
            "model.block_size=128",
            "data.batch_size=32",
            "train.warmup_steps=50",
            "train.max_minutes=8",
            "train.schedule=time",
            "train.eval_every=250",
            "train.eval_batches=5",
            "log.tensorboard=false",
        ),
    ),
}


def preset_named(name: str) -> FixerPreset:
    if name not in PRESETS:
        raise CodelingError(f"Unknown fixer preset {name!r}; choose one of {', '.join(PRESETS)}.")
    return PRESETS[name]


def programs_for(preset: FixerPreset, seed: int = 0) -> list[fixdata.Program]:
    found = fixdata.own_programs() + fixdata.tinypy_programs(preset.tinypy, seed)
    if preset.tasks:
        found += fixdata.task_programs()
    if preset.pygame:
        found += fixdata.pygame_programs()
    return found


def build_data(out: Path, preset: FixerPreset, seed: int = 0) -> dict:
    """Example shards of the training programs and kinds in `out`; the held-out ones never enter."""
    train_programs, held = fixdata.split_programs(programs_for(preset, seed))
    pairs = fixdata.examples(train_programs, fixdata.TRAIN_KINDS, preset.per_kind, seed)
    shuffled = list(pairs)
    random.Random(seed).shuffle(shuffled)
    n_val = max(1, len(shuffled) // 20)
    val, training = shuffled[:n_val], shuffled[n_val:]
    texts = [p + c for p, c in training[:20_000]]
    tokenizer = BPETokenizer.train(texts, vocab_size=preset.vocab, min_frequency=2)
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
        "preset": asdict(preset),
        "seed": seed,
    }
    return write_shards(out, arrays, tokenizer, provenance, overwrite=True)


def _encode(tokenizer: BPETokenizer, prompt: str, completion: str) -> tuple[list[int], list[int]]:
    """Only the completion (and EOS) is learned: the model learns to write the repair, not programs."""
    context = [tokenizer.bos_id, *tokenizer.encode(prompt)]
    target = [*tokenizer.encode(completion), tokenizer.eos_id]
    return context + target, [0] * len(context) + [1] * len(target)


def train_fixer(
    out: Path, preset: str = "cpu", steps: int | None = None, seed: int = 0, on_event: Emit | None = None
) -> Path:
    """Build the data in out/data and train the fixer into the run directory `out` through codeling's
    training skeleton; the best checkpoint's path."""
    out = Path(out)
    if (out / "checkpoints").exists():
        raise CodelingError(f"{out} already holds a fixer run; choose another --out or remove it first.")
    chosen = preset_named(preset)
    build_data(out / "data", chosen, seed)
    overrides = [
        f"data.dir={out / 'data'}",
        f"train.max_steps={steps or chosen.steps}",
        f"train.seed={1337 + seed}",
        f"checkpoint.every_steps={steps or chosen.steps}",
        *chosen.overrides,
    ]
    train(load_config(preset="tiny", overrides=overrides), out, on_event=on_event)
    return (out / "best").resolve()


@contextmanager
def one_thread():
    """Decode on one CPU thread: a tiny model's steps are too small to share, and on busy cores the
    threads' waiting for each other made a fix 5 times slower (measured: 2.9 s against 0.6 s)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


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
        with one_thread():
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
