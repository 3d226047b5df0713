"""The self-labelling loop on TinyPy: a model trained on short programs labels longer ones itself.

    round 0   train the base model on labelled programs at the training lengths (or reuse the
              base of another run with the same base settings: `base_from`)
    round r   draw programs one length step further (the training lengths' longest + r); sample
              several answers per program from the last model; keep the labels the source accepts
              (vote.py); fine-tune the last model on a 50/50 mix of original data and every label
              kept so far (mix.py)
    each      score exact output accuracy per length on the held-out programs and on the
              out-of-distribution sets (measure.py); append a row to the rounds log (runs.py), and
              report it as Progress("round", r, row)

Every program set is drawn, and the scored ones written, before anything trains (programs.py), and
drawn the same way on resume, so a resumed run continues exactly where it stopped.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from codeling import atomic, rounds, rundir
from codeling.recipes.selflabel import measure, runs
from codeling.recipes.selflabel.mix import round_mix, write_examples
from codeling.recipes.selflabel.plot import plot_selflabel
from codeling.recipes.selflabel.programs import ProgramSets
from codeling.recipes.selflabel.sampling import sample_answers
from codeling.recipes.selflabel.settings import SelfLabel
from codeling.recipes.selflabel.vote import label
from codeling.tinypy.sample import Sample, format_samples
from codeling.train.checkpoint import load_checkpoint
from codeling.train.distributed import pick_device
from codeling.train.progress import Progress, Report, ignore, restaged
from codeling.train.trainer import train


def run_selflabel(out: str | Path, settings: SelfLabel, progress: Report | None = None, resume: bool = False) -> dict:
    """Run every round into `out` (empty or absent; with `resume`, an interrupted run's own) and
    return the report. `progress` receives the counts, the trainings' events, and each round's row
    as it is recorded (Progress("round", r, row); a resumed run's finished rounds first)."""
    progress = progress or ignore
    out = Path(out)
    base_run = runs.check_base_from(settings)
    run, rows, log = runs.open_run(out, settings, resume)
    try:
        return _run_rounds(run, settings, base_run, rows, log, progress)
    finally:
        log.close()


def _run_rounds(run: rounds.RoundsRun, settings: SelfLabel, base_run, rows: list[dict], log, progress: Report) -> dict:
    out = run.out
    device = pick_device(settings.train.device).type
    drawn = draw_sets(out, settings, progress)
    original, val, heldout_files, ood_files = drawn.original, drawn.val, drawn.heldout_files, drawn.ood_files

    def record(row: dict, checkpoint: Path, seconds: dict) -> None:
        t0 = time.monotonic()
        loaded = load_checkpoint(checkpoint, device=device)
        row["accuracy"] = measure.accuracy(loaded, heldout_files, device)
        row["ood"] = measure.accuracy(loaded, ood_files, device)
        row.update(checkpoint=str(checkpoint), seconds={**seconds, "eval": time.monotonic() - t0})
        rows.append(row)
        log.write(row)
        progress(Progress("round", row["round"], row))

    for row in rows:  # what a resumed run had finished
        progress(Progress("round", row["round"], row))
    if not rows:
        t0 = time.monotonic()
        checkpoint = train_base(run, settings, base_run, original, val, progress)
        about = {
            "round": 0,
            "labels": settings.labels,
            "length": None,
            "base_from": str(base_run.out) if base_run else None,
        }
        record(about, checkpoint, {"train": time.monotonic() - t0})

    kept = runs.kept_labels(run, len(rows) - 1)
    for r in range(len(rows), settings.rounds + 1):
        checkpoint = Path(rows[-1]["checkpoint"])
        programs = drawn.round_programs[r - 1]
        row, new, seconds = one_round(run, settings, r, programs, checkpoint, original, val, kept, progress)
        kept += new
        record(row, (run.round_dir(r) / rundir.LATEST).resolve(), seconds)

    report = runs.summarise(settings, rows, heldout_files, ood_files)
    rounds.write_report(run, report)
    plot_selflabel(out)
    return report


@dataclass
class Drawn:
    original: list[Sample]  # the base's training programs
    val: list[Sample]
    heldout_files: dict  # scored every round, never trained on
    ood_files: dict
    round_programs: list[list[Sample]]  # round r's programs at index r - 1


def draw_sets(out: Path, settings: SelfLabel, progress: Report | None) -> Drawn:
    """Every program set, drawn before any training: base first, then what must never be trained
    on (written to out/heldout and out/ood), then each round's."""
    low, high = settings.lengths
    sets = ProgramSets(settings.levels, settings.knobs, settings.axis, settings.seed)
    base = sets.base(settings.programs, low, high, progress)
    heldout = sets.heldout(range(low, settings.longest() + 1), settings.heldout)
    ood = sets.out_of_distribution(settings.ood_programs, low, high) if settings.ood_programs else {}
    heldout_files = measure.write_sets(out / rundir.HELDOUT, heldout, lambda length, _: f"length-{length:02d}.txt")
    ood_files = measure.write_sets(out / rundir.OOD, ood, lambda _, i: f"ood-{i}.txt")
    rounds = [sets.round(r, settings.per_round, high + r) for r in range(1, settings.rounds + 1)]
    return Drawn(base[settings.val_programs :], base[: settings.val_programs], heldout_files, ood_files, rounds)


def train_base(
    run: rounds.RoundsRun, settings: SelfLabel, base_run: rounds.RoundsRun | None, original, val, progress: Report
) -> Path:
    """Round 0's model: trained on the original programs, or copied from `base_run`."""
    base_dir = run.round_dir(0)
    if base_run is not None:
        shutil.copytree(base_run.round_dir(0), base_dir, symlinks=True)
    else:
        write_examples(base_dir / rundir.DATA, {"train": original, "val": val}, {"selflabel": "base"})
        train(settings.base_config(base_dir / rundir.DATA), base_dir, progress=progress)
    return (base_dir / rundir.LATEST).resolve()


def one_round(
    run: rounds.RoundsRun, settings: SelfLabel, r: int, programs: list[Sample], checkpoint, original, val, kept_before,
    progress: Report,
):  # fmt: skip
    """Label round r's programs with the last model, then fine-tune it: (row, kept labels, seconds)."""
    seconds = {}
    t0 = time.monotonic()
    loaded = load_checkpoint(checkpoint, device=pick_device(settings.train.device).type)
    answers = sample_answers(
        loaded,
        [s.program for s in programs],
        settings.samples,
        settings.temperature,
        settings.max_new_tokens,
        seed=settings.seed * 1000 + r,
        progress=restaged(progress, f"round {r}: sample"),
    )
    least = settings.lengths[1] + r if settings.length_filter else None
    verdicts = [label(settings.labels, a, s.output, settings.min_share, least) for a, s in zip(answers, programs)]
    kept = [Sample(s.program, list(v.label), s.level) for s, v in zip(programs, verdicts) if v.label is not None]
    seconds["label"] = time.monotonic() - t0

    t0 = time.monotonic()
    folder = run.round_dir(r)
    atomic.write_text(folder / rundir.LABELS, format_samples(kept, level_tag=True))
    mixed = round_mix(original, kept_before + kept, settings.mix, settings.seed * 100 + r)
    write_examples(folder / rundir.DATA, {"train": mixed, "val": val}, {"selflabel": f"round {r}"})
    train(settings.round_config(folder / rundir.DATA, r, checkpoint), folder, progress=progress)
    seconds["train"] = time.monotonic() - t0
    row = {"round": r, "labels": settings.labels, "length": settings.lengths[1] + r}
    row["labelled"] = label_stats(settings, programs, answers, verdicts, kept, len(kept_before))
    return row, kept, seconds


def label_stats(settings: SelfLabel, programs, answers, verdicts, kept, kept_before: int) -> dict:
    """What a round labelled, kept and dropped (and why), and how often the kept labels are right:
    the interpreter's outputs are read here only to report, never to choose a `vote` label."""
    truth = {s.program: s.output for s in programs}
    right = sum(truth[s.program] == s.output for s in kept)
    # What plain voting keeps, and how often it is right: the same figure for every source.
    voted = [label("vote", a, [], settings.min_share) for a in answers]
    vote_right = sum(v.label is not None and list(v.label) == s.output for v, s in zip(voted, programs))
    n_voted = sum(v.label is not None for v in voted)
    return {
        "programs": len(programs),
        "kept": len(kept),
        "kept_right": right,
        "precision": right / len(kept) if kept else None,
        "dropped": dict(Counter(v.reason for v in verdicts if v.label is None)),
        "vote_kept": n_voted,
        "vote_precision": vote_right / n_voted if n_voted else None,
        "mean_share": sum(v.share for v in voted) / max(len(voted), 1),
        "kept_so_far": kept_before + len(kept),
    }
