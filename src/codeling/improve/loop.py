"""Self-improvement: a code model writes solutions, the sandbox checks them, what passes is kept in a
versioned dataset, and the model is fine-tuned on it, round after round, one difficulty step at a time.

    base      a small model trained on the seed set (curriculum.py: references of easy tasks,
              d <= d0 for the chains) through the training skeleton (train/trainer.py)
    round 0   the base model measured: held-out pass@1 at every difficulty (greedy), and pass@1 and
              pass@10 on the suite's test split and held-out family, the same settings every round
    round r   draft `write_tasks` new tasks and accept those that pass their checks (writing.py) ->
              sample k completions per task of the round (chains: fresh train instances at d0 + r;
              plus the tasks the model wrote in earlier rounds) -> run each with the task's tests in
              the sandbox -> keep passing, distinct, not hard-coded solutions (filters.py) -> a new
              dataset version -> fine-tune on the seed set mixed with everything kept so far
              (`kept_share` of the examples) from the last round's model (or the base, `restart`)
              -> measure

Baselines with the same steps: `control` fine-tunes on the seed set alone; `oracle` on the rounds'
tasks' reference solutions instead of what the model wrote (the upper bound).

Every phase writes through the store's transactions, and every phase is skipped on --resume once it
is done, so a killed run continues where it stopped: no sample is drawn twice (sampling is seeded
per chunk of tasks, and a chunk is stored whole or not at all), none is lost, and fine-tuning
resumes from its own checkpoints.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from codeling import rounds as rounds_lib
from codeling import rundir
from codeling.config import LogConfig
from codeling.errors import CodelingError
from codeling.evals.tasks import Task
from codeling.improve import curriculum, grpo, measure, sampling, writing
from codeling.improve import data as improve_data
from codeling.improve.backends import make_backend
from codeling.improve.run import ImproveRun, Interrupted
from codeling.improve.settings import ImproveSettings, from_saved, to_json, training_config
from codeling.improve.store import Store
from codeling.tokenizers import load_tokenizer
from codeling.train.metrics import MetricsLog
from codeling.train.progress import Progress, Report, ignore
from codeling.train.trainer import train

LOOP = "improve"  # what the run folder's settings file says it holds (codeling/rounds.py)
MISSING = "{out} holds no self-improvement run to resume; start without --resume."


@dataclass
class ImproveResult:
    out: Path
    stopped: str  # "finished" or "interrupted"
    rounds: list[dict]  # one row a measured round: pass@k and the round's statistics


def improve(
    settings: ImproveSettings,
    out: str | Path,
    resume: bool = False,
    progress: Report | None = None,
) -> ImproveResult:
    """The run in `out` (resumed when asked); `progress` receives the phases' counts, the trainer's
    events and, as each round is measured, Progress("round", r, its metrics)."""
    run = open_run(settings, Path(out), resume, progress or ignore)
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
    folder = rounds_lib.RoundsRun(run.out, LOOP)
    rows = rounds_lib.rows(folder)
    if stopped == "finished":
        rounds_lib.write_report(folder, {"settings": settings.model_dump(mode="json"), "rounds": rows})
    return ImproveResult(run.out, stopped, rows)


def open_run(settings: ImproveSettings, out: Path, resume: bool, progress: Report) -> ImproveRun:
    """Create the run directory (settings first, then store, tokenizer, seed shards) or reopen it on
    --resume (an old run folder too: codeling/rounds.py). Everything that can refuse does so before
    the first file is written."""
    backend = make_backend(settings.backend, settings.ray_address)
    if resume:
        rounds_lib.reopen(out, LOOP, MISSING.format(out=out))
        if _comparable(saved_settings(out)) != _comparable(settings):
            raise CodelingError(f"{out} was started with other settings; resume it with the same preset and options.")
    else:
        rundir.refuse_occupied(out, "files (pass --resume to continue its run)")
        if settings.base_from is not None:
            check_base_from(settings)
    held_out = curriculum.held_out(settings)
    if not resume:
        rounds_lib.start(out, LOOP, json.loads(to_json(settings)), "files (pass --resume to continue its run)")
    store = Store(out / rundir.STORE)  # a damaged store refuses here, before anything is rebuilt
    if not (out / rundir.SEED).is_dir():  # a run stopped before its seed shards writes them now
        write_seed(out, settings)
    if settings.tasks == "suite":  # the same tasks every round, stored once
        store.add_tasks([task_row(t) for t in curriculum.round_tasks(settings, 1)], "suite", 0)
    log = rounds_lib.open_log(rounds_lib.RoundsRun(out, LOOP), _last_done(store), key="step")
    board = MetricsLog(out / rundir.TENSORBOARD, LogConfig(tensorboard=True), _last_done(store), out.name, {})
    return ImproveRun(out, settings, store, held_out, log, board, progress, backend)


# What the base model depends on: a run reusing another's base must agree on these.
BASE_FIELDS = {
    "tasks", "seed", "seed_difficulty", "seed_count", "seed_levels", "seed_fraction", "per_kind",
    "task_documents", "vocab_size", "base_steps", "model", "data", "train", "checkpoint", "log",
}  # fmt: skip


# The trainer settings only a policy update reads: the base model never sees them.
POLICY_ONLY = {"objective", "clip", "kl", "temperature"}
# The rounds library's one rule (rounds.base_settings): the base goes on from its best checkpoint.
BASE_RULE = {"fields": BASE_FIELDS, "goes_on_from": rundir.BEST, "unread": POLICY_ONLY}


def base_settings(settings: ImproveSettings) -> dict:
    """What decides the base model's weights (rounds.base_settings under BASE_RULE)."""
    return rounds_lib.base_settings(settings.model_dump(mode="json"), **BASE_RULE)


def check_base_from(settings: ImproveSettings) -> None:
    """The run named by base_from trained the base model this run would train, and finished it."""
    rounds_lib.check_base_from(
        settings.base_from,
        LOOP,
        settings.model_dump(mode="json"),
        theirs=lambda run: saved_settings(run.out).model_dump(mode="json"),
        base=lambda run: run.out / rundir.BASE / rundir.BEST,
        **BASE_RULE,
    )


def _comparable(settings: ImproveSettings) -> dict:
    """Settings less what a resumed run may change: more rounds, and where the work runs (a chunk
    draws the same samples on any backend)."""
    return settings.model_dump(mode="json", exclude={"rounds", "backend", "ray_address"})


def saved_settings(out: Path) -> ImproveSettings:
    """The settings a run was started with (what a bare --resume continues with)."""
    run = rounds_lib.reopen(out, LOOP, MISSING.format(out=out))
    return from_saved(rounds_lib.saved(run))


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


def seed_pairs(settings: ImproveSettings) -> tuple[list, list]:
    """(train, val) pairs of the seed set (data.seed_pairs)."""
    return improve_data.seed_pairs(curriculum.seed_tasks(settings), settings.seed, settings.task_documents)


def write_seed(out: Path, settings: ImproveSettings) -> None:
    """The tokenizer (learned from the seed set) and the seed set's shards."""
    train_pairs, val_pairs = seed_pairs(settings)
    pairs = train_pairs + val_pairs
    tokenizer = improve_data.learn_tokenizer([p + c for p, c in pairs], settings.vocab_size)
    tokenizer.save(out / rundir.TOKENIZER)
    provenance = {
        "source": "codeling improve seed set",
        "tasks": settings.tasks,
        "levels": list(settings.seed_levels),
        "examples": len(pairs),
        "task_documents": settings.task_documents,
    }
    if settings.tasks == "chains":
        provenance["difficulties"] = list(range(1, settings.seed_difficulty + 1))
    improve_data.write_examples(out / rundir.SEED, train_pairs, val_pairs, tokenizer, provenance)


def fit(
    run: ImproveRun, data_dir: Path, steps: int, init_from: Path | None, run_dir: Path, policy: bool = False
) -> Path:
    """Train through the skeleton (resuming its own checkpoints); the checkpoint the run goes on
    with: the best by validation loss, or for a policy update its last (the seed set's loss is not
    what a policy update optimises)."""
    config = training_config(run.settings, data_dir, steps, init_from, policy)
    checkpoints = run_dir / rundir.CHECKPOINTS
    resume = checkpoints.is_dir() and any(checkpoints.iterdir())
    result = train(config, run_dir, resume=resume, progress=run.progress)
    if result.stopped == "interrupted":
        raise Interrupted
    return (run_dir / (rundir.LATEST if policy else rundir.BEST)).resolve()


def base_model(run: ImproveRun) -> Path:
    base = run.out / rundir.BASE
    if run.settings.base_from is not None and not base.exists():
        # The same seed set, model and steps (check_base_from): copy, pointers and all, then rename.
        partial = run.out / f"{rundir.BASE}.copying"
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(Path(run.settings.base_from) / rundir.BASE, partial, symlinks=True)
        partial.rename(base)
    # fit() resumes a finished run as a no-op, so a resumed improve run passes straight through.
    return fit(run, run.out / rundir.SEED, run.settings.base_steps, None, base)


def improve_round(run: ImproveRun, r: int, previous: Path) -> Path:
    """One round; returns the model the next round starts from."""
    s = run.settings
    round_dir = rounds_lib.RoundsRun(run.out, LOOP).round_dir(r)
    if run.store.round_phase(r) == "done":
        if s.update_in(r) == "grpo":  # a round none of whose groups had a signal trained nothing
            trained = round_dir / rundir.TRAIN / rundir.LATEST
            return trained.resolve() if trained.exists() else previous
        return (round_dir / rundir.TRAIN / rundir.BEST).resolve()
    tasks = curriculum.round_tasks(s, r)
    if s.tasks == "chains":
        run.store.add_tasks([task_row(t) for t in tasks], "chains", r)
    seconds: dict[str, float] = {}
    t0 = time.monotonic()
    # The chains' baselines learn from the seed set or the references alone: they draw nothing.
    draws = not (s.tasks == "chains" and (s.control or s.oracle))
    if s.write_tasks and draws:
        writing.draft_round(run, r, previous)
        writing.judge_round(run, r)
        seconds["write"], t0 = time.monotonic() - t0, time.monotonic()
    if draws:
        sampling.sample_round(run, r, previous, [t.task_id for t in tasks])
        seconds["sample"], t0 = time.monotonic() - t0, time.monotonic()
        sampling.check_round(run, r)
        seconds["check"], t0 = time.monotonic() - t0, time.monotonic()
    version = run.store.version_for_round(r) or sampling.keep_round(run, r)
    extra = {"version": version, "update": s.update_in(r)}
    if s.update_in(r) == "grpo":
        data_dir = round_dir / rundir.POLICY_DATA
        extra["grpo"] = found = grpo.policy_data(run, r, previous, data_dir, seed_pairs(s))
        model = previous  # no group with a signal: nothing to learn this round
        if found["groups_with_signal"]:
            model = fit(run, data_dir, s.finetune_steps, previous, round_dir / rundir.TRAIN, policy=True)
    else:
        start = run.out / rundir.BASE / rundir.BEST if s.restart else previous
        model = fit(run, round_data(run, r, version), s.finetune_steps, start, round_dir / rundir.TRAIN)
    seconds["train"] = time.monotonic() - t0
    extra["seconds"] = seconds
    if s.tasks == "chains":
        extra["difficulty"] = s.round_difficulty(r)  # the hardest the round sampled
    measure_round(run, r, model, extra)
    return model


def round_data(run: ImproveRun, r: int, version: int) -> Path:
    """Shards of the seed set mixed with what the round trains on: the version's kept samples, the
    rounds' reference solutions for the oracle, nothing for the control."""
    s = run.settings
    out = rounds_lib.RoundsRun(run.out, LOOP).round_dir(r) / rundir.DATA
    train_pairs, val_pairs = seed_pairs(s)
    if s.control:
        new = []
    elif s.oracle:
        new = [(t.prompt, t.reference) for q in range(1, r + 1) for t in curriculum.round_tasks(s, q)]
    else:
        new = [(k.prompt, k.completion) for k in run.store.version_samples(version)]
    pairs = train_pairs + mix(new, len(train_pairs), s.kept_share if s.tasks == "chains" else None)
    tokenizer = load_tokenizer(run.out / rundir.TOKENIZER)
    provenance = {
        "source": "codeling improve",
        "round": r,
        "dataset_version": version,
        "kept_samples": len(new),
        "control": s.control,
        "oracle": s.oracle,
    }
    improve_data.write_examples(out, pairs, val_pairs, tokenizer, provenance)
    return out


def mix(new: list, seed_examples: int, share: float | None) -> list:
    """The new examples repeated so they are about `share` of seed + new (Lee et al.'s 50/50 mix of
    the original data and the self-labelled), never fewer than once each; `share` None: once each."""
    if not new or share is None:
        return new
    repeats = max(1, math.ceil(share / (1 - share) * seed_examples / len(new)))
    return new * repeats


def measure_round(run: ImproveRun, r: int, model: Path, extra: dict) -> None:
    metrics = {**measure.held_out(run, model), **measure.round_statistics(run.store, r), **extra}
    run.store.set_phase(r, "done", metrics=metrics)
    run.log.write({"step": r, **metrics})
    run.tensorboard.log({"step": r, "split": "round", **_flat(metrics)})
    run.progress(Progress("round", r, metrics))


def _flat(metrics: dict, prefix: str = "") -> dict:
    """Nested metrics as one level of scalars: {"test": {"pass@1": x}} -> {"test/pass@1": x}."""
    flat = {}
    for key, value in metrics.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}/"))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            flat[f"{prefix}{key}"] = value
    return flat
