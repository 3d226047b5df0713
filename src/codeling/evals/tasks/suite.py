"""The suite: draw tasks from every kind, drop repeats, split them, and write or read them as JSONL.

A task's split follows from a hash of what it asks (kind, signature, description), never from the
seed or its position: the same task lands in the same split whatever else is generated, so train
and test never share a task, across seeds too. Whole families are held out (the `heldout` split)
to measure whether what a model learned carries over to kinds of task it never saw.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from codeling import atomic
from codeling.errors import CodelingError
from codeling.evals.tasks.base import FAMILIES, KINDS, LEVELS, Task, build_task

SPLITS = ("train", "test", "heldout")


@dataclass(frozen=True)
class SuiteSettings:
    seed: int = 0  # which draws are made (parameters, examples, hidden inputs)
    per_kind: int = 40  # draws per kind; a kind with few parameters yields fewer distinct tasks
    test_fraction: float = 0.2
    heldout_families: tuple[str, ...] = ("dicts",)

    def check(self) -> None:
        if self.per_kind < 1:
            raise CodelingError(f"per_kind must be at least 1, got {self.per_kind}.")
        if not 0 < self.test_fraction < 1:
            raise CodelingError(f"test_fraction must lie between 0 and 1, got {self.test_fraction}.")
        unknown = set(self.heldout_families) - set(FAMILIES)
        if unknown:
            raise CodelingError(f"Unknown held-out families {sorted(unknown)}; choose from {', '.join(FAMILIES)}.")


def _identity(task: Task) -> str:
    return task.task_id.rsplit("/", 1)[1]


def split_of(task: Task, settings: SuiteSettings) -> str:
    if task.family in settings.heldout_families:
        return "heldout"
    return "test" if int(_identity(task), 16) / 16**12 < settings.test_fraction else "train"


def generate_tasks(settings: SuiteSettings = SuiteSettings()) -> list[Task]:
    """Every distinct task the settings draw, kind by kind in registration order."""
    settings.check()
    tasks, seen = [], set()
    for k in KINDS.values():
        for i in range(settings.per_kind):
            rng = random.Random(f"{settings.seed}:{k.name}:{i}")
            task = build_task(k, k.make(rng), examples=rng.choice((2, 3)))
            if task is not None and task.task_id not in seen:
                seen.add(task.task_id)
                tasks.append(task)
    return tasks


def load_split(
    split: str,
    settings: SuiteSettings = SuiteSettings(),
    families: Iterable[str] | None = None,
    levels: Iterable[int] | None = None,
    limit: int | None = None,
) -> list[Task]:
    """One split's tasks, optionally only some families and levels, in an order mixed by hash so that
    the first `limit` tasks cover every kind."""
    if split not in SPLITS:
        raise CodelingError(f"Unknown split {split!r}; choose one of {', '.join(SPLITS)}.")
    families = set(families or FAMILIES)
    levels = set(levels or LEVELS)
    if not families <= set(FAMILIES) or not levels <= set(LEVELS):
        raise CodelingError(f"Families must be among {', '.join(FAMILIES)} and levels among {LEVELS}.")
    if limit is not None and limit < 1:
        raise CodelingError(f"--limit must be at least 1 task, got {limit}.")
    chosen = [
        t
        for t in generate_tasks(settings)
        if split_of(t, settings) == split and t.family in families and t.level in levels
    ]
    chosen.sort(key=_identity)
    return chosen[:limit]


def check_reference(task: Task) -> str | None:
    """Run the reference solution against the tests in this process (trusted code only): None if it
    passes, else what went wrong."""
    namespace: dict = {}
    try:
        exec(compile(task.prompt + task.reference + task.tests, task.task_id, "exec"), namespace)
    except Exception as e:  # noqa: BLE001 - any failure is the answer
        return f"{type(e).__name__}: {e}"
    return None


def write_jsonl(tasks: Iterable[Task], path: str | Path) -> int:
    lines = [json.dumps(t.to_json(), ensure_ascii=False) for t in tasks]
    atomic.write_text(Path(path), "".join(line + "\n" for line in lines))
    return len(lines)


def read_jsonl(path: str | Path) -> list[Task]:
    path = Path(path)
    if not path.is_file():
        raise CodelingError(f"{path} does not exist; write a task file with `codeling eval tasks-export`.")
    tasks = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            d = json.loads(line)
            tasks.append(
                Task(
                    d["task_id"],
                    d["family"],
                    d["kind"],
                    d["level"],
                    d["entry_point"],
                    d["prompt"],
                    d["reference"],
                    tuple(tuple(c) for c in d["cases"]),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError):
            raise CodelingError(
                f"{path}:{number} is not a task record; write the file with `codeling eval tasks-export`."
            ) from None
    return tasks
