"""rounds.png for a self-improvement run: held-out pass@k by round, what each round kept, and the
tasks it wrote (accepted of written, and the mutant kill rate)."""

from __future__ import annotations

from pathlib import Path

from codeling.errors import CodelingError
from codeling.train.rundir import read_jsonl


def plot_rounds(run_dir: str | Path, out: str | Path | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    run_dir = Path(run_dir)
    if not (run_dir / "rounds.jsonl").is_file():
        raise CodelingError(f"{run_dir} holds no rounds.jsonl; pass the --out directory of a `codeling improve` run.")
    rows = read_jsonl(run_dir / "rounds.jsonl")
    rounds = [r["step"] for r in rows]
    fig, (ax_pass, ax_kept, ax_tasks) = plt.subplots(
        3, 1, figsize=(8, 8), sharex=True, gridspec_kw={"height_ratios": [3, 2, 2]}
    )
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
    out = Path(out) if out else run_dir / "rounds.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


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
