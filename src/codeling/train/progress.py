"""Progress: the one shape in which every long job reports how it is going (and never prints).

A library function that takes a while takes `progress: Report | None` and calls it with Progress
values; the CLI hands it `cli/progress.py:Bars`, which draws them, and tests hand it `list.append`.

    Progress.count("generate", 200, 1000)          200 of 1,000 programs drawn (total None: unknown)
    Progress("step", 40, {"loss": 2.1, ...})       a training loop's event at step 40

A loop that trains reports the kinds start, step, eval, checkpoint, skipped, notice and end, each
with its step and its facts in `data`; everything else reports counts. Torch-free, so the programs
generator and the corpus tools can report without importing the trainer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Progress:
    kind: str  # "count", or a training loop's: start, step, eval, checkpoint, skipped, notice, end
    step: int = 0  # a training loop's optimizer step
    data: dict = field(default_factory=dict)  # what else there is to know: loss and lr, documents kept, ...
    stage: str = ""  # a count's: what is being counted (generate, tokenize train, sample, run, ...)
    done: int = 0
    total: int | None = None  # None where the job cannot say cheaply how much there is
    status: str = ""  # a count's short line beside its bar (e.g. "kept 1,204  src/")

    @classmethod
    def count(cls, stage: str, done: int, total: int | None, status: str = "", **data) -> Progress:
        return cls("count", data=data, stage=stage, done=done, total=total, status=status)


Report = Callable[[Progress], None]


def ignore(progress: Progress) -> None:
    """The sink of callers that do not watch progress (and of every rank but 0)."""


def restaged(report: Report | None, stage: str) -> Report | None:
    """`report`, with the counts it receives renamed to `stage` (e.g. one bar per out-of-distribution set)."""
    return _renaming(report, lambda _: stage)


def prefixed(report: Report | None, prefix: str) -> Report | None:
    """`report`, with `prefix` before the stage of every count it receives (e.g. "measure test: sample")."""
    return _renaming(report, lambda stage: prefix + stage)


def _renaming(report: Report | None, rename: Callable[[str], str]) -> Report | None:
    if report is None:
        return None
    return lambda p: report(replace(p, stage=rename(p.stage)) if p.kind == "count" else p)
