"""A self-labelling run's directory: its settings file, its rounds log, resuming it, reusing another
run's base model, and its report.

    selflabel.json   the settings, written first; a resumed run must be given the same ones
    rounds.jsonl     one row per finished round; a round without a row is redone on resume
    round-N/         the trainer's run for round N (round-0: the base), labels.txt of its kept labels
    report.json      the settings, the scored sets, every row, and the headline figure
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from codeling import atomic, rundir
from codeling.errors import CodelingError
from codeling.tinypy.reader import read_file
from codeling.tinypy.sample import Sample
from codeling.tinypy.selflabel.settings import SelfLabel

SETTINGS = "selflabel.json"
ROUNDS = "rounds.jsonl"
LABELS = "labels.txt"
# The settings that decide the base model's weights; a run may reuse another's base only if all of
# them agree. How often and where it is evaluated (train.eval_*, device) changes no weight.
BASE_KEYS = ("seed", "trainer_preset", "levels", "knobs", "axis", "lengths", "programs", "val_programs")
BASE_KEYS += ("model", "data", "train")
NOT_WEIGHTS = ("eval_every", "eval_batches", "device", "compile")


def round_dir(out: Path, r: int) -> Path:
    return Path(out) / f"round-{r}"


def open_run(out: Path, settings: SelfLabel, resume: bool) -> list[dict]:
    """Start `out` (empty or absent), or with `resume` reopen it: the rows of its finished rounds.
    A resumed run keeps its settings; a round that did not finish is removed, to be redone."""
    out = Path(out)
    ours = settings.model_dump(mode="json")
    if not resume:
        rundir.refuse_occupied(out, "files", overwrite=None)
        out.mkdir(parents=True, exist_ok=True)
        atomic.write_text(out / SETTINGS, json.dumps(ours, indent=2) + "\n")
        atomic.write_text(out / ROUNDS, "")
        return []
    if not (out / SETTINGS).is_file():
        raise CodelingError(f"{out} holds no selflabel run to resume; start one without --resume.")
    theirs = json.loads((out / SETTINGS).read_text(encoding="utf-8"))
    changed = next((key for key in ours if theirs.get(key) != ours[key]), None)
    if changed is not None:
        raise CodelingError(f"{out} was started with another {changed!r}; resume it with the settings it began with.")
    rows, expected = [], 0
    for row in rundir.read_jsonl(out / ROUNDS):
        if row.get("round") != expected or not Path(row.get("checkpoint", "")).is_dir():
            break  # rows are written in order; anything after a gap or a lost checkpoint is redone
        rows.append(row)
        expected += 1
    atomic.write_text(out / ROUNDS, "".join(json.dumps(row) + "\n" for row in rows))
    for r in range(expected, settings.rounds + 1):
        shutil.rmtree(round_dir(out, r), ignore_errors=True)
    return rows


def append(out: Path, row: dict) -> None:
    """One finished round's row, one whole line written at once."""
    with (Path(out) / ROUNDS).open("a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")


def kept_labels(out: Path, rounds: int) -> list[Sample]:
    """The labels rounds 1..rounds kept, read back from their labels.txt (for a resumed run)."""
    kept = []
    for r in range(1, rounds + 1):
        kept += read_file(round_dir(out, r) / LABELS).samples
    return kept


def check_base_from(settings: SelfLabel) -> Path | None:
    """The run whose base model this one reuses, refused (one sentence) unless its base settings agree."""
    if settings.base_from is None:
        return None
    run = Path(settings.base_from)
    if not (run / SETTINGS).is_file() or not (round_dir(run, 0) / rundir.LATEST).exists():
        raise CodelingError(f"base_from {run} holds no selflabel base model; pass the --out of a selflabel run.")
    theirs = json.loads((run / SETTINGS).read_text(encoding="utf-8"))
    ours = settings.model_dump(mode="json")
    for tree in (theirs, ours):
        for key in NOT_WEIGHTS:
            tree.get("train", {}).pop(key, None)
    for key in BASE_KEYS:
        if theirs.get(key) != ours[key]:
            raise CodelingError(
                f"base_from {run} trained its base with another {key!r}; give this run the same base settings."
            )
    return run


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
