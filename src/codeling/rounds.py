"""The rounds library: what every loop that runs in rounds keeps in its run folder, written once.

A loop that runs in rounds (`codeling improve`, `codeling tinypy selflabel`, the next one) trains a
base model, then round after round makes data, trains on it and measures. Its run folder:

    rounds.json     {"loop": NAME, "settings": {...}}: written before anything else, compared on
                    --resume (a resumed run must be given the settings it began with), and what
                    `codeling plot` and base reuse read to know what the folder holds
    rounds.jsonl    one row a finished round (rundir.JsonlLog: a resumed run drops the rows past
                    the round it resumes from)
    rounds/round-NNN/   one folder a round
    report.json     the settings and every row, when the run finishes

Base reuse (`base_from`): a run may copy another run's base model when the two agree on every
setting that decides the base's weights. One rule for every loop (`base_settings`): the loop names
the settings its base training reads; of the trainer's `train` section, where the model trains
(device, compile) changes no weight, and evaluation (eval_every, eval_batches) decides the weights
only where the loop goes on from the best checkpoint by validation loss, not from the latest.

Run folders from before this library still resume: improve's `improve.json` and self-labelling's
`selflabel.json` (settings alone, no wrapper) mark them, and self-labelling's rounds sit in
`round-N/` beside it (`RoundsRun.old`).

The library sits at the base layer: it imports only base modules, so every loop stands on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from codeling import atomic, files, rundir
from codeling.errors import CodelingError

LOOPS = tuple(rundir.OLD_SETTINGS)  # the loops that run in rounds: improve, selflabel
SETTINGS_BYTES = files.MB
NOT_WEIGHTS = ("device", "compile")  # where the model trains changes no weight
EVALUATION = ("eval_every", "eval_batches")  # decide the weights only where the best checkpoint is kept


@dataclass(frozen=True)
class RoundsRun:
    """A run folder of a loop that runs in rounds; `old`: laid out before this library."""

    out: Path
    loop: str
    old: bool = False

    @property
    def settings_file(self) -> Path:
        return self.out / (rundir.OLD_SETTINGS[self.loop] if self.old else rundir.ROUND_SETTINGS)

    @property
    def log(self) -> Path:
        return self.out / rundir.ROUNDS_LOG

    def round_dir(self, r: int) -> Path:
        if self.old and self.loop == "selflabel":
            return self.out / rundir.old_round_dir_name(r)
        return self.out / rundir.ROUNDS / rundir.round_dir_name(r)


def find(out: str | Path) -> RoundsRun | None:
    """The rounds run `out` holds, as its settings file says; None if it holds none."""
    out = Path(out)
    if (out / rundir.ROUND_SETTINGS).is_file():
        loop = files.read_json(out / rundir.ROUND_SETTINGS, SETTINGS_BYTES, "run's settings file").get("loop")
        if loop not in LOOPS:
            raise CodelingError(
                f"{out / rundir.ROUND_SETTINGS} names the loop {str(loop)[:40]!r}, which this codeling does not run; "
                "upgrade codeling or pass another run."
            )
        return RoundsRun(out, loop)
    for loop, name in rundir.OLD_SETTINGS.items():
        if (out / name).is_file():
            return RoundsRun(out, loop, old=True)
    return None


def start(out: str | Path, loop: str, settings: dict, holds: str = "files") -> RoundsRun:
    """A new run in `out` (empty or absent): its settings file is the first thing written."""
    out = Path(out)
    rundir.refuse_occupied(out, holds)
    out.mkdir(parents=True, exist_ok=True)
    atomic.write_text(out / rundir.ROUND_SETTINGS, json.dumps({"loop": loop, "settings": settings}, indent=2) + "\n")
    return RoundsRun(out, loop)


def reopen(out: str | Path, loop: str, missing: str) -> RoundsRun:
    """The `loop` run in `out`, to resume; CodelingError(`missing`) if `out` holds none."""
    run = find(out)
    if run is None or run.loop != loop:
        raise CodelingError(missing)
    return run


def saved(run: RoundsRun) -> dict:
    """The settings the run was started with (a JSON object; the loop validates it)."""
    found = files.read_json(run.settings_file, SETTINGS_BYTES, "run's settings file")
    values = found if run.old else found.get("settings")
    if not isinstance(values, dict):
        raise CodelingError(f"{run.settings_file} does not hold a mapping of settings; start a new run.")
    return values


def changed(theirs: dict, ours: dict, exclude: Iterable[str] = ()) -> list[str]:
    """The settings that differ between two runs (sorted), less `exclude`."""
    skip = set(exclude)
    return sorted(k for k in set(theirs) | set(ours) if k not in skip and theirs.get(k) != ours.get(k))


def base_settings(settings: dict, fields: Iterable[str], goes_on_from: str, unread: Iterable[str] = ()) -> dict:
    """What decides a base model's weights (the one rule, module docstring): `fields` of the settings,
    the `train` section less NOT_WEIGHTS, `unread` (train settings the base training never reads),
    and EVALUATION unless the loop goes on from the best checkpoint (`goes_on_from` rundir.BEST)."""
    found = {k: settings.get(k) for k in fields}
    drop = {*NOT_WEIGHTS, *unread, *(EVALUATION if goes_on_from != rundir.BEST else ())}
    if isinstance(found.get("train"), dict):
        found["train"] = {k: v for k, v in found["train"].items() if k not in drop}
    return found


def check_base_from(
    source: str | Path,
    loop: str,
    ours: dict,
    theirs: Callable[[RoundsRun], dict],
    base: Callable[[RoundsRun], Path],
    **rule,
) -> RoundsRun:
    """The run `source` whose base model this one may copy: a `loop` run whose base settings
    (`theirs(run)` read through `base_settings(..., **rule)`) equal ours and whose base model
    `base(run)` is finished; one CodelingError sentence otherwise."""
    run = find(source)
    if run is None or run.loop != loop:
        raise CodelingError(f"base_from={source} holds no {loop} run; pass the --out of one.")
    differ = changed(base_settings(theirs(run), **rule), base_settings(ours, **rule))
    if differ:
        raise CodelingError(
            f"base_from={source} trained its base model with other settings ({', '.join(differ)}); "
            "give this run the same base settings."
        )
    if not base(run).exists():
        raise CodelingError(f"base_from={source} has not finished its base model yet; wait for its round 0.")
    return run


def rows(run: RoundsRun) -> list[dict]:
    """The rows of the finished rounds (none yet: empty)."""
    return rundir.read_jsonl(run.log) if run.log.is_file() else []


def open_log(run: RoundsRun, through: int | None, key: str = "round") -> rundir.JsonlLog:
    """The rows log, keeping only the rows of rounds up to `through` (None: start it empty)."""
    return rundir.JsonlLog(run.log, through, key=key)


def write_report(run: RoundsRun, report: dict) -> Path:
    atomic.write_text(run.out / rundir.REPORT, json.dumps(report, indent=2) + "\n")
    return run.out / rundir.REPORT
