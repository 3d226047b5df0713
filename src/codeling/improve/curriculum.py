"""What a run learns from and is measured on: the seed set, each round's tasks, the held-out splits.

chains (the default): tasks with a difficulty d (evals/tasks/chains.py). The seed set is the
references of `seed_count` train instances at d = 1..d0 (evenly spread), plus the suite's seed tasks,
so the suite's splits measure whether climbing the chains costs anything elsewhere. Round r samples
`round_samples / samples_per_task` fresh train instances at each of d0 + 1 .. d0 + r and keeps what
passes; the references of those are used only by the oracle baseline. Held-out: test instances at
every difficulty measured (benchmarks/heldout/chains_test.jsonl), whose split is fixed by their
hash, so no round can draw one.

suite: the task suite's levels (the loop before chains): the seed set is `seed_fraction` of the seed
levels' train tasks, every round samples the suite's other train tasks.
"""

from __future__ import annotations

import random

from codeling.evals.tasks import SuiteSettings, Task, load_split
from codeling.evals.tasks.chains import chain_tasks
from codeling.improve.settings import ImproveSettings


def suite_seed_tasks(settings: ImproveSettings) -> list[Task]:
    """`seed_fraction` of the seed levels' train-split tasks, drawn by the run's seed."""
    tasks = [t for t in load_split("train", _suite(settings)) if t.level in settings.seed_levels]
    chosen = random.Random(settings.seed).sample(tasks, round(len(tasks) * settings.seed_fraction))
    return sorted(chosen, key=lambda t: t.task_id)


def chain_seed_tasks(settings: ImproveSettings) -> list[Task]:
    d0 = settings.seed_difficulty
    per = [settings.seed_count // d0 + (d <= settings.seed_count % d0) for d in range(1, d0 + 1)]
    return [t for d, n in zip(range(1, d0 + 1), per) for t in chain_tasks(d, n, "train", settings.seed)]


def seed_tasks(settings: ImproveSettings) -> list[Task]:
    """The tasks whose reference solutions are the seed set."""
    suite = suite_seed_tasks(settings)
    return chain_seed_tasks(settings) + suite if settings.tasks == "chains" else suite


def round_tasks(settings: ImproveSettings, r: int) -> list[Task]:
    """The train tasks round r samples (before the tasks the model wrote)."""
    if settings.tasks == "chains":
        # Every step climbed so far, with fresh instances each round: a difficulty the model solved
        # a sixth of the time last round yields more once it has trained on those (measured:
        # sampling only the next step, the frontier outran the model by round 2).
        first = settings.seed_difficulty + 1
        return [
            t
            for d in range(first, settings.round_difficulty(r) + 1)
            for t in chain_tasks(d, settings.tasks_per_difficulty(r), "train", settings.seed * 1000 + r)
        ]
    # The seed set's tasks already have their solutions; sampling them again only rewards re-writing
    # those (measured: docs/RESULTS.md), so rounds sample the train split's other tasks.
    seeds = {t.task_id for t in suite_seed_tasks(settings)}
    return [t for t in load_split("train", _suite(settings)) if t.task_id not in seeds][: settings.task_limit]


def held_out(settings: ImproveSettings) -> dict[str, list[Task]]:
    """Split name -> tasks measured every round and never trained on: the suite's test split and
    held-out family, and (chains) the test instances of every measured difficulty."""
    found = {name: load_split(name, _suite(settings), limit=settings.eval_limit) for name in ("test", "heldout")}
    if settings.tasks == "chains":
        n = settings.eval_per_difficulty
        # Seed 0 whatever the run's seed: the held-out set committed in benchmarks/heldout/, the same
        # tasks for every run, baseline and seed compared.
        found["chains"] = [t for d in settings.eval_difficulties() for t in chain_tasks(d, n, "test", 0)]
    return found


def _suite(settings: ImproveSettings) -> SuiteSettings:
    return SuiteSettings(per_kind=settings.per_kind)
