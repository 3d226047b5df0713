"""The models a web app serves, each loaded once at start-up and shared by every request, and the
limits every request runs under.

A model that fails to load stays in the list with the sentence that says why, so the page can show
it instead of the server refusing to start over one bad path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from codeling import rundir
from codeling.errors import CodelingError
from codeling.train.checkpoint import Loaded, load_checkpoint, resolve


@dataclass(frozen=True)
class AppLimits:
    """What one request may ask for; each is checked before any work starts."""

    max_input_chars: int = 8_000  # prompt or program typed into the page
    max_new_tokens: int = 512  # the most tokens one completion may ask for
    request_timeout_s: float = 60.0  # generation stops here, with what was made so far
    concurrency: int = 2  # requests running at once; more wait in the queue
    queue_size: int = 32  # requests waiting; more are refused
    run_timeout_s: float = 5.0  # a program run in the sandbox

    def __post_init__(self) -> None:
        for name in ("max_input_chars", "max_new_tokens", "concurrency", "queue_size"):
            if getattr(self, name) < 1:
                raise CodelingError(f"The {name.replace('_', ' ')} limit must be at least 1.")
        # Written so that NaN and infinity fail too: a limit that never ends is no limit.
        if not all(0 < t < math.inf for t in (self.request_timeout_s, self.run_timeout_s)):
            raise CodelingError("Time limits must be positive, finite numbers of seconds, such as --timeout 60.")


@dataclass
class ServedModel:
    name: str  # what the page calls it: the directory's name, made unique
    path: Path
    loaded: Loaded | None = None
    error: str | None = None  # why it could not be loaded

    @property
    def is_tinypy(self) -> bool:
        return self.loaded is not None and self.loaded.config.task.get("name") == "tinypy"  # as prepare_data records it

    def get(self) -> Loaded:
        if self.loaded is None:
            raise CodelingError(f"Model {self.name} could not be loaded: {self.error}")
        return self.loaded


def load_models(paths: list[str | Path], device: str = "cpu") -> dict[str, ServedModel]:
    """Every checkpoint or run directory, loaded once, by a unique display name."""
    models: dict[str, ServedModel] = {}
    for path in map(Path, paths):
        name = path.name or str(path)
        if name in rundir.POINTERS or rundir.step_of(name) is not None:
            name = f"{path.parent.name}/{name}"
        n = 2
        while name in models:
            name, n = f"{path.name} ({n})", n + 1
        served = ServedModel(name, path)
        try:
            served.loaded = load_checkpoint(path, device=device)
            served.loaded.model.eval()
        except CodelingError as e:
            served.error = str(e)
        except Exception as e:  # load_checkpoint says why in a sentence; this is the net under it
            reason = (str(e).splitlines() or [""])[0][:160]
            served.error = f"{path} is not a loadable checkpoint ({type(e).__name__}: {reason})."
        models[name] = served
    return models


def run_checkpoints(root: str | Path, run_names: list[str]) -> list[Path]:
    """The runs (by name under root) that hold a checkpoint: what to serve when no model is named."""
    found = []
    for name in run_names:
        try:
            resolve(Path(root) / name)
        except CodelingError:
            continue
        found.append(Path(root) / name)
    return found
