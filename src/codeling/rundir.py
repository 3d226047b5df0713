"""The run-directory library: every directory and log a training loop leaves behind goes through here.

checked directory    written under a temporary name, fsynced, renamed into place, with a
                     manifest.json holding the sha256 of each file (model checkpoints,
                     population checkpoints, the best member)
step directories     step-000500/ ... inside one folder; the newest that matches its manifest
                     wins, and pruning never deletes what a pointer (latest, best) names
pointers             RUN/latest, RUN/best: symlinks swapped atomically
JsonlLog             one JSON object a line (metrics.jsonl, lineage.jsonl); a resumed run first
                     drops the rows past the step it resumes from, so the file reads as if the
                     run had never stopped
refuse_occupied      the one guard of a verb that writes a new --out: it must be empty or absent

The names below are the run directory's layout (docs/ARCHITECTURE.md, "The run directory"), and
the layout of a loop that runs in rounds (codeling/rounds.py); code says `run_dir / rundir.BEST`,
never the string, so each name is written down once (tests/test_layers.py greps for strays).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from codeling import atomic, files
from codeling.digest import sha256_file
from codeling.errors import CodelingError

# A run directory.
CONFIG_YAML = "config.yaml"  # the run's whole Config, as it started
METRICS = "metrics.jsonl"
LINEAGE = "lineage.jsonl"  # a population's: who copied whom, generation by generation
CHECKPOINTS = "checkpoints"  # step-NNNNNN/ directories
LATEST, BEST = "latest", "best"  # pointers (symlinks) to a step directory
POINTERS = (LATEST, BEST)
DATA = "data"  # the shards a recipe or the fixer builds inside its run
REPORT = "report.json"
LOSS_PLOT = "loss.png"
# A checkpoint (and a shard directory's manifest and tokenizer).
MANIFEST = "manifest.json"
CONFIG_JSON = "config.json"
TOKENIZER = "tokenizer.json"
# A loop that runs in rounds (improve, TinyPy self-labelling); codeling/rounds.py is their library.
ROUND_SETTINGS = "rounds.json"  # {"loop": ..., "settings": {...}}, written first, compared on resume
ROUNDS_LOG = "rounds.jsonl"  # one row a finished round
ROUNDS = "rounds"  # round-NNN/ directories (round_dir_name)
ROUNDS_PLOT = "rounds.png"
BASE = "base"  # improve's base model run
STORE = "dataset.sqlite"  # improve's versioned dataset
SEED = "seed"  # improve's seed-set shards
TENSORBOARD = "tensorboard"  # a loop's own event files, beside its trainer runs' tb/
TRAIN = "train"  # the trainer's run inside a round
POLICY_DATA = "policy-data"  # a GRPO round's policy-gradient shards
LABELS = "labels.txt"  # the labels a self-labelling round kept
HELDOUT, OOD = "heldout", "ood"  # scored program sets, never trained on
RECIPE = "demo.json"  # a TinyPy recipe's plan, written first: the directory is its own to replace
# The layout before the rounds library, still read: each loop's own settings file, and
# self-labelling's round-N/ directories beside the settings (improve's were already rounds/round-NNN).
OLD_SETTINGS = {"improve": "improve.json", "selflabel": "selflabel.json"}
MANIFEST_VERSION = 1  # what checked_directory writes; a newer one is refused, not guessed at
MANIFEST_BYTES = files.MB


def refuse_occupied(out: Path, holds: str = "files", overwrite: bool | None = None) -> None:
    """Refuse an --out that already holds something, before anything is written: the one guard of
    every verb that writes a new directory. `overwrite` is the verb's --overwrite (None: it has none)."""
    out = Path(out)
    if overwrite or not out.exists() or (out.is_dir() and not any(out.iterdir())):
        return
    also = ", or pass --overwrite" if overwrite is not None else ""
    raise CodelingError(f"{out} already holds {holds}; choose an empty or new --out directory{also}.")


STEP_PREFIX = "step-"


def step_dir_name(step: int) -> str:
    return f"{STEP_PREFIX}{step:06d}"


def step_of(path: str | Path) -> int | None:
    """The step a step directory's name says (step-000500 -> 500); None for any other name."""
    digits = Path(path).name.removeprefix(STEP_PREFIX)
    return int(digits) if Path(path).name.startswith(STEP_PREFIX) and digits.isdigit() else None


def run_of(checkpoint: Path) -> Path | None:
    """The run directory a checkpoint sits in (RUN/checkpoints/step-N -> RUN), if it does."""
    checkpoint = Path(checkpoint)
    return checkpoint.parent.parent if checkpoint.parent.name == CHECKPOINTS else None


def round_dir_name(r: int) -> str:
    return f"round-{r:03d}"


def old_round_dir_name(r: int) -> str:
    """Self-labelling's round folder before the rounds library (round-0 is its base)."""
    return f"round-{r}"


@contextlib.contextmanager
def checked_directory(target: Path, kind: str) -> Iterator[Path]:
    """Yield a temporary directory to fill; then hash its files into manifest.json and move it to `target`.

    `kind` names the format ("codeling-checkpoint", "codeling-population") for readers of the manifest."""
    with atomic.atomic_directory(target, overwrite=True) as tmp:
        yield tmp
        names = sorted(p.name for p in tmp.iterdir() if p.is_file() and p.name != MANIFEST)
        manifest = {"format": kind, "version": MANIFEST_VERSION, "sha256": {n: sha256_file(tmp / n) for n in names}}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")


def read_manifest(path: Path) -> dict[str, str]:
    """The file names and sha256s a checked directory's manifest lists, each checked: the manifest a
    JSON object of a version this codeling reads, each name a plain file inside the directory (an
    entry `../../etc/shadow` is refused, never opened), each digest 64 hex digits. CodelingError
    saying what is wrong otherwise."""
    manifest = files.read_json(Path(path) / MANIFEST, MANIFEST_BYTES, "manifest")
    version = manifest.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= MANIFEST_VERSION:
        raise CodelingError(
            f"{path / MANIFEST} has version {str(version)[:20]!r}; this codeling reads version {MANIFEST_VERSION}, "
            "so upgrade codeling or use a checkpoint it wrote."
        )
    digests = manifest.get("sha256")
    if not isinstance(digests, dict):
        raise CodelingError(f"{path / MANIFEST} lists no sha256 table; the directory is damaged.")
    for name, digest in digests.items():
        # Flat names only; inside() also refuses an entry that is a symlink out of the directory.
        if "/" in name or name in ("", ".", ".."):
            raise CodelingError(f"{path / MANIFEST} names {name[:80]!r}, which is not a file in its directory.")
        files.inside(path, name, f"{path / MANIFEST} entry")
        if not isinstance(digest, str) or len(digest) != 64:
            raise CodelingError(f"{path / MANIFEST} gives {name[:80]!r} no sha256; the directory is damaged.")
    return digests


def verify(path: Path) -> str | None:
    """None if the directory's files match its manifest, else what is wrong."""
    if not (path / MANIFEST).is_file():
        return f"no {MANIFEST}"
    try:
        digests = read_manifest(path)
    except CodelingError as e:
        return str(e).rstrip(".")
    for name, digest in digests.items():
        if not (path / name).is_file():
            return f"{name} is missing"
        if sha256_file(path / name) != digest:
            return f"{name} does not match its sha256 in the manifest"
    return None


def step_dirs(folder: Path) -> list[Path]:
    """The step-NNNNNN directories in `folder`, oldest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and p.name.startswith(STEP_PREFIX))


def newest_valid(folder: Path) -> tuple[Path | None, list[tuple[Path, str]]]:
    """The newest step directory whose files match its manifest, and the newer ones skipped (with why)."""
    skipped = []
    for path in reversed(step_dirs(folder)):
        problem = verify(path)
        if problem is None:
            return path, skipped
        skipped.append((path, problem))
    return None, skipped


def point(run_dir: Path, name: str, target: Path) -> None:
    """Make run_dir/name a symlink to target, replacing any old one atomically."""
    link = run_dir / name
    tmp = run_dir / f".{name}.tmp-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(os.path.relpath(target, run_dir))
    os.replace(tmp, link)
    atomic.fsync_dir(run_dir)


def prune(folder: Path, keep_last: int, run_dir: Path | None = None) -> None:
    """Delete all but the newest keep_last step directories, never one that run_dir's pointers name."""
    protected = set()
    for name in POINTERS if run_dir is not None else ():
        if (run_dir / name).is_symlink():
            protected.add((run_dir / name).resolve())
    for path in step_dirs(folder)[:-keep_last]:
        if path.resolve() not in protected:
            shutil.rmtree(path, ignore_errors=True)


LOG_BYTES = 256 * files.MB


def read_jsonl(path: Path) -> list[dict]:
    """The rows of a JSON-lines log; a line cut by a crash, or damaged, is skipped (files.json_lines)."""
    return files.json_lines(path, LOG_BYTES, "JSON-lines log")


class JsonlLog:
    """Append-only JSON lines. Each record is one write of one whole line, flushed at once, so a
    crash leaves whole records; `resume_step` keeps only the rows up to that step (None: start empty),
    read from each row's `key` (a rounds log's rows may count rounds under "round")."""

    def __init__(self, path: Path, resume_step: int | None, key: str = "step"):
        self.path = Path(path)
        kept = []
        if resume_step is not None and self.path.exists():
            steps = [(row, row.get(key)) for row in read_jsonl(self.path)]
            kept = [row for row, step in steps if isinstance(step, int | float) and step <= resume_step]
        atomic.write_text(self.path, "".join(json.dumps(row) + "\n" for row in kept))
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)

    def write(self, row: dict) -> None:
        os.write(self.fd, (json.dumps(row) + "\n").encode("utf-8"))

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
