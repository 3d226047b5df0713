"""A drive run's settings: one pydantic model loaded like every loop's (config.load_settings:
preset < a resumed run's own < YAML < --set), validated before the run writes a single file.

Presets reproduce the course's two sets of numbers; both use the assignment's network (two hidden
layers of 30). `original` (the default) is the public map.py/ai.py; `course` is the course's copy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from codeling.config import load_settings
from codeling.rl.car import CarSettings

WHAT = "drive setting"


class DQNSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    hidden: list[Annotated[int, Field(ge=1, le=4096)]] = Field(
        [30, 30], max_length=16, description="hidden layer widths: [30] the course's, [30, 30] one more layer"
    )
    policy: Literal["softmax", "epsilon"] = "softmax"
    tau: float = Field(0.01, ge=0, le=1e6, description="softmax temperature (the course's T=100 is tau=0.01)")
    epsilon_start: float = Field(1.0, ge=0, le=1)
    epsilon_end: float = Field(0.05, ge=0, le=1)
    epsilon_steps: int = Field(20_000, ge=1, description="car steps over which epsilon falls linearly")
    gamma: float = Field(0.9, ge=0, lt=1)
    lr: float = Field(1e-3, gt=0, le=1)
    batch: int = Field(100, ge=1, le=100_000)
    memory: int = Field(100_000, ge=1, le=100_000_000, description="replay transitions kept (oldest out)")
    target_update: int = Field(
        0, ge=0, description="learning steps between target-network copies; 0: no target network"
    )
    learning_starts: int = Field(1_000, ge=0, description="transitions stored before the first learning step")
    updates_per_step: int = Field(1, ge=1, le=1000, description="learning steps per step of all cars")


PRESETS = {
    "original": {
        "car": {"boundary_signal": 1.0, "rotation": 20.0, "road_speed": 6.0, "sand_speed": 1.0, "goal_distance": 100.0},
        "dqn": {"tau": 0.01},
    },
    "course": {
        "car": {"boundary_signal": 10.0, "rotation": 5.0, "road_speed": 2.0, "sand_speed": 0.5, "goal_distance": 25.0},
        "dqn": {"tau": 0.01},
    },
}
DEFAULT_PRESET = "original"


class DriveSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    preset: str | None = None
    seed: int = Field(0, ge=0)
    map: str | None = Field(None, description="a PNG/JPEG file, or a drawn map's name (city, harbour); None: city")
    targets: list[tuple[float, float]] | None = Field(None, description="(x, y) px; None: the drawn map's own")
    cars: int = Field(16, ge=1, le=100_000, description="cars driven at once, sensed as one array")
    car: CarSettings = CarSettings()
    dqn: DQNSettings = DQNSettings()
    log_every: int = Field(200, ge=1, description="steps of all cars between metrics rows")
    save_every_s: float = Field(30.0, gt=0, description="seconds between checkpoints")
    keep_last: int = Field(2, ge=1)
    tensorboard: bool = True
    threads: int = Field(1, ge=1, le=256, description="torch threads: a 5-30-30-3 network is fastest on one")


def load_drive_settings(
    preset: str | None = None,
    path: str | Path | None = None,
    overrides: list[str] | None = None,
    base: dict | None = None,
) -> DriveSettings:
    """preset (default `original`, or the resumed run's own: `base`) < YAML < --set, or one sentence."""
    default = None if base is not None else DEFAULT_PRESET
    return load_settings(DriveSettings, PRESETS, preset, path, overrides, base, default_preset=default, what=WHAT)
