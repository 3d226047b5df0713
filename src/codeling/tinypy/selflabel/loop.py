"""The self-labelling loop on TinyPy: a model trained on short programs labels longer ones itself.

    round 0   train the base model on labelled programs at the training lengths (or reuse the
              base of another run with the same base settings: `base_from`)
    round r   draw programs one length step further (the training lengths' longest + r); sample
              several answers per program from the last model; keep the labels the source accepts
              (vote.py); fine-tune the last model on a 50/50 mix of original data and every label
              kept so far (mix.py)
    each      score exact output accuracy per length on the held-out programs and on the
              out-of-distribution sets; append a row to rounds.jsonl

Run directory: selflabel.json (settings), heldout/ and ood/ (the scored sets, written before any
training), round-N/ (a trainer run: data/, checkpoints, metrics.jsonl; labels.txt of what was
kept), rounds.jsonl, report.json.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from codeling import atomic
from codeling.errors import CodelingError
from codeling.tinypy.sample import Sample, format_samples
from codeling.tinypy.selflabel import measure
from codeling.tinypy.selflabel.mix import round_mix, write_examples
from codeling.tinypy.selflabel.programs import ProgramSets
from codeling.tinypy.selflabel.sampling import sample_answers
from codeling.tinypy.selflabel.settings import SelfLabel
from codeling.tinypy.selflabel.vote import label
from codeling.train import rundir
from codeling.train.checkpoint import load_checkpoint
from codeling.train.distributed import pick_device
from codeling.train.progress import Report

SETTINGS = "selflabel.json"
ROUNDS = "rounds.jsonl"
# The settings that decide the base model; a run may reuse another's base only if all of them agree.
BASE_KEYS = ("seed", "trainer_preset", "levels", "knobs", "axis", "lengths", "programs", "val_programs", "model")
BASE_KEYS += ("data", "train")


def run_selflabel(
    out: str | Path,
    settings: SelfLabel,
    train: Callable | None = None,
    progress: Report | None = None,
    on_round: Callable[[dict], None] | None = None,
) -> dict:
    """Run every round into `out` (which must be empty or absent); return the report. `train(config,
    run_dir)` trains (default codeling.train.trainer.train); `on_round(row)` sees each round's row."""
    from codeling.train.trainer import train as plain_train

    train = train or (lambda config, run_dir: plain_train(config, run_dir))
    out = Path(out)
    base_run = check_base_from(settings)
    rundir.refuse_occupied(out)
    out.mkdir(parents=True, exist_ok=True)
    atomic.write_text(out / SETTINGS, json.dumps(settings.model_dump(mode="json"), indent=2) + "\n")
    device = pick_device(settings.train.device).type
    low, high = settings.lengths

    # Every program set, drawn before any training: base first, then what must never be trained on.
    sets = ProgramSets(settings.levels, settings.knobs, settings.axis, settings.seed)
    base = sets.base(settings.programs, low, high, progress)
    heldout = sets.heldout(range(low, settings.longest() + 1), settings.heldout)
    ood = sets.out_of_distribution(settings.ood_programs, low, high) if settings.ood_programs else {}
    heldout_files = measure.write_sets(out / "heldout", heldout, lambda length, _: f"length-{length:02d}.txt")
    ood_files = measure.write_sets(out / "ood", ood, lambda _, i: f"ood-{i}.txt")
    val, original = base[: settings.val_programs], base[settings.val_programs :]

    def score(checkpoint: Path) -> tuple[dict, dict, float]:
        t0 = time.monotonic()
        loaded = load_checkpoint(checkpoint, device=device)
        by_length = measure.accuracy(loaded, heldout_files, device)
        return by_length, measure.accuracy(loaded, ood_files, device), time.monotonic() - t0

    rows = []
    log = out / ROUNDS
    atomic.write_text(log, "")

    def record(row: dict) -> None:
        rows.append(row)
        with log.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        if on_round:
            on_round(row)

    # Round 0: the base model.
    t0 = time.monotonic()
    base_dir = out / "round-0"
    if base_run is not None:
        shutil.copytree(base_run / "round-0", base_dir, symlinks=True)
    else:
        write_examples(base_dir / rundir.DATA, {"train": original, "val": val}, {"selflabel": "base"})
        train(settings.base_config(base_dir / rundir.DATA), base_dir)
    checkpoint = (base_dir / rundir.LATEST).resolve()
    trained = time.monotonic() - t0
    by_length, by_set, scored = score(checkpoint)
    record(
        {
            "round": 0,
            "labels": settings.labels,
            "length": None,
            "accuracy": by_length,
            "ood": by_set,
            "checkpoint": str(checkpoint),
            "seconds": {"train": trained, "eval": scored},
            "base_from": str(base_run) if base_run else None,
        }
    )

    kept_all: list[Sample] = []
    for r in range(1, settings.rounds + 1):
        length = high + r
        row, kept, checkpoint = one_round(out, settings, sets, r, length, checkpoint, original, val, kept_all, train)
        kept_all += kept
        by_length, by_set, row["seconds"]["eval"] = score(checkpoint)
        record({**row, "accuracy": by_length, "ood": by_set, "checkpoint": str(checkpoint)})

    report = summarise(settings, rows, heldout_files, ood_files)
    atomic.write_text(out / rundir.REPORT, json.dumps(report, indent=2) + "\n")
    return report


def one_round(out, settings, sets, r, length, checkpoint, original, val, kept_before, train):
    """Label round r's programs with the last model and fine-tune it; (row, kept, new checkpoint)."""
    seconds = {}
    t0 = time.monotonic()
    programs = sets.round(r, settings.per_round, length)
    seconds["generate"] = time.monotonic() - t0

    t0 = time.monotonic()
    loaded = load_checkpoint(checkpoint, device=pick_device(settings.train.device).type)
    answers = sample_answers(
        loaded,
        [s.program for s in programs],
        settings.samples,
        settings.temperature,
        settings.max_new_tokens,
        seed=settings.seed * 1000 + r,
    )
    verdicts = [label(settings.labels, a, s.output, settings.min_share) for a, s in zip(answers, programs)]
    kept = [Sample(s.program, list(v.label), s.level) for s, v in zip(programs, verdicts) if v.label is not None]
    seconds["label"] = time.monotonic() - t0

    t0 = time.monotonic()
    round_dir = out / f"round-{r}"
    atomic.write_text(round_dir / "labels.txt", format_samples(kept, level_tag=True))
    mixed = round_mix(original, kept_before + kept, settings.mix, settings.seed * 100 + r)
    write_examples(round_dir / rundir.DATA, {"train": mixed, "val": val}, {"selflabel": f"round {r}"})
    train(settings.round_config(round_dir / rundir.DATA, r, checkpoint), round_dir)
    seconds["train"] = time.monotonic() - t0

    truth = {s.program: s.output for s in programs}
    right = measure.label_accuracy(kept, truth)
    # What plain voting would have kept, and how often it was right: the same for every source.
    voted = [label("vote", a, [], settings.min_share) for a in answers]
    voted_right = sum(v.label is not None and list(v.label) == s.output for v, s in zip(voted, programs))
    n_voted = sum(v.label is not None for v in voted)
    labelled = {
        "programs": len(programs),
        "kept": len(kept),
        "kept_right": right,
        "precision": right / len(kept) if kept else None,
        "dropped": dict(Counter(v.reason for v in verdicts if v.label is None)),
        "vote_kept": n_voted,
        "vote_precision": voted_right / n_voted if n_voted else None,
        "mean_share": sum(v.share for v in voted) / max(len(voted), 1),
        "kept_so_far": len(kept_before) + len(kept),
    }
    row = {"round": r, "labels": settings.labels, "length": length, "labelled": labelled, "seconds": seconds}
    return row, kept, (round_dir / rundir.LATEST).resolve()


def check_base_from(settings: SelfLabel) -> Path | None:
    """The run whose base model this one reuses, refused (one sentence) unless its base settings agree."""
    if settings.base_from is None:
        return None
    run = Path(settings.base_from)
    if not (run / SETTINGS).is_file() or not (run / "round-0" / rundir.LATEST).exists():
        raise CodelingError(f"base_from {run} holds no selflabel base model; pass the --out of a selflabel run.")
    theirs = json.loads((run / SETTINGS).read_text(encoding="utf-8"))
    ours = settings.model_dump(mode="json")
    for key in BASE_KEYS:
        if theirs.get(key) != ours[key]:
            raise CodelingError(
                f"base_from {run} trained its base with another {key!r}; give this run the same base settings."
            )
    return run


def summarise(settings: SelfLabel, rows: list[dict], heldout: dict, ood: dict) -> dict:
    """report.json: the settings, the sets, every round's row, and the headline: accuracy three
    length steps past the training lengths (or as far as the rounds went), round 0 against the last."""
    target = str(settings.lengths[1] + min(3, settings.rounds) if settings.rounds else settings.lengths[1] + 1)
    first, last = rows[0]["accuracy"].get(target), rows[-1]["accuracy"].get(target)
    headline = {
        "length": int(target),
        "round_0": first,
        "last_round": last,
        "gain_points": None if first is None or last is None else round((last - first) * 100, 1),
    }
    return {
        "settings": settings.model_dump(mode="json"),
        "heldout": heldout,
        "ood": ood,
        "rounds": rows,
        "headline": headline,
    }
