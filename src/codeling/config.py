"""Every knob in one typed place.

A Config is built from a named preset, then a YAML file, then `--set section.key=value` overrides,
each layer replacing what the one before said. Validation errors become one CodelingError sentence
that names the key and what it accepts. `load_settings` does the same for every loop's settings
(improve, evolve, the fixer, the TinyPy recipes): each is a pydantic model with its own presets, and
the loops that train carry the trainer's sections (model, train, ...) as typed fields.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from codeling.errors import CodelingError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ModelConfig(_Section):
    vocab_size: int = Field(0, ge=0, description="0 means: take it from the data's tokenizer")
    block_size: int = Field(256, ge=1)
    n_layer: int = Field(4, ge=1)
    n_head: int = Field(4, ge=1)
    n_embd: int = Field(128, ge=1)
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    bias: bool = True
    positions: Literal["learned", "rotary"] = "learned"
    n_memory: int = Field(0, ge=0, description="learned memory slots every position attends to")
    mlp_ratio: int = Field(4, ge=1, description="the MLP's hidden width, in multiples of n_embd")
    qk_norm: float = Field(
        0.0, ge=0.0, description="0: off; else the attention logit scale for RMS-normalised queries and keys"
    )
    gradient_checkpointing: bool = False

    @model_validator(mode="after")
    def _heads_divide_width(self):
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd ({self.n_embd}) must be a multiple of n_head ({self.n_head})")
        if self.positions == "rotary" and (self.n_embd // self.n_head) % 2:
            raise ValueError("rotary positions need an even head size (n_embd / n_head)")
        return self


class DataConfig(_Section):
    dir: str | None = None
    batch_size: int = Field(32, ge=1, description="sequences per micro-step")
    grad_accum: int = Field(1, ge=1, description="micro-steps per optimizer step")
    curriculum: str | None = Field(
        None,
        description=(
            "a data directory (same tokenizer) whose train split gives the first "
            "curriculum_steps batches: easy examples first"
        ),
    )
    curriculum_steps: int = Field(
        0, ge=0, description="how many steps draw their batches from data.curriculum before data.dir takes over"
    )

    @model_validator(mode="after")
    def _curriculum_has_both(self):
        if bool(self.curriculum) != bool(self.curriculum_steps):
            raise ValueError(
                "data.curriculum and data.curriculum_steps go together: "
                "set both (a directory and a step count > 0) or neither"
            )
        return self


class TrainConfig(_Section):
    max_steps: int = Field(2000, ge=1)
    max_minutes: float | None = Field(None, gt=0, description="stop (evaluate, save) after this much training time")
    lr: float = Field(1e-3, gt=0)
    min_lr: float = Field(1e-4, ge=0)
    warmup_steps: int = Field(100, ge=0)
    decay_steps: int | None = Field(None, ge=1, description="cosine decay length; default max_steps")
    schedule: Literal["steps", "time"] = Field(
        "steps",
        description=(
            "time: the cosine decay also follows the share of max_minutes spent, "
            "so a time-budgeted run ends its schedule when its time ends, on any machine"
        ),
    )
    optimizer: Literal["adamw", "muon"] = Field(
        "adamw", description="muon: Muon for the matrices inside the blocks, AdamW for the rest"
    )
    weight_decay: float = Field(0.1, ge=0)
    beta1: float = Field(0.9, ge=0, lt=1)
    beta2: float = Field(0.95, ge=0, lt=1)
    grad_clip: float = Field(1.0, ge=0, description="0 disables clipping")
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    compile: bool = False
    device: str = "auto"
    seed: int = 1337
    init_from: str | None = Field(
        None, description="a checkpoint or run directory whose weights a fresh run starts from (fine-tuning)"
    )
    eval_every: int = Field(200, ge=1)
    eval_batches: int = Field(20, ge=1)
    # Under torchrun with several processes: ddp keeps a whole model per process, fsdp shards
    # parameters, gradients and optimizer state across them (see docs/DISTRIBUTED.md).
    parallel: Literal["ddp", "fsdp"] = "ddp"
    # What a step minimises. lm: next-token cross-entropy on the target tokens. policy: the clipped
    # policy-gradient loss of GRPO on data that carries advantages (train/policy.py), with an
    # optional KL penalty to the init_from model.
    objective: Literal["lm", "policy"] = "lm"
    clip: float = Field(0.2, gt=0, lt=1, description="policy objective: the ratio's clip range, 1 +- clip")
    kl: float = Field(0.0, ge=0, description="policy objective: weight of the KL penalty to init_from's model")
    temperature: float = Field(
        1.0, gt=0, le=10, description="policy objective: the sampling temperature its old log-probabilities are at"
    )
    # Stretched positions: each training row's positions are 0, s, 2s, ... with s drawn from
    # [1, position_stretch], so a rotary model meets the longer distances of longer inputs than it
    # trains on. Decoding keeps s = 1, one end of what it trained on.
    position_stretch: float = Field(1.0, ge=1, le=16, description="lm objective, rotary: the largest stretch (1: off)")

    @model_validator(mode="after")
    def _schedule_has_a_budget(self):
        if self.schedule == "time" and self.max_minutes is None:
            raise ValueError("schedule: time decays over train.max_minutes, so set max_minutes too")
        if self.optimizer == "muon" and self.parallel == "fsdp":
            raise ValueError("Muon needs whole matrices, which FSDP shards; use optimizer: adamw with parallel: fsdp")
        return self


class CheckpointConfig(_Section):
    every_steps: int = Field(500, ge=1)
    every_minutes: float = Field(10.0, gt=0)
    keep_last: int = Field(3, ge=1)


class LogConfig(_Section):
    every_steps: int = Field(10, ge=1)
    tensorboard: bool = True
    wandb: bool = False
    wandb_project: str = "codeling"


class Training(_Section):
    """The trainer's sections as a loop's settings carry them (the fixer, the TinyPy recipes): the
    same typed keys as Config, so `--set model.n_layer=2` means one thing in every loop that trains."""

    model: ModelConfig = ModelConfig()
    data: DataConfig = DataConfig()
    train: TrainConfig = TrainConfig()
    checkpoint: CheckpointConfig = CheckpointConfig()
    log: LogConfig = LogConfig()

    def trainer_config(self, preset: str | None, data_dir: str | Path, what: str = "config", **train) -> Config:
        """The Config the trainer runs, on `data_dir`, with `train` settings the loop decides itself
        (max_steps, init_from, ...); `preset` is only recorded (config.yaml says it). The trainer's
        cross-section rules are checked here, so a loop can check them before it writes a file."""
        tree = {"preset": preset, **self.model_dump(include=set(Training.model_fields))}
        tree["data"]["dir"] = str(data_dir)
        tree["train"].update(train)
        return validate(tree, Config, what)


class Config(_Section):
    preset: str | None = None
    # What the data is (copied from the shards' manifest by the trainer), so that evaluators know
    # how to prompt a checkpoint: e.g. {"name": "tinypy", "mode": "trace"}.
    task: dict[str, Any] = {}
    model: ModelConfig = ModelConfig()
    data: DataConfig = DataConfig()
    train: TrainConfig = TrainConfig()
    checkpoint: CheckpointConfig = CheckpointConfig()
    log: LogConfig = LogConfig()

    @model_validator(mode="after")
    def _stretch_needs_rotary(self):
        if self.train.position_stretch > 1 and self.model.positions != "rotary":
            raise ValueError("train.position_stretch stretches rotary positions; set model.positions: rotary")
        return self

    @model_validator(mode="after")
    def _kl_has_a_reference(self):
        # A loop's settings may carry train.kl for its policy updates alone (improve --update grpo);
        # a run the trainer starts must have the model it is measured against.
        if self.train.kl and self.train.init_from is None:
            raise ValueError("train.kl penalises distance to the init_from model, so set train.init_from too")
        return self


# Presets name a model size and sensible training defaults for it. Parameter counts are for the
# transformer blocks; embeddings add vocab_size * n_embd.
PRESETS: dict[str, dict[str, Any]] = {
    "tiny": {  # ~0.8M: trains on a laptop CPU in minutes
        "model": {"n_layer": 4, "n_head": 4, "n_embd": 128, "block_size": 256, "dropout": 0.0},
        "data": {"batch_size": 32},
        "train": {"lr": 2e-3, "min_lr": 2e-4, "warmup_steps": 100, "weight_decay": 0.1},
    },
    "datahack": {  # ~14M, the DataHack 2025 TinyPy model size
        "model": {"n_layer": 8, "n_head": 8, "n_embd": 384, "block_size": 256, "dropout": 0.0},
        "data": {"batch_size": 64},
        "train": {"lr": 1e-3, "min_lr": 1e-4, "warmup_steps": 500},
    },
    "era": {  # ~11M, the "era" reference configuration
        "model": {"n_layer": 6, "n_head": 6, "n_embd": 384, "block_size": 256, "dropout": 0.2},
        "data": {"batch_size": 64},
        "train": {"lr": 1e-3, "min_lr": 1e-4, "warmup_steps": 200},
    },
    "small": {  # ~85M blocks + embeddings: about 100M with a code vocabulary (GPT-2 small shape)
        "model": {"n_layer": 12, "n_head": 12, "n_embd": 768, "block_size": 1024, "dropout": 0.0},
        "data": {"batch_size": 16, "grad_accum": 8},
        "train": {"lr": 6e-4, "min_lr": 6e-5, "warmup_steps": 1000, "precision": "auto"},
    },
    "medium": {  # ~300M blocks + embeddings: about 350M (GPT-2 medium shape)
        "model": {"n_layer": 24, "n_head": 16, "n_embd": 1024, "block_size": 1024, "dropout": 0.0},
        "data": {"batch_size": 8, "grad_accum": 16},
        "train": {"lr": 3e-4, "min_lr": 3e-5, "warmup_steps": 2000},
    },
}


def deep_merge(base: dict, update: dict) -> dict:
    """`update` laid over `base`, section by section; neither is changed."""
    out = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _explain(error: ValidationError, kind: type[BaseModel], what: str) -> str:
    first = error.errors()[0]
    loc = tuple(first["loc"])
    key = ".".join(str(p) for p in loc)
    if first["type"] == "extra_forbidden":
        section: Any = kind
        for part in loc[:-1]:
            section = section.model_fields[part].annotation
        return f"Unknown {what} key {key!r}; the allowed keys here are {sorted(section.model_fields)}."
    if first["type"] == "value_error":
        return f"Bad {what}: {first['msg'].removeprefix('Value error, ')}."
    if first["type"] in ("model_type", "model_attributes_type", "dict_type"):
        return f"{what.capitalize()} key {key!r} is a section; set its keys, e.g. --set {key}.KEY=VALUE."
    return f"Bad value {first.get('input')!r} for {what} key {key!r}: {first['msg']}."


def parse_value(text: str) -> Any:
    """`--set` values are YAML scalars: 3e-4, true, null, [1, 2] all mean what they look like."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def apply_override(tree: dict, assignment: str) -> None:
    """One `--set key.path=value` into a settings tree (values are YAML scalars)."""
    if "=" not in assignment:
        raise CodelingError(f"Override {assignment!r} has no '='; write it as key=value, e.g. train.lr=3e-4.")
    key, raw = assignment.split("=", 1)
    parts = key.strip().split(".")
    node = tree
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise CodelingError(f"Override {assignment!r} sets into {part!r}, which is not a settings section.")
    node[parts[-1]] = parse_value(raw)


def read_yaml(path: str | Path) -> dict:
    """A YAML file of settings: a mapping, or one sentence saying what is wrong with it."""
    path = Path(path)
    if not path.is_file():
        raise CodelingError(f"Config file {path} does not exist; pass an existing YAML file to --config.")
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise CodelingError(f"Config file {path} is not valid YAML ({e}); fix its syntax.") from None
    if not isinstance(loaded, dict):
        raise CodelingError(f"Config file {path} must hold a mapping of settings.")
    return loaded


S = TypeVar("S", bound=BaseModel)


def load_settings(
    kind: type[S],
    presets: dict[str, dict[str, Any]],
    preset: str | None = None,
    path: str | Path | None = None,
    overrides: list[str] | None = None,
    base: dict | None = None,
    default_preset: str | None = None,
    what: str = "config",
) -> S:
    """Every loop's settings, one way: preset < base dict < YAML file < `--set` overrides, validated
    into `kind` (a pydantic model) before the caller writes anything. Unknown keys and bad values
    are refused with one sentence naming the key. A `preset` key in the YAML file names the preset
    when `--preset` does not."""
    tree = read_yaml(path) if path is not None else {}
    preset = preset or tree.get("preset") or default_preset
    merged = preset_tree(presets, preset) if preset is not None else {}
    merged = deep_merge(merged, base or {})
    merged = deep_merge(merged, tree)
    if "preset" in kind.model_fields:
        merged["preset"] = preset
    else:
        merged.pop("preset", None)
    for assignment in overrides or []:
        apply_override(merged, assignment)
    return validate(merged, kind, what)


def preset_tree(presets: dict[str, dict[str, Any]], name: str) -> dict:
    """A copy of the named preset's settings tree, or one sentence listing the names there are."""
    if name not in presets:
        raise CodelingError(f"Unknown preset {name!r}; choose one of {', '.join(sorted(presets))}.")
    return copy.deepcopy(presets[name])


def load_config(
    preset: str | None = None,
    path: str | Path | None = None,
    overrides: list[str] | None = None,
    base: dict | None = None,
) -> Config:
    """The trainer's Config: preset < base dict < YAML file < overrides."""
    return load_settings(Config, PRESETS, preset, path, overrides, base)


def validate(tree: dict, kind: type[S] = Config, what: str = "config") -> S:
    try:
        return kind.model_validate(tree)
    except ValidationError as e:
        raise CodelingError(_explain(e, kind, what)) from None


def to_yaml(config: BaseModel) -> str:
    return yaml.safe_dump(config.model_dump(), sort_keys=False)
