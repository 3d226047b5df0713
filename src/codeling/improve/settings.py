"""The settings of a self-improvement run: one pydantic model, loaded like every loop's
(config.load_settings: preset < YAML < --set), validated before the run writes a single file.

The model and its training are the trainer's own typed sections (config.Training: `model`, `data`,
`train`, `checkpoint`, `log`, as in config.Config), so `--set model.n_layer=3` is checked by the same rules as
`codeling train --set model.n_layer=3`. What the loop decides itself (the data directory, the step
count of the base model and of each round, the seed, where fine-tuning starts) it fills in per
training run (`training_config`).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from codeling.config import PRESETS as MODEL_PRESETS
from codeling.config import Config, Training, apply_override, load_settings, validate
from codeling.errors import CodelingError

WHAT = "improve setting"
TRAINER_SECTIONS = tuple(Training.model_fields)


class ImproveSettings(Training):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # What the rounds climb. chains: tasks of difficulty d (evals/tasks/chains.py), the seed set at
    # d <= seed_difficulty, round r at seed_difficulty + r (easy to hard). suite: the task suite's
    # levels, the seed set a share of the seed levels' train tasks (the loop before chains).
    tasks: Literal["chains", "suite"] = "chains"
    rounds: int = Field(3, ge=0, le=1000)
    seed: int = Field(0, ge=0)

    # chains
    seed_difficulty: int = Field(4, ge=1, le=50, description="d0: the seed set's hardest difficulty")
    seed_count: int = Field(4000, ge=1, le=1_000_000, description="seed instances, spread evenly over d = 1..d0")
    round_samples: int = Field(
        3200,
        ge=1,
        le=10_000_000,
        description="samples a round draws at each difficulty d0+1 .. d0+r (tasks: this / samples_per_task)",
    )
    eval_per_difficulty: int = Field(48, ge=1, le=10_000, description="held-out tasks measured per difficulty")
    eval_extra_difficulties: int = Field(1, ge=0, le=50, description="measured past the last round's difficulty")
    kept_share: float = Field(
        0.5, gt=0, lt=1, description="share of each round's training examples that are kept samples (upsampled)"
    )
    oracle: bool = Field(False, description="train on the references of the rounds' tasks instead: the upper bound")
    base_from: str | None = Field(
        None,
        description="another improve run with the same seed set and model whose base model this run reuses "
        "(a control or oracle beside a run need not train the same base again)",
    )

    # suite
    seed_levels: tuple[int, ...] = (1,)
    seed_fraction: float = Field(0.5, gt=0, le=1)
    per_kind: int = Field(40, ge=1, le=10_000)
    task_limit: int | None = Field(None, ge=1)

    # sampling and keeping
    # Expert iteration draws one sample a task: the samples of one task are nearly the same completion
    # (entropy 0.01 nats at temperature 0.7), so 400 tasks x 8 samples kept 81 solutions where 3,200
    # tasks x 1 kept 380 (docs/RESULTS.md). GRPO compares the samples of a task: its group is 8.
    samples_per_task: int | None = Field(None, ge=1, le=1024, description="completions per task (default 1, grpo 8)")
    temperature: float = Field(0.8, ge=0, le=10)
    top_p: float = Field(0.95, gt=0, le=1)
    max_new_tokens: int = Field(96, ge=1, le=100_000)
    follow_plan: bool = Field(
        True, description="chains: keep (and reward) only solutions restating the docstring's steps in order"
    )
    per_task: int = Field(2, ge=1, le=1024, description="distinct solutions kept per task, over all rounds")
    write_tasks: int = Field(32, ge=0, le=100_000, description="tasks the model drafts each round")
    task_max_new_tokens: int = Field(240, ge=1, le=100_000)
    task_documents: bool = True
    restart: bool = Field(False, description="fine-tune from the base model every round, not the last round's")
    # How a round learns from its checked samples (improve/grpo.py). sft: expert iteration, fine-tune
    # on what passed. grpo: the policy gradient on every sample of a group, by its reward.
    update: Literal["sft", "grpo"] = "sft"
    sft_rounds: int = Field(
        0, ge=0, le=1000, description="grpo: rounds of expert iteration before the policy gradient (both rules)"
    )
    reward: Literal["binary", "graded"] = Field("binary", description="grpo: 1/0, or CodeRL's graded verdicts")
    scale_rewards: bool = Field(False, description="grpo: divide advantages by the group's std (off: Dr. GRPO)")
    baseline: Literal["group", "none"] = Field(
        "group", description="grpo: subtract the group's mean reward (GRPO), or none (REINFORCE: the ablation)"
    )
    # On by default: without the seed references GRPO unlearns the short chains (docs/RESULTS.md).
    anchor: float = Field(
        1.0, ge=0, le=10, description="grpo: the advantage of seed references mixed 1:1 into the update (0: none)"
    )
    replay: float = Field(
        0.0, ge=0, le=10, description="grpo: the advantage of earlier rounds' kept solutions mixed 1:1 into the update"
    )
    policy_lr: float = Field(3e-4, gt=0, le=1, description="grpo: the learning rate of the policy update")
    control: bool = Field(False, description="fine-tune on the seed set alone, same steps: the control run")

    # training
    vocab_size: int = Field(1024, ge=260, le=65_535)
    base_steps: int = Field(400, ge=1, le=10_000_000)
    finetune_steps: int = Field(150, ge=1, le=10_000_000)

    # measuring
    eval_samples: int = Field(10, ge=1, le=1024)
    eval_temperature: float = Field(0.8, ge=0, le=10)
    eval_limit: int | None = Field(None, ge=1)

    # where the work runs
    sandbox: Literal["bwrap", "process"] = "bwrap"
    backend: Literal["local", "ray"] = "local"
    ray_address: str | None = None
    batch_rows: int = Field(64, ge=1, le=4096)

    @model_validator(mode="after")
    def _consistent(self):
        if self.write_tasks and not self.task_documents:
            raise ValueError("write_tasks needs task_documents=true: the model learns to write tasks from them")
        if self.tasks == "chains" and self.seed_count < self.seed_difficulty:
            raise ValueError("seed_count must give at least one seed task per difficulty 1..seed_difficulty")
        if self.oracle and self.control:
            raise ValueError("oracle and control are two different baselines; set one of them")
        if self.update == "grpo" and (self.oracle or self.control or self.restart):
            raise ValueError("update=grpo learns from the round's own samples: it takes no oracle, control or restart")
        if self.update == "grpo" and self.samples_per_task is not None and self.samples_per_task < 2:
            raise ValueError("update=grpo compares the samples of a task, so samples_per_task must be at least 2")
        if self.sft_rounds and self.update != "grpo":
            raise ValueError("sft_rounds runs expert iteration before GRPO's rounds; set update=grpo with it")
        if any(level not in (1, 2, 3) for level in self.seed_levels) or not self.seed_levels:
            raise ValueError(f"seed_levels must be among the suite's levels 1, 2, 3, got {list(self.seed_levels)}")
        return self

    def update_in(self, r: int) -> str:
        """Round r's update rule: expert iteration for the first sft_rounds rounds, then `update`."""
        return "sft" if r <= self.sft_rounds else self.update

    def samples_per_task_in(self, r: int) -> int:
        """The completions round r draws per task: samples_per_task, or its update rule's default."""
        if self.samples_per_task is not None:
            return self.samples_per_task
        return 8 if self.update_in(r) == "grpo" else 1

    def tasks_per_difficulty(self, r: int) -> int:
        """Fresh chains round r samples at each difficulty: the sample budget over the group."""
        return max(1, self.round_samples // self.samples_per_task_in(r))

    def round_difficulty(self, r: int) -> int:
        """The difficulty round r samples (chains): one step past the round before."""
        return self.seed_difficulty + r

    def eval_difficulties(self) -> list[int]:
        return list(range(1, self.round_difficulty(self.rounds) + self.eval_extra_difficulties + 1))


def _trainer_sections(overrides: list[str]) -> dict:
    """The tiny preset's sections with these trainer overrides applied (model.n_layer=3, ...)."""
    tree = {k: copy.deepcopy(v) for k, v in MODEL_PRESETS["tiny"].items() if k in TRAINER_SECTIONS}
    for item in overrides:
        apply_override(tree, item)
    return tree


# A 0.4M-parameter model: the base, three rounds and their measurements fit in about 20 minutes on
# two CPU cores.
CPU_TRAINER = _trainer_sections(
    [
        "model.block_size=256",
        "model.n_layer=3",
        "model.n_head=4",
        "model.n_embd=96",
        "model.positions=rotary",
        # Trained at 0, s, 2s, ... (s up to 2), the base writes chains longer than its seed set's:
        # greedy on unseen d5 / d6 / d7, 17% / 0% / 0% of the steps exact at s = 1, 96% / 75% / 12%
        # at s <= 2 (docs/RESULTS.md). Its failures were of length in tokens, not of step count.
        "train.position_stretch=2",
        "data.batch_size=16",
        "train.lr=3e-3",
        "train.min_lr=3e-4",
        "train.warmup_steps=40",
        "train.eval_every=50",
        "train.eval_batches=4",
        "checkpoint.every_steps=200",
        "log.tensorboard=false",
    ]
)
SMOKE_TRAINER = _trainer_sections(
    [
        "model.block_size=256",
        "model.n_layer=1",
        "model.n_head=2",
        "model.n_embd=32",
        "data.batch_size=8",
        "train.warmup_steps=2",
        "train.eval_every=10",
        "train.eval_batches=1",
        "log.tensorboard=false",
    ]
)

PRESETS: dict[str, dict[str, Any]] = {
    # The base model needs about 1,200 steps to copy each step's constant into its line (at 600 it
    # writes the right operations with wrong constants); the rounds then fine-tune 200 steps each.
    "cpu": {
        **CPU_TRAINER,
        "base_steps": 1200,
        "finetune_steps": 200,
        "round_samples": 3200,
        "temperature": 0.7,
        "write_tasks": 16,
        "max_new_tokens": 192,  # a d8 body with its comments is about 120 tokens
        "eval_per_difficulty": 32,
        "eval_samples": 4,
        "eval_limit": 24,
    },
    # The whole loop in about a minute, for tests and a first look.
    "smoke": {
        **SMOKE_TRAINER,
        "rounds": 1,
        "seed_difficulty": 2,
        "seed_count": 60,
        "round_samples": 12,
        "eval_per_difficulty": 2,
        "eval_extra_difficulties": 0,
        "per_kind": 4,
        "task_limit": 6,
        "samples_per_task": 2,
        "max_new_tokens": 64,
        "write_tasks": 4,
        "task_max_new_tokens": 160,
        "base_steps": 20,
        "finetune_steps": 10,
        "eval_samples": 2,
        "eval_limit": 4,
        "vocab_size": 400,
    },
    # Lee et al.'s model size (6 layers, 384 wide: about 11M parameters) and more rounds, for one GPU.
    "gpu": {
        **_trainer_sections(
            [
                "model.block_size=512",
                "model.n_layer=6",
                "model.n_head=6",
                "model.n_embd=384",
                "model.positions=rotary",
                "train.position_stretch=2",
                "data.batch_size=64",
                "train.lr=1e-3",
                "train.min_lr=1e-4",
                "train.warmup_steps=200",
                "train.eval_every=500",
                "checkpoint.every_steps=1000",
            ]
        ),
        "rounds": 10,
        "seed_count": 20_000,
        "round_samples": 16_000,
        "eval_per_difficulty": 200,
        "max_new_tokens": 192,
        "base_steps": 5000,
        "finetune_steps": 1000,
        "batch_rows": 256,
        "vocab_size": 2048,
    },
    # The loop before chains: the suite's levels (docs/RESULTS.md, "second attempt").
    "suite": {**CPU_TRAINER, "tasks": "suite", "samples_per_task": 8},
}


def load(
    preset: str | None = None, path: Path | None = None, overrides: list[str] = (), base: dict | None = None
) -> ImproveSettings:
    """preset (default cpu) < base (a saved run's settings) < YAML file < name=value overrides, or one
    sentence naming the bad key."""
    default = None if base is not None else "cpu"
    return checked(load_settings(ImproveSettings, PRESETS, preset, path, list(overrides), base, default, WHAT))


def checked(settings: ImproveSettings) -> ImproveSettings:
    """The settings, once every training run they describe is known to validate (a cross-section
    rule of the trainer's, e.g. schedule: time without max_minutes, would otherwise stop the run
    only after it had written its seed set)."""
    training_config(settings, Path("data"), 1, None)
    if settings.rounds:
        training_config(settings, Path("data"), 1, Path("init"), policy=settings.update == "grpo")
    return settings


def training_config(
    settings: ImproveSettings, data_dir: Path, steps: int, init_from: Path | None, policy: bool = False
) -> Config:
    """The trainer's Config of one training run; `policy`: a GRPO round's update (train/policy.py)."""
    init = None if init_from is None else str(init_from)
    # train.kl and train.clip are the policy update's; the base and SFT rounds learn the LM objective.
    train = dict(max_steps=steps, seed=1337 + settings.seed, init_from=init, objective="lm", kl=0.0)
    if policy:
        lr = settings.policy_lr
        train.update(objective="policy", kl=settings.train.kl, lr=lr, min_lr=min(settings.train.min_lr, lr))
        train["temperature"] = max(settings.temperature, 1e-3)  # greedy rounds (0) score at a sharp policy
    return settings.trainer_config(None, data_dir, WHAT, **train)


# Settings added after the first runs, with the value a run started before them had in effect.
ADDED = {
    "follow_plan": False,
    "write_tasks": 0,
    "task_max_new_tokens": 240,
    "task_documents": False,
    "seed_fraction": 1.0,
    "tasks": "suite",
}


def from_saved(values: dict) -> ImproveSettings:
    """The settings a run's improve.json records; a run from before settings were typed kept its
    trainer settings as a list of overrides (`model`: ["model.n_layer=3", ...])."""
    values = {**ADDED, **values}
    if "round_tasks" in values:  # before the sample budget: tasks a difficulty x samples a task
        values["round_samples"] = values.pop("round_tasks") * (values.get("samples_per_task") or 8)
    if isinstance(values.get("model"), list):
        values = {**values, **_trainer_sections(values.pop("model"))}
    try:
        return checked(validate(values, ImproveSettings, WHAT))
    except CodelingError as e:
        raise CodelingError(f"The run's improve.json does not hold valid settings ({e}); start a new run.") from None


def to_json(settings: ImproveSettings) -> str:
    return json.dumps(settings.model_dump(mode="json"), indent=2) + "\n"
