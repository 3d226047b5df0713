"""A self-labelling run's directory, through the rounds library (codeling/rounds.py): its settings
file, its rounds log, resuming it, reusing another run's base model, and its report.

    rounds.json          the settings, written first; a resumed run must be given the same ones
    rounds.jsonl         one row per finished round; a round without a row is redone on resume
    rounds/round-NNN/    the trainer's run for round N (round-000: the base), labels.txt of its kept labels
    heldout/, ood/       the scored program sets, never trained on
    report.json          the settings, the scored sets, every row, and the headline figure

A run started before the rounds library (selflabel.json, round-N/) resumes in its own layout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from codeling import rounds, rundir
from codeling.errors import CodelingError
from codeling.recipes.selflabel.settings import SelfLabel
from codeling.rundir import JsonlLog
from codeling.tinypy.reader import read_file
from codeling.tinypy.sample import Sample

LOOP = "selflabel"
# The settings that decide the base model's weights; a run may reuse another's base only if all of
# them agree (rounds.base_settings: the base goes on from its latest checkpoint, so how often it is
# evaluated changes no weight).
BASE_KEYS = ("seed", "trainer_preset", "levels", "knobs", "axis", "lengths", "programs", "val_programs")
BASE_KEYS += ("model", "data", "train")
BASE_RULE = {"fields": BASE_KEYS, "goes_on_from": rundir.LATEST}


def open_run(out: Path, settings: SelfLabel, resume: bool) -> tuple[rounds.RoundsRun, list[dict], JsonlLog]:
    """Start `out` (empty or absent), or with `resume` reopen it: the run, the rows of its finished
    rounds, and the rounds log to append to. A resumed run keeps its settings; a round that did not
    finish is removed, to be redone."""
    out = Path(out)
    ours = settings.model_dump(mode="json")
    if not resume:
        run = rounds.start(out, LOOP, ours)
        return run, [], rounds.open_log(run, None)
    run = rounds.reopen(out, LOOP, f"{out} holds no selflabel run to resume; start one without --resume.")
    changed = rounds.changed(rounds.saved(run), ours)
    if changed:
        raise CodelingError(
            f"{out} was started with another {changed[0]!r}; resume it with the settings it began with."
        )
    rows, expected = [], 0
    for row in rounds.rows(run):
        if row.get("round") != expected or not Path(row.get("checkpoint", "")).is_dir():
            break  # rows are written in order; anything after a gap or a lost checkpoint is redone
        rows.append(row)
        expected += 1
    log = rounds.open_log(run, expected - 1 if rows else None)
    for r in range(expected, settings.rounds + 1):
        shutil.rmtree(run.round_dir(r), ignore_errors=True)
    return run, rows, log


def kept_labels(run: rounds.RoundsRun, last: int) -> list[Sample]:
    """The labels rounds 1..last kept, read back from their labels.txt (for a resumed run)."""
    kept = []
    for r in range(1, last + 1):
        kept += read_file(run.round_dir(r) / rundir.LABELS).samples
    return kept


def check_base_from(settings: SelfLabel) -> rounds.RoundsRun | None:
    """The run whose base model this one reuses, refused (one sentence) unless its base settings agree."""
    if settings.base_from is None:
        return None
    return rounds.check_base_from(
        settings.base_from,
        LOOP,
        settings.model_dump(mode="json"),
        theirs=rounds.saved,
        base=lambda run: run.round_dir(0) / rundir.LATEST,
        **BASE_RULE,
    )


def summarise(settings: SelfLabel, rows: list[dict], heldout: dict, ood: dict) -> dict:
    """report.json: the settings, the sets, every round's row, and the headline: accuracy three
    length steps past the training lengths (or as far as the rounds went), round 0 against the last."""
    target = str(settings.lengths[1] + max(1, min(3, settings.rounds)))
    first, last = rows[0]["accuracy"].get(target), rows[-1]["accuracy"].get(target)
    headline = {
        "length": int(target),
        "round_0": first,
        "last_round": last,
        "gain_points": None if first is None or last is None else round((last - first) * 100, 1),
    }
    return {"settings": settings.model_dump(mode="json"), "heldout": heldout, "ood": ood, "rounds": rows} | {
        "headline": headline
    }
