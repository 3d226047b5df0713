"""Training the car: N cars driven at once by one DQN, checkpoints through the run-folder library
(codeling/rundir.py), metrics.jsonl + TensorBoard through train/metrics.py's MetricsLog, and
resume from the newest valid checkpoint after Ctrl+C or SIGKILL.

A run folder: config.yaml (the settings), metrics.jsonl, tb/, checkpoints/step-NNNNNN/ (each:
model.safetensors, replay.safetensors, trainer_state.pt, config.json, manifest.json), `latest`.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import load_file as load_numpy
from safetensors.numpy import save_file as save_numpy
from safetensors.torch import load_file, save_file

from codeling import atomic, rundir
from codeling.config import LogConfig, to_yaml
from codeling.errors import CodelingError
from codeling.rl import route
from codeling.rl.car import Cars
from codeling.rl.dqn import QNetwork, Replay, learn, make_optimizer, select_actions
from codeling.rl.maps import World, load_world
from codeling.rl.settings import DriveSettings, load_drive_settings
from codeling.train.progress import Progress, Report

FORMAT = "codeling-drive"
MODEL = "model.safetensors"
REPLAY = "replay.safetensors"
STATE = "trainer_state.pt"


@dataclass
class TrainResult:
    run: Path
    step: int  # steps of all cars together
    car_steps: int  # step x cars
    seconds: float  # training time, over every resume
    stopped: str  # "done" (time or step budget) or "interrupted"
    checkpoint: Path
    last: dict = field(default_factory=dict)  # the last metrics row


@dataclass
class State:
    """Everything a step changes, in one place (what a checkpoint holds)."""

    net: QNetwork
    target: QNetwork | None
    optimizer: torch.optim.Optimizer
    replay: Replay
    cars: Cars
    obs: np.ndarray
    rng: np.random.Generator
    step: int = 0
    car_steps: int = 0
    learn_steps: int = 0
    seconds: float = 0.0
    best_score: float = -float("inf")


def world_of(settings: DriveSettings) -> World:
    return load_world(settings.map, settings.targets)


def fresh_state(settings: DriveSettings, world: World) -> State:
    torch.manual_seed(settings.seed)
    s = settings.dqn
    net = QNetwork(s.hidden)
    target = copy.deepcopy(net) if s.target_update else None
    optimizer = make_optimizer(net, s.lr)
    rng = np.random.default_rng(settings.seed)
    cars = Cars(world, settings.car, settings.cars)
    obs = cars.spawn(np.arange(settings.cars), rng)
    return State(net, target, optimizer, Replay(s.memory), cars, obs, rng)


def train_car(
    settings: DriveSettings,
    out: str | Path,
    minutes: float | None = None,
    steps: int | None = None,
    resume: bool = False,
    progress: Report | None = None,
    stop: Callable[[], bool] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> TrainResult:
    """Train the car DQN into run folder `out` until `minutes` of training (counted over resumes)
    or `steps` steps of all cars, whichever comes first (at least one must be given), or until
    `stop()` returns True (then it saves and returns stopped="interrupted"; the web tab can pass a
    threading.Event's is_set, the CLI a StopFlag). `resume` continues `out` from its newest valid
    checkpoint with the settings given (pass the run's own: `run_settings(out)`). `progress`
    receives Progress("start"), Progress("step", step, metrics row) every `log_every` steps,
    Progress("checkpoint") and Progress("end"). Refuses (CodelingError) before writing anything:
    an occupied `out` without resume, nothing to resume, a bad map or targets, no budget."""
    out = Path(out)
    if minutes is None and steps is None:
        raise CodelingError("Give a training budget: --minutes M (or steps).")
    world = world_of(settings)
    route.check_connected(world, route.road_fields(world, settings.car.goal_distance))
    state = fresh_state(settings, world)
    if resume:
        checkpoint, _ = rundir.newest_valid(out / rundir.CHECKPOINTS)
        if checkpoint is None:
            raise CodelingError(f"{out} has no checkpoint to resume; start it without --resume.")
        restore(state, checkpoint)
    else:
        rundir.refuse_occupied(out, "a run")
    out.mkdir(parents=True, exist_ok=True)
    atomic.write_text(out / rundir.CONFIG_YAML, to_yaml(settings))
    from codeling.train.metrics import MetricsLog

    log = MetricsLog(out, LogConfig(tensorboard=settings.tensorboard), state.step if resume else None, out.name, {})
    report = progress or (lambda p: None)
    threads = torch.get_num_threads()
    torch.set_num_threads(settings.threads)
    try:
        return _loop(settings, out, state, log, report, minutes, steps, stop or (lambda: False), clock)
    finally:
        torch.set_num_threads(threads)
        log.close()


def _loop(settings, out, state: State, log, report, minutes, steps, stop, clock) -> TrainResult:
    s, n = settings.dqn, settings.cars
    budget_s = minutes * 60 if minutes is not None else float("inf")
    start, start_seconds = clock(), state.seconds
    last_save = start
    window = _Window()
    checkpoint = None
    budget = budget_s if minutes is not None else None
    report(
        Progress(
            "start", state.step, {"cars": n, "budget_s": budget, "max_steps": steps or 0, "seconds": state.seconds}
        )
    )
    stopped = "done"
    while True:
        state.seconds = start_seconds + clock() - start
        if stop():
            stopped = "interrupted"
            break
        if state.seconds >= budget_s or (steps is not None and state.step >= steps):
            break
        with torch.inference_mode():
            q = state.net(torch.from_numpy(state.obs))
        actions, entropy = select_actions(q, s, state.rng, state.car_steps)
        r = state.cars.step(actions)
        # The transition keeps the reward of its own step (the course's lagged one step behind).
        state.replay.add(state.obs, actions, r.reward, r.obs)
        state.obs = r.obs
        over = np.nonzero(state.cars.steps >= settings.car.episode_steps)[0]
        if len(over):  # truncated, not ended: the stored next_obs stays the true one
            state.obs = state.cars.spawn(over, state.rng)
        loss = None
        if state.replay.size >= max(s.learning_starts, s.batch):
            for _ in range(s.updates_per_step):
                loss = learn(state.net, state.target, state.optimizer, state.replay.sample(s.batch, state.rng), s.gamma)
                state.learn_steps += 1
                if s.target_update and state.learn_steps % s.target_update == 0:
                    state.target.load_state_dict(state.net.state_dict())
        state.step += 1
        state.car_steps += n
        window.add(r, entropy, loss)
        if state.step % settings.log_every == 0:
            row = window.row(state)
            log.log(row)
            report(Progress("step", state.step, row))
            window = _Window()
        if clock() - last_save >= settings.save_every_s:
            checkpoint = save_and_score(out, settings, state, log)
            report(Progress("checkpoint", state.step, {"path": str(checkpoint)}))
            last_save = clock()
    checkpoint = save_and_score(out, settings, state, log)
    report(Progress("end", state.step, {"stopped": stopped, "path": str(checkpoint)}))
    last = window.row(state) if window.steps else {}
    return TrainResult(out, state.step, state.car_steps, state.seconds, stopped, checkpoint, last)


class _Window:
    """Sums over the steps between two metrics rows."""

    def __init__(self):
        self.steps = self.car_steps = self.targets = self.road = self.walls = 0
        self.reward = self.entropy = 0.0
        self.losses: list[float] = []

    def add(self, r, entropy, loss) -> None:
        self.steps += 1
        self.car_steps += len(r.reward)
        self.reward += float(r.reward.sum())
        self.targets += int((r.reached >= 0).sum())
        self.road += int(r.on_road.sum())
        self.walls += int(r.wall.sum())
        self.entropy += float(entropy.sum())
        if loss is not None:
            self.losses.append(loss)

    def row(self, state: State) -> dict:
        k = max(self.car_steps, 1)
        return {
            "step": state.step,
            "split": "train",
            "car_steps": state.car_steps,
            "reward": self.reward / k,  # mean reward a car step
            "targets": self.targets,
            "targets_per_1000": 1000 * self.targets / k,
            "road_share": self.road / k,
            "wall_hits": self.walls,
            "entropy": self.entropy / k,  # nats; ln 3 = 1.10 is uniform
            "loss": float(np.mean(self.losses)) if self.losses else None,
            "time": state.seconds,
        }


def greedy_score(net: QNetwork, world: World, car, steps: int = 1000, starts: int = 8) -> float:
    """The greedy car's mean reward a step over `steps` steps from the last target, facing
    `starts` directions, goal A1: the run's validation figure, which picks its `best` checkpoint.
    A DQN without a target network swings; the best checkpoint is what watch and eval drive."""
    cars = Cars(world, car, starts)
    obs = cars.place(
        np.arange(starts),
        np.repeat(world.targets[-1:], starts, 0),
        np.arange(starts) * 360.0 / starts,
        np.zeros(starts, dtype=np.int64),
    )
    total = 0.0
    with torch.inference_mode():
        for _ in range(steps):
            r = cars.step(net(torch.from_numpy(obs)).argmax(-1).numpy())
            obs = r.obs
            total += float(r.reward.sum())
    return total / (steps * starts)


def save_and_score(out: Path, settings: DriveSettings, state: State, log) -> Path:
    """Save; score the greedy car (a `val` metrics row); point `best` at it when it beats the best so far."""
    score = greedy_score(state.net, state.cars.world, settings.car)
    best = score > state.best_score
    if best:
        state.best_score = score
    checkpoint = save(out, settings, state)
    log.log({"step": state.step, "split": "val", "reward": score, "best": best, "time": state.seconds})
    if best:
        rundir.point(out, rundir.BEST, checkpoint)
    return checkpoint


def save(out: Path, settings: DriveSettings, state: State) -> Path:
    """A checked checkpoint directory of everything in State; `latest` points at it."""
    target = out / rundir.CHECKPOINTS / rundir.step_dir_name(state.step)
    with rundir.checked_directory(target, FORMAT) as tmp:
        weights = {f"net.{k}": v.contiguous() for k, v in state.net.state_dict().items()}
        if state.target is not None:
            weights |= {f"target.{k}": v.contiguous() for k, v in state.target.state_dict().items()}
        save_file(weights, tmp / MODEL)
        c = state.cars
        arrays = {f"replay.{k}": np.ascontiguousarray(v) for k, v in state.replay.state().items()}
        arrays |= {
            "cars.pos": c.pos,
            "cars.angle": c.angle,
            "cars.goal": c.goal,
            "cars.last_dist": c.last_dist,
            "cars.steps": c.steps,
            "cars.obs": state.obs,
        }
        save_numpy(arrays, tmp / REPLAY)
        torch.save({"optimizer": state.optimizer.state_dict(), "torch_rng": torch.get_rng_state()}, tmp / STATE)
        meta = {
            "settings": settings.model_dump(mode="json"),
            "step": state.step,
            "car_steps": state.car_steps,
            "learn_steps": state.learn_steps,
            "seconds": state.seconds,
            "best_score": state.best_score if np.isfinite(state.best_score) else None,
            "rng": state.rng.bit_generator.state,
        }
        (tmp / rundir.CONFIG_JSON).write_text(json.dumps(meta, indent=1) + "\n")
    rundir.point(out, rundir.LATEST, target)
    rundir.prune(out / rundir.CHECKPOINTS, settings.keep_last, out)
    return target


def restore(state: State, checkpoint: Path) -> None:
    weights = load_file(checkpoint / MODEL)
    state.net.load_state_dict({k[4:]: v for k, v in weights.items() if k.startswith("net.")})
    if state.target is not None:
        own = {k[7:]: v for k, v in weights.items() if k.startswith("target.")}
        state.target.load_state_dict(own or state.net.state_dict())
    arrays = load_numpy(checkpoint / REPLAY)
    state.replay.load({k[7:]: v for k, v in arrays.items() if k.startswith("replay.")})
    c = state.cars
    if len(arrays["cars.pos"]) == c.n:  # the same number of cars: carry on where they were
        c.pos, c.angle, c.goal = arrays["cars.pos"], arrays["cars.angle"], arrays["cars.goal"]
        c.last_dist, c.steps, state.obs = arrays["cars.last_dist"], arrays["cars.steps"], arrays["cars.obs"]
    trainer = torch.load(checkpoint / STATE, weights_only=True)
    state.optimizer.load_state_dict(trainer["optimizer"])
    torch.set_rng_state(trainer["torch_rng"])
    meta = json.loads((checkpoint / rundir.CONFIG_JSON).read_text())
    state.step, state.car_steps, state.learn_steps = meta["step"], meta["car_steps"], meta["learn_steps"]
    state.seconds = meta["seconds"]
    state.best_score = meta["best_score"] if meta.get("best_score") is not None else -float("inf")
    state.rng.bit_generator.state = meta["rng"]


def find_checkpoint(run: str | Path, pointer: str = rundir.LATEST) -> Path:
    """A run folder's checkpoint named by `pointer` (latest or best; else its newest valid one), or
    a checkpoint directory itself."""
    run = Path(run)
    if (run / rundir.MANIFEST).is_file():
        checkpoint = run
    elif (run / pointer).exists() and rundir.verify((run / pointer).resolve()) is None:
        checkpoint = (run / pointer).resolve()
    else:
        checkpoint, _ = rundir.newest_valid(run / rundir.CHECKPOINTS)
    if checkpoint is None or not (checkpoint / MODEL).is_file():
        raise CodelingError(f"{run} holds no drive checkpoint; pass a run folder that `codeling drive train` wrote.")
    problem = rundir.verify(checkpoint)
    if problem is not None:
        raise CodelingError(f"{checkpoint} is damaged ({problem}); resume or retrain the run.")
    return checkpoint


def run_settings(run: str | Path, preset=None, path=None, overrides=None) -> DriveSettings:
    """A run's own settings (from its newest checkpoint), with any preset/YAML/--set laid over them."""
    meta = json.loads((find_checkpoint(run) / rundir.CONFIG_JSON).read_text())
    return load_drive_settings(preset, path, overrides, base=meta["settings"])


@dataclass
class CarPolicy:
    """A trained car: its settings, its Q-network (eval mode), the step it was saved at."""

    settings: DriveSettings
    net: QNetwork
    step: int
    checkpoint: Path

    def q(self, obs: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return self.net(torch.from_numpy(np.asarray(obs, dtype=np.float32))).numpy()

    def act(self, obs: np.ndarray) -> np.ndarray:
        """Greedy actions (argmax Q) for a batch of observations (N, 5)."""
        return self.q(obs).argmax(-1)


def load_car(run: str | Path, pointer: str = rundir.BEST) -> CarPolicy:
    """The trained car of a run folder or of one checkpoint directory, with the settings it was
    trained with. From a run folder: its `best` checkpoint (the greedy car's best validation
    score; pointer="latest" for the last one), else its newest valid one. CodelingError when there
    is none or it is damaged."""
    checkpoint = find_checkpoint(run, pointer)
    meta = json.loads((checkpoint / rundir.CONFIG_JSON).read_text())
    settings = load_drive_settings(base=meta["settings"])
    net = QNetwork(settings.dqn.hidden)
    weights = load_file(checkpoint / MODEL)
    net.load_state_dict({k[4:]: v for k, v in weights.items() if k.startswith("net.")})
    net.eval()
    return CarPolicy(settings, net, meta["step"], checkpoint)
