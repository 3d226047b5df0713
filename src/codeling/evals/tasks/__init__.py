"""A procedural suite of small programming tasks with hidden tests, for evaluation and for the
self-improvement loop. Five families (arithmetic, lists, strings, loops, dicts), levels 1-3, every
task with a reference solution that an independent oracle's answers confirm.

    from codeling.evals.tasks import load_split
    tasks = load_split("test")          # list[Task]; task.prompt, task.tests, task.problem()
"""

# The family modules register their kinds on import.
from codeling.evals.tasks import arithmetic, dicts, lists, loops, strings  # noqa: F401
from codeling.evals.tasks.base import FAMILIES, KINDS, LEVELS, MIN_TESTS, Task
from codeling.evals.tasks.suite import (
    SPLITS,
    SuiteSettings,
    check_reference,
    generate_tasks,
    load_split,
    read_jsonl,
    split_of,
    write_jsonl,
)

__all__ = [
    "FAMILIES",
    "KINDS",
    "LEVELS",
    "MIN_TESTS",
    "SPLITS",
    "SuiteSettings",
    "Task",
    "check_reference",
    "generate_tasks",
    "load_split",
    "read_jsonl",
    "split_of",
    "write_jsonl",
]
