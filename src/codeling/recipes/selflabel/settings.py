"""A self-labelling run's settings: the programs, the length axis, the label filter, the rounds, and
the trainer's sections (model, data, train, ...) for the base model, laid over a trainer preset.

Presets: `cpu` (the recipe of docs/RESULTS.md, about 10 minutes a label source on a shared CPU
core), `quick` (seconds, for tests), `gpu` (the same loop with a larger model, more programs, more
rounds). Everything is validated, and the trainer configs it implies are checked, before a file is
written.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from codeling.config import PRESETS, Config, Training, deep_merge, load_settings, preset_tree
from codeling.errors import CodelingError
from codeling.recipes.selflabel.programs import AXES, at_length
from codeling.recipes.tinypy import MODEL
from codeling.tinypy.builder import Knobs
from codeling.tinypy.generator import check_knobs, resolve_levels


class SelfLabel(Training):
    """What a run does; `train.*` is the base model's training, `round_*` each round's fine-tuning."""

    labels: Literal["vote", "verified", "oracle"] = "vote"
    rounds: int = Field(3, ge=0, le=50)
    seed: int = 0
    trainer_preset: str = "tiny"
    # The programs: a for or while loop that prints its own variable, literals 0-20 (why: docs/SELFLABEL.md).
    levels: str = "3.1,4.1"
    knobs: Knobs = Knobs(literals=(0, 20), initialisations=(1, 1))
    axis: Literal[AXES] = "loop_iterations"  # type: ignore[valid-type]
    lengths: tuple[int, int] = (1, 5)  # the base model's training lengths on the axis
    programs: int = Field(20_000, ge=10, description="labelled programs the base model trains on")
    val_programs: int = Field(200, ge=1, description="of those, kept for the trainer's validation loss")
    heldout: int = Field(150, ge=1, description="held-out programs per length")
    beyond: int = Field(2, ge=0, description="lengths measured past the last one a round labels")
    ood_programs: int = Field(100, ge=0, description="per out-of-distribution set (0: none)")
    # A round: label `per_round` programs one length step further, fine-tune on a mix.
    per_round: int = Field(2000, ge=1)
    samples: int = Field(5, ge=1, le=64, description="sampled answers per program")
    temperature: float = Field(0.7, gt=0)
    min_share: float = Field(0.6, gt=0, le=1, description="the top answer's least share of all samples")
    length_filter: bool = Field(False, description="drop answers printing fewer lines than the round's length")
    max_new_tokens: int = Field(64, ge=1)
    mix: int = Field(6000, ge=2, description="examples a round trains on: half original, half self-labelled")
    round_steps: int = Field(200, ge=1)
    round_lr: float = Field(1e-3, gt=0)
    base_from: str | None = Field(None, description="a selflabel run whose round 0 (base model) is reused")

    @field_validator("levels", mode="before")
    @classmethod
    def _level_as_text(cls, value):
        return str(value) if isinstance(value, float) else value  # `--set levels=3.1` reads as a number

    @model_validator(mode="after")
    def _lengths_fit(self):
        low, high = self.lengths
        least = 1 if self.axis == "initialisations" else 0
        if not least <= low <= high:
            raise ValueError(f"lengths must be a range low, high with {least} <= low <= high on {self.axis}")
        loops_only = set(self.levels.replace(" ", "").split(",")) <= {"3.1", "3.2", "4.1"}
        if self.length_filter and (self.axis != "loop_iterations" or not loops_only):
            raise ValueError(
                "length_filter counts a loop's printed lines, so it needs axis loop_iterations on levels 3.x/4.1"
            )
        if self.val_programs >= self.programs:
            raise ValueError("val_programs must be fewer than programs")
        return self

    def longest(self) -> int:
        """The longest length measured: past the last round's by `beyond`."""
        return self.lengths[1] + self.rounds + self.beyond

    def base_config(self, data_dir) -> Config:
        return self.trainer_config(self.trainer_preset, data_dir, "selflabel setting", seed=self.seed)

    def round_config(self, data_dir, r: int, init_from) -> Config:
        """A round's fine-tuning: from the last round's model, a short, steady schedule."""
        return self.trainer_config(
            self.trainer_preset,
            data_dir,
            "selflabel setting",
            max_steps=self.round_steps,
            lr=self.round_lr,
            min_lr=self.round_lr / 10,
            warmup_steps=min(20, self.round_steps // 5),
            schedule="steps",
            max_minutes=None,
            decay_steps=None,
            eval_every=self.round_steps,
            init_from=str(init_from) if init_from else None,
            seed=self.seed * 100 + r,
        )


# Rotary positions, 3 layers of 8 heads and Muon: the TinyPy demo's model (recipes.MODEL).
CPU_TREE = deep_merge(
    MODEL,
    {
        "knobs": {"literals": [0, 20], "initialisations": [1, 1]},
        "data": {"batch_size": 32},
        "train": {
            "max_steps": 500,
            "lr": 6e-3,
            "min_lr": 6e-4,
            "warmup_steps": 50,
            "eval_every": 250,
            "eval_batches": 4,
        },
        "checkpoint": {"every_steps": 500},
        "log": {"tensorboard": False},
    },
)
QUICK_TREE = deep_merge(
    CPU_TREE,
    {
        "model": {"n_layer": 1, "n_head": 2, "n_embd": 32, "block_size": 96},
        "lengths": [1, 3],
        "programs": 300,
        "val_programs": 20,
        "heldout": 8,
        "beyond": 1,
        "ood_programs": 4,
        "per_round": 24,
        "samples": 3,
        "mix": 64,
        "round_steps": 3,
        "rounds": 1,
        "data": {"batch_size": 8},
        "train": {"max_steps": 6, "warmup_steps": 2, "eval_every": 6, "eval_batches": 1},
        "checkpoint": {"every_steps": 6},
    },
)
# The same loop at a GPU's scale: the datahack model, ten times the programs, eight rounds.
GPU_TREE = deep_merge(
    CPU_TREE,
    {
        "trainer_preset": "datahack",
        "model": {"block_size": 256, "n_layer": 8, "n_head": 8},
        "programs": 200_000,
        "per_round": 20_000,
        "mix": 60_000,
        "rounds": 8,
        "heldout": 500,
        "ood_programs": 500,
        "samples": 8,
        "round_steps": 1000,
        "round_lr": 5e-4,
        "data": {"batch_size": 128},
        "train": {"max_steps": 5000, "lr": 3e-3, "min_lr": 3e-4, "warmup_steps": 200, "eval_every": 1000},
        "checkpoint": {"every_steps": 5000},
    },
)
PRESET_TREES = {"cpu": CPU_TREE, "quick": QUICK_TREE, "gpu": GPU_TREE}


def load(preset: str | None = None, overrides: list[str] | tuple[str, ...] = ()) -> SelfLabel:
    """The settings of a run: the preset (default `cpu`) laid over its trainer preset, then `--set`
    overrides; a bad key or value is one sentence, and so is a trainer config it would make."""
    tree = preset_tree(PRESET_TREES, preset or "cpu")
    trainer = preset_tree(PRESETS, tree.get("trainer_preset", "tiny"))
    settings = load_settings(
        SelfLabel, {}, base=deep_merge(trainer, tree), overrides=list(overrides), what="selflabel setting"
    )
    resolve_levels(settings.levels)
    for length in (settings.lengths[0], settings.longest()):
        check_knobs(at_length(settings.knobs, settings.axis, length))
    settings.base_config("data")
    settings.round_config("data", 1, "previous")
    if settings.model.block_size < 32:
        raise CodelingError("model.block_size must be at least 32 to hold a TinyPy program and its output.")
    return settings
