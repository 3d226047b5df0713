"""A drive run's settings: one pydantic model loaded like every loop's (config.load_settings:
preset < a resumed run's own < YAML < --set), validated before the run writes a single file.

Presets reproduce the course's two sets of numbers; both use the assignment's network (two hidden
layers of 30). `original` (the default) is the public map.py/ai.py; `course` is the course's copy.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from codeling.config import load_settings
from codeling.rl.car import CarSettings
from codeling.rl.dqn import DQNSettings

WHAT = "drive setting"

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
