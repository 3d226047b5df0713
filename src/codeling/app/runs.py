"""What the Runs tab shows: the runs under a folder, each one's config, loss curves, a population's
lineage and a self-improvement run's rounds. Read fresh on every call, so a page that asks again
sees a run that is still training.

Every file goes through codeling.files (bounded, regular files inside the run only) and every
value is type-checked where it is used: a damaged or hostile log shows less, never fails the tab.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from codeling import files, rundir
from codeling.app.markup import plain
from codeling.errors import CodelingError

LOGS = (rundir.METRICS, rundir.ROUNDS_LOG, rundir.LINEAGE, rundir.CONFIG_YAML)
LOG_BYTES = 16 * files.MB  # a longer log is shown from its last 16 MB
CONFIG_BYTES = files.MB


def find_runs(root: str | Path) -> list[str]:
    """Run directories under root (and one level deeper), by path relative to root."""
    root = Path(root)
    if not root.is_dir():
        raise CodelingError(f"{root} is not a directory; pass --runs with the folder your runs are in.")
    found = []
    for folder in sorted([root, *root.glob("*"), *root.glob("*/*")]):
        if folder.is_dir() and any((folder / name).is_file() for name in LOGS):
            found.append(str(folder.relative_to(root)) if folder != root else ".")
    return found


def signature(root: str | Path, names: list[str | None]) -> tuple:
    """Size and modification time of each log and report of the named runs: unchanged means nothing to redraw."""
    stats = []
    for name in filter(None, names):
        for log in LOGS:
            path = Path(root) / name / log
            stat = path.stat() if path.is_file() else None
            stats.append((name, log, stat and stat.st_size, stat and stat.st_mtime_ns))
        for report in sorted((Path(root) / name).glob("*.json")):  # evaluation reports
            stat = report.stat() if report.is_file() else None
            stats.append((name, report.name, stat and stat.st_size, stat and stat.st_mtime_ns))
    return tuple(stats)


def read_rows(path: Path) -> list[dict]:
    """JSON lines; a line still being written by a training run (or damaged) is skipped, not an
    error, and a missing log has none."""
    if not path.is_file():
        return []
    return files.json_lines(path, LOG_BYTES, "run log", tail=True)


def number(value) -> float | None:
    """value when it is a finite number (a bool is not one), else None: logs are checked where read."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return value


def _points(rows: list[dict], split: str) -> list[dict]:
    return [r for r in rows if r.get("split") == split and number(r.get("loss")) is not None]


@dataclass
class RunView:
    name: str
    kind: str  # training, population or self-improvement
    config: str  # config.yaml as written
    metrics: list[dict] = field(default_factory=list)
    lineage: list[dict] = field(default_factory=list)
    rounds: list[dict] = field(default_factory=list)

    def summary(self) -> str:
        """Markdown; everything taken from the run's files is escaped."""
        parts = [f"**{plain(self.name)}**: {self.kind} run"]
        for split in ("train", "val"):
            rows = _points(self.metrics, split)
            if rows:
                parts.append(f"{split} loss {rows[-1]['loss']:.4f} at step {plain(rows[-1].get('step', '?'), 20)}")
        if self.rounds:
            parts.append(f"{len(self.rounds)} rounds done")
        generations = [g for r in self.lineage if isinstance(g := r.get("generation"), int) and not isinstance(g, bool)]
        if generations:
            parts.append(f"{1 + max(generations)} generations")
        if len(parts) == 1:
            parts.append("no metrics yet")
        return "; ".join(parts)


def read_run(root: str | Path, name: str) -> RunView:
    if not isinstance(name, str):
        raise CodelingError("A run is named by text; pick one from the list.")
    try:
        folder = files.inside(root, name, "The run")
    except CodelingError:
        folder = None
    if folder is None or not folder.is_dir():
        raise CodelingError(f"There is no run {name!r} under {root}; pick one from the list.")
    view = RunView(name, "training", _config(folder), read_rows(files.inside(folder, rundir.METRICS, "The run's log")))
    view.lineage = read_rows(files.inside(folder, rundir.LINEAGE, "The run's log"))
    view.rounds = read_rows(files.inside(folder, rundir.ROUNDS_LOG, "The run's log"))
    view.kind = "population" if view.lineage else "self-improvement" if view.rounds else "training"
    return view


def _config(folder: Path) -> str:
    """config.yaml as written; a damaged one says why in its place, and the rest of the run is shown."""
    try:
        # inside(): a config.yaml that is a symlink out of the run is refused, never read.
        path = files.inside(folder, rundir.CONFIG_YAML, "The run's config")
        return files.read_text(path, CONFIG_BYTES, "config") if path.exists() else "(no config.yaml)"
    except CodelingError as e:
        return f"# {e}"


def loss_figure(views: list[RunView]):
    """Train and val loss against step for each run (a population's members each get a line)."""
    import matplotlib

    matplotlib.use("Agg")  # drawn for the page, never on a display
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    for view in views:
        series: dict[tuple, list[tuple[float, float]]] = {}
        for row in view.metrics:
            step, loss = number(row.get("step")), number(row.get("loss"))
            if step is not None and loss is not None and row.get("split") in ("train", "val"):
                member = row.get("member")
                key = (row["split"], None if member is None else _cell(member)[:40])
                series.setdefault(key, []).append((step, loss))
        for (split, member), points in sorted(series.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
            steps, losses = zip(*points)
            label = f"{view.name} {split}" + (f" m{member}" if member is not None else "")
            ax.plot(steps, losses, "-" if split == "train" else "o--", label=label, markersize=3, linewidth=1.2)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    if ax.lines:
        ax.legend(fontsize=8)
    else:
        ax.set_title("no loss logged yet")
    fig.tight_layout()
    plt.close(fig)  # the page renders it; pyplot need not keep it
    return fig


def table(rows: list[dict], limit: int = 200, most_columns: int = 40) -> tuple[list[str], list[list]]:
    """Column names (the first `most_columns` seen) and the last `limit` rows, nested values
    flattened to `outer.inner` columns."""
    flat = [_flatten(r) for r in rows[-limit:]]
    columns: dict[str, None] = {}
    for row in flat:
        for c in row:
            if len(columns) < most_columns:
                columns.setdefault(c)
    return [_cell(c, 60) for c in columns], [[_cell(row.get(c)) for c in columns] for row in flat]


def _flatten(row: dict, prefix: str = "", depth: int = 3) -> dict:
    out: dict = {}
    for key, value in row.items():
        if isinstance(value, dict) and depth > 0:  # deeper nesting is shown as text, not recursed into
            out.update(_flatten(value, f"{prefix}{key}.", depth - 1))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _cell(value, limit: int = 200) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
