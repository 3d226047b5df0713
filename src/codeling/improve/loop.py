"""Self-improvement: a code model writes solutions, the sandbox checks them, what passes is kept in a
versioned dataset, and the model is fine-tuned on it, round after round.

    base      a small model trained on the seed set (the suite's train-split reference solutions of
              the seed levels) through the training skeleton (train/trainer.py)
    round 0   the base model measured: held-out pass@1 and pass@10 on the test split and on the
              held-out family, the same sampling settings every round
    round r   draft `write_tasks` new tasks and accept those that pass their checks (writing.py) ->
              sample k completions per train-split task and per task the model wrote in an earlier
              round -> run each with the task's tests in the sandbox -> keep passing, distinct, not
              hard-coded solutions (filters.py) -> a new dataset version -> fine-tune on seed +
              version (from the last round's model, or from the base model with `restart`) -> measure

Every phase writes through the store's transactions, and every phase is skipped on --resume once it
is done, so a killed run continues where it stopped: no sample is drawn twice (sampling is seeded
per chunk of tasks, and a chunk is stored whole or not at all), none is lost, and fine-tuning
resumes from its own checkpoints. `control` trains the same steps on the seed set alone.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from codeling import atomic
from codeling.config import Config, LogConfig, load_config
from codeling.errors import CodelingError
from codeling.evals.tasks import SuiteSettings, Task, load_split
from codeling.improve import data as improve_data
from codeling.improve import measure, sampling, writing
from codeling.improve.backends import make_backend
from codeling.improve.sampling import Interrupted
from codeling.improve.store import Store
from codeling.tokenizers import load_tokenizer
from codeling.train.metrics import MetricsLog
from codeling.train.rundir import JsonlLog
from codeling.train.skeleton import Event, StopFlag
from codeling.train.trainer import train

Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class ImproveSettings:
    rounds: int = 3
    seed_levels: tuple[int, ...] = (1,)  # the seed set: train-split reference solutions of these levels
    # The share of those tasks whose solutions are seed data; rounds sample every other train task, so
    # a model that learned level 1 meets unseen level-1 tasks it can solve (sampling only harder
    # levels, it solved none of 2,000 samples: docs/RESULTS.md).
    seed_fraction: float = 0.5
    per_kind: int = 40  # the task suite's draws per kind (codeling eval tasks --per-kind)
    task_limit: int | None = None  # train-split tasks sampled each round (None: all)
    samples_per_task: int = 8
    temperature: float = 0.8
    top_p: float = 0.95
    max_new_tokens: int = 96
    per_task: int = 2  # distinct solutions kept per task, over all rounds
    write_tasks: int = 32  # tasks the model drafts each round (0: it writes none)
    task_max_new_tokens: int = 240  # a drafted task is a whole function and its asserts
    task_documents: bool = True  # the seed set teaches the task format (keep on for a write_tasks=0 ablation)
    restart: bool = False  # fine-tune from the base model every round (ReST-EM, STaR) instead of the last round's
    control: bool = False  # fine-tune on the seed set alone, same steps: the control run
    vocab_size: int = 1024
    base_steps: int = 400
    finetune_steps: int = 150
    eval_samples: int = 10  # per held-out task, for pass@1 and pass@10
    eval_temperature: float = 0.8
    eval_limit: int | None = None  # held-out tasks per split (None: all)
    sandbox: str = "bwrap"
    backend: str = "local"  # where sampling and checking run: local, or ray (chunks fanned out over a cluster)
    ray_address: str | None = None  # a running Ray cluster; None starts a local one
    batch_rows: int = 64
    seed: int = 0
    # A 0.5M-parameter model: the base, three rounds and their measurements fit in about 20 minutes
    # on two CPU cores.
    model: tuple[str, ...] = (
        "model.block_size=256",
        "model.n_layer=3",
        "model.n_head=4",
        "model.n_embd=96",
        "model.positions=rotary",
        "data.batch_size=16",
        "train.lr=3e-3",
        "train.min_lr=3e-4",
        "train.warmup_steps=40",
        "train.eval_every=50",
        "train.eval_batches=4",
        "checkpoint.every_steps=200",
        "log.tensorboard=false",
    )

    def check(self) -> None:
        for name in ("rounds", "samples_per_task", "per_task", "eval_samples", "finetune_steps", "base_steps"):
            if getattr(self, name) < (0 if name == "rounds" else 1):
                raise CodelingError(f"improve setting {name} must be at least 1, got {getattr(self, name)}.")
        if self.write_tasks < 0 or self.task_max_new_tokens < 1:
            raise CodelingError("improve settings write_tasks must be at least 0 and task_max_new_tokens at least 1.")
        if not 0 < self.seed_fraction <= 1:
            raise CodelingError(f"improve setting seed_fraction must be in (0, 1], got {self.seed_fraction}.")
        if self.write_tasks and not self.task_documents:
            raise CodelingError("write_tasks needs task_documents=true: the model learns to write tasks from them.")


PRESETS = {
    "cpu": ImproveSettings(),
    # A few tasks and steps: the whole loop in well under a minute, for tests and a first look.
    "smoke": ImproveSettings(
        rounds=1,
        per_kind=4,
        task_limit=6,
        samples_per_task=2,
        max_new_tokens=48,
        write_tasks=4,
        task_max_new_tokens=160,
        base_steps=20,
        finetune_steps=10,
        eval_samples=2,
        eval_limit=4,
        vocab_size=400,
        model=(
            "model.block_size=256",
            "model.n_layer=1",
            "model.n_head=2",
            "model.n_embd=32",
            "data.batch_size=8",
            "train.warmup_steps=2",
            "train.eval_every=10",
            "train.eval_batches=1",
            "log.tensorboard=false",
        ),
    ),
}


@dataclass
class ImproveRun:
    """What every phase needs: the run directory, its store, tokenizer, tasks and settings."""

    out: Path
    settings: ImproveSettings
    store: Store
    train_tasks: list[Task]
    held_out: dict[str, list[Task]]  # "test" and "heldout" splits, never trained on
    log: JsonlLog
    tensorboard: MetricsLog  # RUN/tensorboard: each round's scalars (tb/ for TensorBoard, metrics.jsonl)
    progress: Progress
    on_event: Callable[[Event], None]
    backend: object
    stop: StopFlag = field(default_factory=StopFlag)


@dataclass
class ImproveResult:
    out: Path
    stopped: str  # "finished" or "interrupted"
    rounds: list[dict]  # one row a measured round: pass@k and the round's statistics


def improve(
    settings: ImproveSettings,
    out: str | Path,
    resume: bool = False,
    progress: Progress | None = None,
    on_event: Callable[[Event], None] | None = None,
) -> ImproveResult:
    run = open_run(settings, Path(out), resume, progress or (lambda *a: None), on_event or (lambda e: None))
    try:
        with run.stop:
            model = base_model(run)
            if run.store.round_phase(0) != "done":
                measure_round(run, 0, model, {})
            for r in range(1, settings.rounds + 1):
                model = improve_round(run, r, model)
        stopped = "finished"
    except Interrupted:
        stopped = "interrupted"
    finally:
        run.log.close()
        run.tensorboard.close()
        run.store.close()
    rounds = [json.loads(line) for line in (run.out / "rounds.jsonl").read_text().splitlines() if line.strip()]
    if stopped == "finished":
        atomic.write_text(
            run.out / "report.json", json.dumps({"settings": asdict(settings), "rounds": rounds}, indent=2)
        )
    return ImproveResult(run.out, stopped, rounds)


def open_run(settings: ImproveSettings, out: Path, resume: bool, progress: Progress, on_event) -> ImproveRun:
    """Create the run directory (settings, store, tokenizer, seed shards) or reopen it on --resume."""
    settings.check()
    backend = make_backend(settings.backend, settings.ray_address)  # before anything is written
    marker = out / "improve.json"
    if resume and not marker.is_file():
        raise CodelingError(f"{out} holds no self-improvement run to resume; start without --resume.")
    if not resume and out.exists() and any(out.iterdir()):
        raise CodelingError(f"{out} already holds files; pass --resume to continue its run, or choose another --out.")
    if resume and _comparable(_with_added(json.loads(marker.read_text()))) != _comparable(asdict(settings)):
        raise CodelingError(f"{out} was started with other settings; resume it with the same preset and options.")
    suite = SuiteSettings(per_kind=settings.per_kind)
    # The seed set's tasks already have their solutions; sampling them again only rewards re-writing
    # those (measured: docs/RESULTS.md), so rounds sample the train split's other tasks.
    seeds = {t.task_id for t in seed_tasks(settings)}
    train_tasks = [t for t in load_split("train", suite) if t.task_id not in seeds][: settings.task_limit]
    held_out = {name: load_split(name, suite, limit=settings.eval_limit) for name in ("test", "heldout")}
    out.mkdir(parents=True, exist_ok=True)
    if not resume:
        write_seed(out, settings)
        atomic.write_text(marker, json.dumps(asdict(settings), indent=2) + "\n")
    store = Store(out / "dataset.sqlite")
    store.add_tasks([task_row(t) for t in train_tasks], "suite", 0)
    log = JsonlLog(out / "rounds.jsonl", _last_done(store))
    board = MetricsLog(out / "tensorboard", LogConfig(tensorboard=True), _last_done(store), out.name, {})
    return ImproveRun(out, settings, store, train_tasks, held_out, log, board, progress, on_event, backend)


# Settings added after the first runs, with the value a run started before them had in effect.
ADDED = {"write_tasks": 0, "task_max_new_tokens": 240, "task_documents": False, "seed_fraction": 1.0}


def _with_added(values: dict) -> dict:
    return {**ADDED, **values}


def _comparable(settings: dict) -> dict:
    """Settings as JSON sees them, less what a resumed run may change: more rounds, and where the
    work runs (a chunk draws the same samples on any backend)."""
    return {k: v for k, v in json.loads(json.dumps(settings)).items() if k not in ("rounds", "backend", "ray_address")}


def saved_settings(out: Path) -> ImproveSettings:
    """The settings a run was started with (what a bare --resume continues with)."""
    marker = Path(out) / "improve.json"
    if not marker.is_file():
        raise CodelingError(f"{out} holds no self-improvement run to resume; start without --resume.")
    values = _with_added(json.loads(marker.read_text()))
    return ImproveSettings(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


def _last_done(store: Store) -> int | None:
    done = [r["round"] for r in store.rounds() if r["phase"] == "done"]
    return max(done) if done else None


def task_row(task: Task) -> dict:
    return {
        "task_id": task.task_id,
        "entry_point": task.entry_point,
        "prompt": task.prompt,
        "tests": task.tests,
        "family": task.family,
        "level": task.level,
    }


def seed_tasks(settings: ImproveSettings) -> list[Task]:
    """The seed set's tasks: `seed_fraction` of the seed levels' train-split tasks, drawn by the run's seed."""
    tasks = [
        t for t in load_split("train", SuiteSettings(per_kind=settings.per_kind)) if t.level in settings.seed_levels
    ]
    chosen = random.Random(settings.seed).sample(tasks, round(len(tasks) * settings.seed_fraction))
    return sorted(chosen, key=lambda t: t.task_id)


def seed_pairs(settings: ImproveSettings) -> tuple[list, list]:
    """(train, val) pairs of the seed set (data.seed_pairs)."""
    return improve_data.seed_pairs(seed_tasks(settings), settings.seed, settings.task_documents)


def write_seed(out: Path, settings: ImproveSettings) -> None:
    """The tokenizer (learned from the seed set) and the seed set's shards."""
    train_pairs, val_pairs = seed_pairs(settings)
    pairs = train_pairs + val_pairs
    tokenizer = improve_data.learn_tokenizer([p + c for p, c in pairs], settings.vocab_size)
    tokenizer.save(out / "tokenizer.json")
    provenance = {
        "source": "codeling improve seed set",
        "levels": list(settings.seed_levels),
        "examples": len(pairs),
        "task_documents": settings.task_documents,
    }
    improve_data.write_examples(out / "seed", train_pairs, val_pairs, tokenizer, provenance)


def training_config(run: ImproveRun, data_dir: Path, steps: int, init_from: Path | None) -> Config:
    overrides = [
        f"data.dir={data_dir}",
        f"train.max_steps={steps}",
        f"train.seed={1337 + run.settings.seed}",
        *run.settings.model,
    ]
    if init_from is not None:
        overrides.append(f"train.init_from={init_from}")
    return load_config(preset="tiny", overrides=overrides)


def fit(run: ImproveRun, config: Config, run_dir: Path) -> Path:
    """Train through the skeleton (resuming its own checkpoints); the best checkpoint's path."""
    resume = (run_dir / "checkpoints").is_dir() and any((run_dir / "checkpoints").iterdir())
    result = train(config, run_dir, resume=resume, on_event=run.on_event)
    if result.stopped == "interrupted":
        raise Interrupted
    return (run_dir / "best").resolve()


def base_model(run: ImproveRun) -> Path:
    # fit() resumes a finished run as a no-op, so a resumed improve run passes straight through.
    return fit(run, training_config(run, run.out / "seed", run.settings.base_steps, None), run.out / "base")


def improve_round(run: ImproveRun, r: int, previous: Path) -> Path:
    """One round; returns the model the next round starts from."""
    round_dir = run.out / "rounds" / f"round-{r:03d}"
    if run.store.round_phase(r) == "done":
        return (round_dir / "train" / "best").resolve()
    seconds: dict[str, float] = {}
    t0 = time.monotonic()
    if run.settings.write_tasks:
        writing.draft_round(run, r, previous)
        writing.judge_round(run, r)
        seconds["write"], t0 = time.monotonic() - t0, time.monotonic()
    sampling.sample_round(run, r, previous)
    seconds["sample"], t0 = time.monotonic() - t0, time.monotonic()
    sampling.check_round(run, r)
    seconds["check"], t0 = time.monotonic() - t0, time.monotonic()
    version = run.store.version_for_round(r) or sampling.keep_round(run, r)
    start = run.out / "base" / "best" if run.settings.restart else previous
    model = fit(
        run, training_config(run, round_data(run, r, version), run.settings.finetune_steps, start), round_dir / "train"
    )
    seconds["train"] = time.monotonic() - t0
    measure_round(run, r, model, {"seconds": seconds, "version": version})
    return model


def round_data(run: ImproveRun, r: int, version: int) -> Path:
    """Shards of the seed set plus the version's kept samples (the seed set alone for the control)."""
    out = run.out / "rounds" / f"round-{r:03d}" / "data"
    train_pairs, val_pairs = seed_pairs(run.settings)
    kept = [] if run.settings.control else run.store.version_samples(version)
    pairs = train_pairs + [(k.prompt, k.completion) for k in kept]
    tokenizer = load_tokenizer(run.out / "tokenizer.json")
    provenance = {
        "source": "codeling improve",
        "round": r,
        "dataset_version": version,
        "kept_samples": len(kept),
        "control": run.settings.control,
    }
    improve_data.write_examples(out, pairs, val_pairs, tokenizer, provenance)
    return out


def measure_round(run: ImproveRun, r: int, model: Path, extra: dict) -> None:
    metrics = {**measure.held_out(run, model), **measure.round_statistics(run.store, r), **extra}
    run.store.set_phase(r, "done", metrics=metrics)
    run.log.write({"step": r, **metrics})
    run.tensorboard.log({"step": r, "split": "round", **_flat(metrics)})
    run.on_event(Event("round", r, metrics))


def _flat(metrics: dict, prefix: str = "") -> dict:
    """Nested metrics as one level of scalars: {"test": {"pass@1": x}} -> {"test/pass@1": x}."""
    flat = {}
    for key, value in metrics.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}/"))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            flat[f"{prefix}{key}"] = value
    return flat


def load_settings(preset: str | None, path: Path | None = None, overrides: list[str] = ()) -> ImproveSettings:
    """A preset, then a YAML file of settings, then name=value overrides (YAML scalars)."""
    import dataclasses

    import yaml

    if preset is not None and preset not in PRESETS:
        raise CodelingError(f"Unknown improve preset {preset!r}; choose one of {', '.join(PRESETS)}.")
    values = asdict(PRESETS[preset or "cpu"])
    if path is not None:
        if not Path(path).is_file():
            raise CodelingError(f"{path} does not exist; pass a YAML file of improve settings.")
        values.update(yaml.safe_load(Path(path).read_text()) or {})
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep:
            raise CodelingError(f"--set {item!r} is not name=value; write e.g. --set rounds=5.")
        values[name.strip()] = yaml.safe_load(value)
    known = {f.name: f for f in dataclasses.fields(ImproveSettings)}
    for name, value in values.items():
        if name not in known:
            raise CodelingError(f"Unknown improve setting {name!r}; known: {', '.join(known)}.")
        values[name] = tuple(value) if isinstance(value, list) else value
    settings = ImproveSettings(**values)
    settings.check()
    return settings
