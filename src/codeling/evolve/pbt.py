"""Who copies whom: the selection and exploration rules of a population, as pure functions.

Two modes:
  - pbt (Jaderberg et al. 2017, "Population Based Training of Neural Networks"): truncation
    selection. The bottom `fraction` of members by val loss each copy a random member of the top
    `fraction` (weights, optimizer state and hyperparameters), then explore: each hyperparameter is
    resampled from its range with probability `resample_probability`, else multiplied by 0.8 or 1.2,
    and clamped into its range.
  - evolve (clone and mutate): every member but the best becomes a copy of the best (the caller adds
    Gaussian weight noise), with the best's hyperparameters, explored as above if `mutate`.
  - none: no selection; the population is P independent runs (the baseline PBT is measured against).

Every random choice comes from a generator seeded with (seed, generation), so a resumed run makes
exactly the decisions the uninterrupted one made.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Literal

import numpy as np

from codeling.config import TrainConfig
from codeling.errors import CodelingError

Mode = Literal["pbt", "evolve", "none"]
PERTURB_FACTORS = (0.8, 1.2)


@dataclass(frozen=True)
class Hyper:
    """The hyperparameters each member owns. Everything else (architecture, dropout, betas, batch size,
    schedule shape) is shared by the whole population, because it is fixed in the one batched model."""

    lr: float
    weight_decay: float
    warmup_steps: int
    grad_clip: float

    @classmethod
    def of(cls, tcfg: TrainConfig) -> Hyper:
        return cls(tcfg.lr, tcfg.weight_decay, tcfg.warmup_steps, tcfg.grad_clip)

    def apply(self, tcfg: TrainConfig, seed: int | None = None) -> TrainConfig:
        """A member's TrainConfig: min_lr keeps the base ratio to lr, so the schedule's shape is shared."""
        update = asdict(self)
        update["min_lr"] = self.lr * (tcfg.min_lr / tcfg.lr)
        if seed is not None:
            update["seed"] = seed
        return tcfg.model_copy(update=update)


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    log: bool = False
    integer: bool = False

    def sample(self, rng: np.random.Generator) -> float:
        if self.log:
            value = math.exp(rng.uniform(math.log(self.low), math.log(self.high)))
        else:
            value = rng.uniform(self.low, self.high)
        return self.clamp(value)

    def clamp(self, value: float) -> float:
        value = min(max(value, self.low), self.high)
        return int(round(value)) if self.integer else float(value)


def default_space(tcfg: TrainConfig) -> dict[str, Range]:
    """Search ranges around the base config: lr a decade either way, warm-up up to twice as long."""
    return {
        "lr": Range(tcfg.lr / 10, tcfg.lr * 10, log=True),
        "weight_decay": Range(0.0, max(0.3, tcfg.weight_decay)),
        "warmup_steps": Range(0, max(2 * tcfg.warmup_steps, 1), integer=True),
        "grad_clip": Range(0.1, max(10.0, tcfg.grad_clip)),
    }


@dataclass(frozen=True)
class Decision:
    """What becomes of one member at a generation: it now carries `parent`'s weights and `hyper`."""

    member: int
    parent: int
    action: str  # keep, exploit (pbt copy) or clone (evolve copy)
    hyper: Hyper


def initial_hypers(base: Hyper, space: dict[str, Range], size: int, seed: int) -> list[Hyper]:
    """Member 0 keeps the base config's hyperparameters; the others are drawn from the ranges."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0x1417])))
    hypers = [base]
    for _ in range(size - 1):
        hypers.append(Hyper(**{name: space[name].sample(rng) for name in asdict(base)}))
    return hypers


def explore(hyper: Hyper, space: dict[str, Range], rng: np.random.Generator, resample_probability: float) -> Hyper:
    changes = {}
    for name, value in asdict(hyper).items():
        if rng.random() < resample_probability:
            changes[name] = space[name].sample(rng)
        else:
            factor = PERTURB_FACTORS[int(rng.integers(len(PERTURB_FACTORS)))]
            changes[name] = space[name].clamp(value * factor)
    return replace(hyper, **changes)


def ranking(scores: list[float]) -> list[int]:
    """Members best first (lowest val loss); a non-finite score ranks last; ties by member index."""
    return sorted(
        range(len(scores)),
        key=lambda i: (not math.isfinite(scores[i]), scores[i] if math.isfinite(scores[i]) else 0.0, i),
    )


def generation_rng(seed: int, generation: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0xE701, generation])))


def select(
    mode: Mode,
    scores: list[float],
    hypers: list[Hyper],
    space: dict[str, Range],
    rng: np.random.Generator,
    fraction: float = 0.25,
    resample_probability: float = 0.25,
    mutate: bool = True,
) -> list[Decision]:
    """One decision per member, in member order."""
    if len(scores) != len(hypers):
        raise ValueError("one score per member is needed")
    order = ranking(scores)
    keep = [Decision(i, i, "keep", h) for i, h in enumerate(hypers)]
    if mode == "none" or len(scores) < 2:
        return keep
    if mode == "pbt":
        n = max(1, int(len(scores) * fraction))
        top, bottom = order[:n], order[-n:]
        for member in sorted(bottom):
            parent = top[int(rng.integers(len(top)))]
            keep[member] = Decision(
                member, parent, "exploit", explore(hypers[parent], space, rng, resample_probability)
            )
        return keep
    if mode == "evolve":
        best = order[0]
        for member in range(len(scores)):
            if member != best:
                hyper = explore(hypers[best], space, rng, resample_probability) if mutate else hypers[best]
                keep[member] = Decision(member, best, "clone", hyper)
        return keep
    raise CodelingError(f"Unknown population mode {mode!r}; choose pbt, evolve or none.")
