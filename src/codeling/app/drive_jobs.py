"""The Drive tab's server side: the maps it offers (the drawn ones and checked uploads), one
background training at a time, and watching a trained car drive. The page (drive_tab.py) only
checks the values it is sent and draws what these return.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from codeling import atomic, files
from codeling.errors import CodelingError

# An upload is a map, not a photo: a two-colour PNG of a city is a few KB. These bounds keep one
# request cheap (decoding, the road search, every frame drawn at this size).
MAX_UPLOAD_BYTES = 256 * 1024
MAX_UPLOAD_SIDE = 1024
MAX_TRAIN_S = 120  # the longest training one click may start
MAX_WATCH_STEPS = 600
KEEP_GIFS = 8
DRAWN = ("city", "harbour")


@dataclass
class Job:
    """One background training: what it reported last, and how it ended."""

    run: Path
    budget_s: float
    stop: threading.Event = field(default_factory=threading.Event)
    last: dict = field(default_factory=dict)  # the newest metrics row
    step: int = 0
    done: bool = False
    error: str | None = None
    stopped: str | None = None  # train_car's "done" or "interrupted"
    thread: threading.Thread | None = None

    def report(self, progress) -> None:
        self.step = progress.step
        if progress.kind == "step":
            self.last = dict(progress.data)


class Workshop:
    """Server-wide: the runs folder drive runs go to, the maps known by name, the training job."""

    def __init__(self, runs: Path | None):
        # Runs go where the Runs tab looks (--runs), else to a folder of this server's own.
        self.folder = Path(runs) if runs is not None else Path(tempfile.mkdtemp(prefix="codeling-drive-"))
        self.uploads = Path(tempfile.mkdtemp(prefix="codeling-drive-maps-"))
        self.gifs = Path(tempfile.mkdtemp(prefix="codeling-drive-gifs-"))  # where Gradio may serve files from
        self.maps: dict[str, str] = {name: name for name in DRAWN}  # page name -> load_world's map argument
        self.job: Job | None = None
        self.lock = threading.Lock()

    # --- maps ---

    def map_ref(self, name) -> str:
        if not isinstance(name, str) or name not in self.maps:
            raise CodelingError("There is no such map here; pick one from the list or upload one.")
        return self.maps[name]

    def road(self, name: str) -> tuple[np.ndarray, list[list[float]]]:
        """A map's road mask and its own targets ([] for an upload, whose targets the user places)."""
        from codeling.rl import maps

        ref = self.map_ref(name)
        if ref in maps.DRAWN:
            road, own = maps.DRAWN[ref]()
            return road, [list(t) for t in own]
        return maps.read_road(ref), []

    def add_upload(self, path: Path, shown_name: str) -> str:
        """Check an uploaded image (size, format, sides, some road) and keep a copy; its page name."""
        from codeling.rl import maps

        data = files.read_bytes(path, MAX_UPLOAD_BYTES, "map image of at most 256 KB")
        digest = hashlib.sha256(data).hexdigest()[:12]
        copy = self.uploads / f"{digest}.img"
        atomic.write_bytes(copy, data)
        road = maps.read_road(copy)  # PNG or JPEG, 64 to 4096 px, or one sentence
        if max(road.shape) > MAX_UPLOAD_SIDE:
            copy.unlink()
            raise CodelingError(f"The map is {road.shape[1]}x{road.shape[0]} px; upload one of at most 1024 px a side.")
        if not road.any():
            copy.unlink()
            raise CodelingError("The map has no road (no dark pixel); draw the roads in a dark colour.")
        stem = "".join(c for c in Path(shown_name).stem if c.isalnum() or c in "-_")[:40] or "map"
        name = f"upload: {stem} ({digest[:6]})"
        self.maps[name] = str(copy)
        return name

    # --- runs ---

    def runs(self) -> list[str]:
        """The drive runs under the folder that hold a checkpoint, newest first."""
        from codeling.rl.train import find_checkpoint

        found = []
        for run in sorted(self.folder.iterdir(), key=lambda p: p.name, reverse=True) if self.folder.is_dir() else []:
            try:
                if run.is_dir() and not run.is_symlink():
                    find_checkpoint(run)
                    found.append(run.name)
            except CodelingError:
                continue
        return found

    def run_path(self, name) -> Path:
        if not isinstance(name, str) or name not in self.runs():
            raise CodelingError("There is no such drive run here; train one or pick one from the list.")
        return self.folder / name

    # --- training ---

    def start(self, settings, seconds: float) -> Job:
        """Train in a background thread for `seconds`; refuses a second job while one runs, and bad
        maps or targets before anything is written."""
        from codeling.rl import route
        from codeling.rl.train import train_car, world_of

        world = world_of(settings)  # the same checks train_car makes first, here so the page hears them now
        route.check_connected(world, route.road_fields(world, settings.car.goal_distance))
        with self.lock:
            if self.job is not None and not self.job.done:
                raise CodelingError("A car is training already; wait for it or press Stop.")
            name = time.strftime("drive-%Y%m%d-%H%M%S")
            while (self.folder / name).exists():
                name += "x"
            job = Job(self.folder / name, seconds)

            def work() -> None:
                try:
                    result = train_car(
                        settings, job.run, minutes=seconds / 60, progress=job.report, stop=job.stop.is_set
                    )
                    job.stopped, job.last = result.stopped, result.last or job.last
                except Exception as e:  # shown on the page as guard.sentence says it
                    from codeling.app.guard import sentence

                    job.error = sentence(e)
                finally:
                    job.done = True

            job.thread = threading.Thread(target=work, name="codeling-drive-train", daemon=True)
            self.job = job
            job.thread.start()
        return job

    def stop(self) -> None:
        if self.job is not None:
            self.job.stop.set()

    # --- watching ---

    def watch(self, run: str, map_name: str, targets, boundary: float, tau: float | None, steps: int, seed: int):
        """A trained car driving `steps` steps on the page's map and targets, with the page's
        boundary signal (and temperature, when `tau`): the GIF's path and rollout_figures."""
        from codeling.rl import route
        from codeling.rl.draw import rollout_frames, save_gif
        from codeling.rl.maps import load_world
        from codeling.rl.rollout import greedy_rollout, rollout_figures
        from codeling.rl.train import load_car

        policy = load_car(self.run_path(run))
        world = load_world(self.map_ref(map_name), targets)
        car = policy.settings.car.model_copy(update={"boundary_signal": boundary})
        fields = route.road_fields(world, car.goal_distance)
        route.check_connected(world, fields)
        rollout = greedy_rollout(policy, world, steps, seed, car=car, tau=tau)
        figures = rollout_figures(rollout, world, fields, car.road_speed)
        gif = save_gif(rollout_frames(world, rollout, every=3), self.gifs / f"{time.time_ns()}.gif", fps=20)
        for old in sorted(self.gifs.glob("*.gif"))[:-KEEP_GIFS]:  # a page shows one; a few may still be loading
            old.unlink(missing_ok=True)
        return gif, figures
