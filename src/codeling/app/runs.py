"""What the Runs tab shows: the runs under a folder, each one's config, loss curves, a population's
lineage and a self-improvement run's rounds. Read fresh on every call, so a page that asks again
sees a run that is still training.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from codeling.errors import CodelingError
from codeling.train import rundir

LOGS = (rundir.METRICS, "rounds.jsonl", rundir.LINEAGE, rundir.CONFIG_YAML)


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
    """JSON lines; a line still being written by a training run is skipped, not an error."""
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text().splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows


@dataclass
class RunView:
    name: str
    kind: str  # training, population or self-improvement
    config: str  # config.yaml as written
    metrics: list[dict] = field(default_factory=list)
    lineage: list[dict] = field(default_factory=list)
    rounds: list[dict] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"**{self.name}**: {self.kind} run"]
        for split in ("train", "val"):
            rows = [r for r in self.metrics if r.get("split") == split and "loss" in r]
            if rows:
                parts.append(f"{split} loss {rows[-1]['loss']:.4f} at step {rows[-1].get('step', '?')}")
        if self.rounds:
            parts.append(f"{len(self.rounds)} rounds done")
        if self.lineage:
            parts.append(f"{1 + max(r.get('generation', 0) for r in self.lineage)} generations")
        if len(parts) == 1:
            parts.append("no metrics yet")
        return "; ".join(parts)


def read_run(root: str | Path, name: str) -> RunView:
    folder = (Path(root) / name).resolve()
    if Path(root).resolve() not in (folder, *folder.parents) or not folder.is_dir():
        raise CodelingError(f"There is no run {name!r} under {root}; pick one from the list.")
    config_file = folder / rundir.CONFIG_YAML
    config = config_file.read_text() if config_file.is_file() else "(no config.yaml)"
    view = RunView(name, "training", config, read_rows(folder / rundir.METRICS))
    view.lineage = read_rows(folder / rundir.LINEAGE)
    view.rounds = read_rows(folder / "rounds.jsonl")
    view.kind = "population" if view.lineage else "self-improvement" if view.rounds else "training"
    return view


def loss_figure(views: list[RunView]):
    """Train and val loss against step for each run (a population's members each get a line)."""
    import matplotlib

    matplotlib.use("Agg")  # drawn for the page, never on a display
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    for view in views:
        series: dict[tuple, list[tuple[float, float]]] = {}
        for row in view.metrics:
            if "loss" in row and "step" in row and row.get("split") in ("train", "val"):
                key = (row["split"], row.get("member"))
                series.setdefault(key, []).append((row["step"], row["loss"]))
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


def table(rows: list[dict], limit: int = 200) -> tuple[list[str], list[list]]:
    """Column names and the last `limit` rows, nested values flattened to `outer.inner` columns."""
    flat = [_flatten(r) for r in rows[-limit:]]
    columns: list[str] = []
    for row in flat:
        columns += [c for c in row if c not in columns]
    return columns, [[_cell(row.get(c)) for c in columns] for row in flat]


def _flatten(row: dict, prefix: str = "") -> dict:
    out: dict = {}
    for key, value in row.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)
