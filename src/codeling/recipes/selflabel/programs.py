"""The length axis and every program set of a self-labelling run, drawn in a fixed order.

The axis is one of the generator's range knobs (loop iterations, extra statements, initialisations):
"length L" means exactly L on it. Each set has its own generator seed and is drawn with every
earlier program in `skip`, in a fixed order: the base training programs (so the base depends only on
its own settings, and runs with other rounds can share it), then the held-out sets (one per
length), then each round's programs. So no held-out program is ever trained on, whatever the model
labels, and the held-out sets are fixed before any training.
"""

from __future__ import annotations

import dataclasses

from codeling.recipes.tinypy import OOD_SETS, OutOfDistribution
from codeling.tinypy.builder import Knobs
from codeling.tinypy.generator import generate, resolve_levels
from codeling.tinypy.sample import Sample
from codeling.train.progress import Report, restaged

AXES = ("loop_iterations", "extra_statements", "initialisations")
# Generator seeds per set, far apart so that no two sets share a stream.
HELDOUT_SEED, BASE_SEED, ROUND_SEED, OOD_SEED = 7_000, 0, 1_000, 9_000


def at_length(knobs: Knobs, axis: str, low: int, high: int | None = None) -> Knobs:
    """`knobs` with the axis set to lengths low..high (just `low` when high is None)."""
    return dataclasses.replace(knobs, **{axis: (low, low if high is None else high)})


class ProgramSets:
    """Draws the run's program sets; remembers every program drawn so far, so none repeats."""

    def __init__(self, levels: str, knobs: Knobs, axis: str, seed: int):
        self.levels, self.knobs, self.axis, self.seed = levels, knobs, axis, seed
        self.seen: set[str] = set()

    def draw(self, n: int, knobs: Knobs, stream: int, progress: Report | None, levels: str | None = None):
        seed = self.seed * 100_000 + stream
        result = generate(n, levels or self.levels, seed, knobs, skip=self.seen, workers=1, progress=progress)
        self.seen.update(s.program for s in result.samples)
        return result.samples

    def heldout(self, lengths: range, n: int, progress: Report | None = None) -> dict[int, list[Sample]]:
        """The fixed held-out programs, n at each length."""
        return {
            length: self.draw(n, at_length(self.knobs, self.axis, length), HELDOUT_SEED + length, progress)
            for length in lengths
        }

    def base(self, n: int, low: int, high: int, progress: Report | None = None) -> list[Sample]:
        """The labelled training programs at the training lengths."""
        return self.draw(n, at_length(self.knobs, self.axis, low, high), BASE_SEED, restaged(progress, "generate"))

    def round(self, r: int, n: int, length: int, progress: Report | None = None) -> list[Sample]:
        """Round r's unlabelled programs (their outputs are read only by the verifier and the oracle)."""
        return self.draw(n, at_length(self.knobs, self.axis, length), ROUND_SEED + r, progress)

    def out_of_distribution(self, n: int, low: int, high: int, progress: Report | None = None) -> dict[str, list]:
        """codeling's TinyPy out-of-distribution sets (recipes.OOD_SETS), each laid over this run's
        programs: the knob a set stretches replaces this run's, everything else stays as trained."""
        sets = {}
        trained = at_length(self.knobs, self.axis, low, high)
        for i, ood in enumerate(OOD_SETS, start=1):
            levels = shared_levels(ood, self.levels)
            if levels:
                sets[ood.name] = self.draw(n, stretched(trained, ood), OOD_SEED + i, progress, levels)
        return sets


def stretched(trained: Knobs, ood: OutOfDistribution) -> Knobs:
    """`trained` with the knobs `ood` changes from the generator's defaults."""
    default = Knobs()
    changed = {f.name: getattr(ood.knobs, f.name) for f in dataclasses.fields(Knobs)}
    return dataclasses.replace(trained, **{k: v for k, v in changed.items() if v != getattr(default, k)})


def shared_levels(ood: OutOfDistribution, levels: str) -> str:
    """The levels of this run that an out-of-distribution set applies to ("" when none)."""
    ours = resolve_levels(levels)
    theirs = resolve_levels(ood.levels)
    return ",".join(level for level in ours if level in theirs)
