"""The label filters: which of a model's own answers to a program become a training label.

A program gets several sampled answers. An answer counts only when it is well formed: the model
stopped by itself (not cut off at the token budget) and wrote nothing but an output block whose
lines look like what `print` writes for TinyPy values. The label is the most common well-formed
answer, kept only when it holds at least `min_share` of *all* samples (a malformed sample is a vote
against) and no other answer ties it. That is the whole of the `vote` source: no interpreter.

`verified` then drops a voted label the interpreter disagrees with (STaR-style), and `oracle`
labels every program with the interpreter's output; both exist to bound what vote alone gets.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from codeling.tinypy.dataset import predicted_output, target_text

LABELS = ("vote", "verified", "oracle")
# What CPython's print writes for TinyPy values: ints, floats (also 1e-05, inf), booleans.
PRINTED = re.compile(r"-?(?:\d+(?:\.\d+)?(?:e[-+]\d+)?|inf|nan)|True|False")


@dataclass(frozen=True)
class Verdict:
    label: tuple[str, ...] | None  # the output kept as the label; None when dropped
    reason: str  # kept | malformed | too short | tie | below share | wrong (verified) | oracle
    share: float  # samples agreeing with the top answer / all samples
    well_formed: int  # samples that were well formed


def well_formed(generated: str, finished: bool) -> tuple[str, ...] | None:
    """The answer a sample claims, or None when it is not a clean, finished output block."""
    if not finished:
        return None  # cut at the budget: its last line may be half a number
    lines = predicted_output(generated)
    if lines is None or target_text(lines) != generated:
        return None  # nothing parsable, or text after the output block
    if not all(PRINTED.fullmatch(line) for line in lines):
        return None
    return tuple(lines)


def vote(answers: list[tuple[str, ...] | None], min_share: float) -> Verdict:
    """Majority vote over one program's sampled answers (None: a malformed sample)."""
    formed = [a for a in answers if a is not None]
    if not formed:
        return Verdict(None, "malformed", 0.0, 0)
    ranked = Counter(formed).most_common(2)
    top, votes = ranked[0]
    share = votes / len(answers)
    if len(ranked) > 1 and ranked[1][1] == votes:
        return Verdict(None, "tie", share, len(formed))
    if share < min_share:
        return Verdict(None, "below share", share, len(formed))
    return Verdict(top, "kept", share, len(formed))


def verify(verdict: Verdict, truth: list[str]) -> Verdict:
    """The `verified` source: a voted label survives only if the interpreter printed the same."""
    if verdict.label is None or list(verdict.label) == list(truth):
        return verdict
    return Verdict(None, "wrong", verdict.share, verdict.well_formed)


def length_filtered(answers: list[tuple[str, ...] | None], least_lines: int) -> list[tuple[str, ...] | None]:
    """Lee et al.'s length filter: an answer printing fewer than `least_lines` lines (the round's
    length, known from how its programs were drawn: a loop of L iterations that prints each one
    prints L lines) counts as malformed. It reads no interpreter output, only the program's length."""
    return [a if a is not None and len(a) >= least_lines else None for a in answers]


def label(
    source: str,
    answers: list[tuple[str, ...] | None],
    truth: list[str],
    min_share: float,
    least_lines: int | None = None,
) -> Verdict:
    """The verdict of `source` on one program. `truth` (the interpreter's output) is read only by
    `verified` and `oracle`; `vote` never looks at it. `least_lines` turns on the length filter."""
    short = False
    if least_lines is not None:
        filtered = length_filtered(answers, least_lines)
        short = any(a is not None for a in answers) and all(a is None for a in filtered)
        answers = filtered
    voted = vote(answers, min_share)
    if short:
        voted = replace(voted, reason="too short")  # well formed, but every answer stopped early
    if source == "vote":
        return voted
    if source == "verified":
        return verify(voted, truth)
    if source == "oracle":
        return Verdict(tuple(truth), "oracle", voted.share, voted.well_formed)
    raise ValueError(f"unknown label source {source!r}")
