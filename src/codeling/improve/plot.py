"""rounds.png for a self-improvement run: held-out pass@1 per difficulty with one line a round (the
frontier moving right, for the chains), held-out pass@k by round, what each round kept, and the
tasks it wrote (accepted of written, and the mutant kill rate)."""

from __future__ import annotations

from pathlib import Path

from codeling import rundir
from codeling.errors import CodelingError
from codeling.rundir import read_jsonl


def pyplot():
    """matplotlib.pyplot drawing to files only: no display needed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def read_rounds(run_dir: Path) -> list[dict]:
    """An improve run's rounds.jsonl rows, one a round; a directory without one is a user mistake."""
    if not (run_dir / rundir.ROUNDS_LOG).is_file():
        raise CodelingError(
            f"{run_dir} holds no {rundir.ROUNDS_LOG}; pass the --out directory of a `codeling improve` run."
        )
    return read_jsonl(run_dir / rundir.ROUNDS_LOG)


def plot_rounds(run_dir: str | Path, out: str | Path | None = None) -> Path:
    plt = pyplot()
    run_dir = Path(run_dir)
    rows = read_rounds(run_dir)
    rounds = [r["step"] for r in rows]
    chains = any("chains_by_level" in r for r in rows)
    fig = plt.figure(figsize=(8, 12 if chains else 8))
    grid = fig.add_gridspec(4 if chains else 3, 1, height_ratios=[3, 3, 2, 2] if chains else [3, 2, 2])
    if chains:
        _difficulty_panel(fig.add_subplot(grid[0]), rows, run_dir.name)
    ax_pass = fig.add_subplot(grid[-3])
    ax_kept = fig.add_subplot(grid[-2], sharex=ax_pass)
    ax_tasks = fig.add_subplot(grid[-1], sharex=ax_pass)
    for split, label in (("test", "test split"), ("heldout", "held-out family")):
        for k, style in (("pass@1", "o-"), ("pass@10", "s--")):
            values = [100 * r[split].get(k, float("nan")) for r in rows]
            ax_pass.plot(rounds, values, style, label=f"{label} {k}", markersize=4)
    ax_pass.set_ylabel("held-out pass@k (%)")
    ax_pass.set_title(f"{run_dir.name}: self-improvement rounds")
    ax_pass.legend(fontsize=8)
    ax_pass.grid(alpha=0.3)
    ax_kept.bar(rounds, [r["kept"] for r in rows], label="kept this round", color="tab:green")
    ax_kept.plot(rounds, [r["distinct_passing"] for r in rows], "k.-", label="distinct passing solutions")
    ax_kept.legend(fontsize=8)
    ax_kept.grid(alpha=0.3)
    _tasks_panel(ax_tasks, rounds, rows)
    fig.tight_layout()
    out = Path(out) if out else run_dir / rundir.ROUNDS_PLOT
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def _difficulty_panel(ax, rows: list[dict], name: str) -> None:
    """Held-out pass@1 (greedy) against difficulty, one line a round: where a round's line stays up
    further right, the frontier moved."""
    cmap = __import__("matplotlib").colormaps["viridis"]
    for i, row in enumerate(rows):
        by_d = row.get("chains_by_level", {})
        ds = sorted(int(d) for d in by_d)
        label = f"round {row['step']}" + (f" (trained at d{row['difficulty']})" if "difficulty" in row else " (base)")
        ax.plot(ds, [100 * by_d[str(d)] for d in ds], "o-", color=cmap(i / max(1, len(rows) - 1)), label=label)
    ax.set_xticks(sorted({int(d) for row in rows for d in row.get("chains_by_level", {})}))
    ax.axhline(50, color="gray", lw=0.8, ls=":")
    ax.set_xlabel("difficulty d (steps in the chain)")
    ax.set_ylabel("held-out pass@1 (%)")
    ax.set_ylim(-3, 103)
    ax.set_title(f"{name}: the frontier, round by round")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)


def _tasks_panel(ax, rounds: list[int], rows: list[dict]) -> None:
    """Tasks written and accepted (bars) and the mutant kill rate (line, right axis); runs older than
    model-written tasks have none of these, and show zeros."""
    ax.bar(rounds, [r.get("tasks_written", 0) for r in rows], color="tab:gray", alpha=0.5, label="tasks written")
    ax.bar(rounds, [r.get("tasks_accepted", 0) for r in rows], color="tab:blue", label="tasks accepted")
    ax.set_ylabel("tasks")
    ax.set_xlabel("round")
    ax.set_xticks(rounds)
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    kill = ax.twinx()
    rates = [r.get("mutant_kill_rate") for r in rows]
    kill.plot(rounds, [float("nan") if v is None else 100 * v for v in rates], "r.-", label="mutant kill rate")
    kill.set_ylim(0, 105)
    kill.set_ylabel("mutants killed (%)")
    kill.legend(fontsize=8, loc="upper right")
