"""The population as Ray Tune trials under Ray's PopulationBasedTraining scheduler, so that members
can spread over many machines.

Each trial is one member, and each of its Tune iterations is one generation: the trainable calls
codeling's own single-model `train()` up to the generation's last step (resuming from the trial's
previous checkpoint), and reports the val loss with that ordinary codeling checkpoint directory.
When PBT tells a trial to exploit another, Tune hands it the other's checkpoint; the trainable
installs it in its run directory with its own (explored) hyperparameters and resumes from it. The
schedule's decay length is pinned to the whole run, so stopping at a generation boundary and
resuming follows the same learning-rate curve as one long run.

Unlike the local backend, Ray's scheduler draws from unseeded generators and runs trials
concurrently, so two runs with one seed may make different choices. A member that copies another
also takes over its data stream (its seed travels in the copied config).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import time
from dataclasses import asdict
from pathlib import Path

from codeling import atomic, rundir
from codeling.config import Config, to_yaml, validate
from codeling.errors import CodelingError
from codeling.evolve import checkpoint as pckpt
from codeling.evolve.loop import EvolveResult, EvolveSettings
from codeling.evolve.pbt import Decision, Hyper, Range, default_space, initial_hypers, ranking
from codeling.train import checkpoint as ckpt
from codeling.train import skeleton
from codeling.train.progress import Progress, Report

HYPERS = tuple(Hyper.__dataclass_fields__)


def _member(trial_id: str) -> int:
    return int(trial_id.rsplit("_", 1)[-1])  # Tune numbers a run's trials <experiment>_00000, _00001, ...


def _install(donor: Path, run_dir: Path, config: Config) -> tuple[int, int]:
    """Make the donor's checkpoint this trial's only one, with this trial's hyperparameters; (step, donor member)."""
    loaded = ckpt.load_checkpoint(donor, with_state=True)
    state = loaded.trainer_state
    # AdamW.load_state_dict restores each group's weight decay; the explored value must win.
    for group in state["optimizer"]["param_groups"]:
        if group["weight_decay"] > 0:
            group["weight_decay"] = config.train.weight_decay
    shutil.rmtree(run_dir / rundir.CHECKPOINTS, ignore_errors=True)
    target = run_dir / rundir.CHECKPOINTS / rundir.step_dir_name(state["step"])
    ckpt.save_checkpoint(target, loaded.model, config, loaded.tokenizer, state)
    origin = json.loads((donor / "member.json").read_text())["member"]
    return state["step"], origin


def _trainable(tune_config: dict) -> None:
    from ray import tune

    from codeling.train.trainer import train

    member = _member(tune.get_context().get_trial_id())
    config = validate(tune_config["config"])
    total, G = config.train.max_steps, tune_config["generation_steps"]
    hyper = Hyper(**{name: tune_config[name] for name in HYPERS})
    config.train = hyper.apply(config.train, seed=tune_config["seed"])
    config.train.decay_steps = config.train.decay_steps or total
    config.train.eval_every = G
    config.checkpoint.every_steps = total + 1
    config.log.tensorboard = False
    run_dir = Path(tune.get_context().get_trial_dir()) / "codeling"
    step, parent = 0, member
    checkpoint = tune.get_checkpoint()
    if checkpoint is not None:
        with checkpoint.as_directory() as donor:
            step, parent = _install(Path(donor), run_dir, config)
    while step < total:
        target = min(step + G, total)
        part = config.model_copy(deep=True)
        part.train.max_steps = target
        scores: list[float] = []
        result = train(
            part,
            run_dir,
            resume=step > 0,
            progress=lambda e, scores=scores: scores.append(e.data["loss"]) if e.kind == "eval" else None,
        )
        (result.checkpoint / "member.json").write_text(json.dumps({"member": member}) + "\n")
        step = target
        metrics = {"val_loss": scores[-1], "step": step, "member": member, "parent": parent, **asdict(hyper)}
        # Our own record of the reports: Tune's per-trial tables get muddled when synchronous PBT
        # pauses and restores trials. (Several machines need run_dir on a shared filesystem.)
        with open(Path(tune_config["reports"]) / f"member-{member}.jsonl", "a") as f:
            f.write(json.dumps(metrics) + "\n")
        tune.report(metrics, checkpoint=tune.Checkpoint.from_directory(str(result.checkpoint)))
        parent = member


def _domain(r: Range):
    from ray import tune

    if r.integer:
        return tune.randint(int(r.low), int(r.high) + 1)
    return tune.loguniform(r.low, r.high) if r.log else tune.uniform(r.low, r.high)


def _lineage(histories: dict[int, list[dict]], first: list[Hyper], G: int) -> tuple[list[dict], list[dict]]:
    """lineage.jsonl and metrics.jsonl rows in the local backend's shape, from each member's reports.

    Report g of a member gives its score at the end of generation g and the parent/hyperparameters it
    started generation g with; a lineage row pairs the score of g with the choices made for g + 1."""
    lineage = [
        {"generation": 0, "step": 0, "member": m, "parent": None, "action": "init", "hyper": asdict(h), "score": None}
        for m, h in enumerate(first)
    ]
    metrics = []
    for m, reports in sorted(histories.items()):
        for g, report in enumerate(reports, start=1):
            following = reports[g] if g < len(reports) else {**report, "parent": m}
            parent = following["parent"]
            lineage.append(
                {
                    "generation": g,
                    "step": report["step"],
                    "member": m,
                    "parent": parent,
                    "action": "exploit" if parent != m else "keep",
                    "hyper": {name: following[name] for name in HYPERS},
                    "score": report["val_loss"],
                }
            )
            metrics.append(
                {
                    "step": report["step"],
                    "split": "val",
                    "loss": report["val_loss"],
                    "lr": report["lr"],
                    "tokens": 0,
                    "time": 0.0,
                    "member": m,
                }
            )
    lineage.sort(key=lambda r: (r["generation"], r["member"]))
    return lineage, metrics


def train_population_ray(
    config: Config,
    settings: EvolveSettings,
    run_dir: str | Path,
    address: str | None = None,
    progress: Report | None = None,
    space: dict[str, Range] | None = None,
    gpus_per_trial: float = 0.0,
) -> EvolveResult:
    """Run the population on Ray (the running instance, `address`, or a new local one); pbt or none.

    Each trial asks Ray for one CPU and `gpus_per_trial` GPUs (Ray hides GPUs from trials that ask for none)."""
    run_dir = Path(run_dir).resolve()
    _refuse_unsupported(settings, run_dir)
    import ray
    from ray import tune

    report = progress or skeleton.ignore
    config = skeleton.prepare_data(config).config
    config.data.dir = str(Path(config.data.dir).resolve())  # trials run in other working directories
    tcfg, P, G = config.train, settings.population, settings.generation_steps
    space = space or default_space(tcfg)
    first = initial_hypers(Hyper.of(tcfg), space, P, tcfg.seed)
    reports = run_dir / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    facts = {"population": P, "mode": f"{settings.mode} on ray", "device": "ray", "precision": tcfg.precision}
    tokens = config.data.batch_size * config.data.grad_accum * config.model.block_size
    report(Progress("start", 0, {"max_steps": tcfg.max_steps, **facts, "params": 0, "tokens_per_step": tokens}))
    t0 = time.monotonic()
    tuner = tune.Tuner(
        tune.with_resources(_trainable, {"cpu": 1, "gpu": gpus_per_trial}),
        param_space=_param_space(config, G, first, reports),
        tune_config=tune.TuneConfig(
            metric="val_loss", mode="min", scheduler=_scheduler(settings, space), reuse_actors=False
        ),
        # Stopping at the last generation keeps PBT from exploiting after the final evaluation.
        run_config=tune.RunConfig(
            name="ray",
            storage_path=str(run_dir),
            verbose=0,
            stop={"training_iteration": math.ceil(tcfg.max_steps / G)},
            checkpoint_config=tune.CheckpointConfig(num_to_keep=3),
        ),
    )
    grid = tuner.fit()
    for result in grid:
        if result.error is not None:
            raise CodelingError(f"A Ray trial failed ({result.error}); see {result.path} for its log.")
    return _finish(grid, config, settings, first, run_dir, report, time.monotonic() - t0)


def _finish(
    grid, config: Config, settings: EvolveSettings, first: list[Hyper], run_dir: Path, report: Report, seconds: float
) -> EvolveResult:
    """Write the run directory in the local backend's shape from the trials' reports and checkpoints."""
    P, steps = settings.population, config.train.max_steps
    histories = _histories(run_dir / "reports", P)
    lineage, metrics = _lineage(histories, first, settings.generation_steps)
    scores = [histories[m][-1]["val_loss"] for m in range(P)]
    best_member = ranking(scores)[0]
    best = _save_best(grid, best_member, run_dir)
    atomic.write_text(run_dir / rundir.CONFIG_YAML, to_yaml(config))
    atomic.write_text(
        run_dir / pckpt.SETTINGS, json.dumps({**settings.model_dump(), "backend": "ray"}, indent=2) + "\n"
    )
    atomic.write_text(run_dir / rundir.METRICS, "".join(json.dumps(r) + "\n" for r in metrics))
    atomic.write_text(run_dir / rundir.LINEAGE, "".join(json.dumps(r) + "\n" for r in lineage))
    generations = _replay_generations(lineage, report)
    report(Progress("end", steps, {"stopped": "finished", "seconds": seconds, "best_member": best_member}))
    hypers = [Hyper(**{name: histories[m][-1][name] for name in HYPERS}) for m in range(P)]
    finite = [s if math.isfinite(s) else math.inf for s in scores]
    return EvolveResult(
        run_dir,
        steps,
        generations,
        "finished",
        scores,
        hypers,
        best_member,
        finite[best_member],
        best,
        seconds,
        lineage,
    )


def _refuse_unsupported(settings: EvolveSettings, run_dir: Path) -> None:
    try:
        import ray.tune  # noqa: F401
    except ImportError:
        raise CodelingError(
            "The ray backend needs Ray Tune; pip install 'codeling[ray]', or use --backend local."
        ) from None
    if settings.mode not in ("pbt", "none"):
        raise CodelingError(
            f"The ray backend runs --mode pbt or none (Ray's PBT scheduler), not {settings.mode}; "
            "use --backend local for evolve."
        )
    if (run_dir / rundir.LINEAGE).exists():  # the ray backend cannot resume, so there is no --resume to offer
        rundir.refuse_occupied(run_dir, "a population run")


def _param_space(config: Config, G: int, first: list[Hyper], reports: Path) -> dict:
    """Member m starts with seed train.seed + m and the hyperparameters the local backend draws for it."""
    from ray import tune

    seed = config.train.seed
    return {
        "config": config.model_dump(),
        "reports": str(reports),
        "generation_steps": G,
        "member": tune.grid_search(list(range(len(first)))),
        "seed": tune.sample_from(lambda c: seed + c["member"]),
        **{name: tune.sample_from(lambda c, name=name: asdict(first[c["member"]])[name]) for name in HYPERS},
    }


def _scheduler(settings: EvolveSettings, space: dict[str, Range]):
    if settings.mode != "pbt":
        return None
    from ray.tune.schedulers import PopulationBasedTraining

    return PopulationBasedTraining(
        time_attr="training_iteration",
        perturbation_interval=1,
        hyperparam_mutations={name: _domain(space[name]) for name in HYPERS},
        quantile_fraction=settings.fraction,
        resample_probability=settings.resample_probability,
        perturbation_factors=(1.2, 0.8),
        custom_explore_fn=lambda c: {**c, **{n: space[n].clamp(c[n]) for n in HYPERS}},
        synch=True,
    )


def _histories(reports: Path, P: int) -> dict[int, list[dict]]:
    """Each member's reports in step order; a trial restored from a checkpoint may report a step
    again, and the last report stands."""
    histories = {}
    for m in range(P):
        by_step = {row["step"]: row for row in rundir.read_jsonl(reports / f"member-{m}.jsonl")}
        histories[m] = [by_step[k] for k in sorted(by_step)]
    return histories


def _save_best(grid, best_member: int, run_dir: Path) -> Path:
    # A trial's directory is named _trainable_<experiment>_<5-digit index>_...
    trial = re.compile(r"_trainable_[0-9a-f]+_(\d{5})_")
    best_result = next(r for r in grid if int(trial.search(Path(r.path).name).group(1)) == best_member)
    with best_result.checkpoint.as_directory() as directory:
        loaded = ckpt.load_checkpoint(directory, with_state=True)
        return ckpt.save_checkpoint(
            run_dir / rundir.BEST, loaded.model, loaded.config, loaded.tokenizer, loaded.trainer_state
        )


def _replay_generations(lineage: list[dict], report: Report) -> int:
    """Report each generation's decisions as the local backend does while it runs; the number of generations."""
    generations = max(r["generation"] for r in lineage)
    for g in range(1, generations + 1):
        rows = [r for r in lineage if r["generation"] == g]
        decisions = [Decision(r["member"], r["parent"], r["action"], Hyper(**r["hyper"])) for r in rows]
        report(
            Progress(
                "eval", rows[0]["step"], {"generation": g, "scores": [r["score"] for r in rows], "decisions": decisions}
            )
        )
    return generations
