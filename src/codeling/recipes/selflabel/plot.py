"""rounds.png for a self-labelling run: held-out accuracy by length, one line a round (the frontier
moving right is what a user should see), and what each round kept, right and wrong."""

from __future__ import annotations

from pathlib import Path

from codeling import rounds as rounds_lib
from codeling import rundir
from codeling.errors import CodelingError
from codeling.rundir import read_jsonl


def plot_selflabel(run_dir: str | Path, out: str | Path | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    run_dir = Path(run_dir)
    rows = read_jsonl(run_dir / rundir.ROUNDS_LOG)
    if not rows:
        raise CodelingError(f"{run_dir} has no finished round yet; plot it after round 0 is scored.")
    fig, (ax_acc, ax_kept) = plt.subplots(2, 1, figsize=(8, 8), height_ratios=[3, 2])
    for row in rows:
        lengths = [int(k) for k in row["accuracy"]]
        label = "round 0 (base)" if row["round"] == 0 else f"round {row['round']} (labelled {row['length']})"
        ax_acc.plot(lengths, [100 * v for v in row["accuracy"].values()], "o-", markersize=4, label=label)
    run = rounds_lib.reopen(run_dir, "selflabel", f"{run_dir} holds no selflabel run; pass the --out of one.")
    axis = rounds_lib.saved(run).get("axis", "length")
    ax_acc.set_xlabel(f"length: {axis.replace('_', ' ')}")
    ax_acc.set_ylabel("held-out exact output accuracy (%)")
    ax_acc.set_title(f"{run_dir.name}: {rows[0]['labels']} labels")
    ax_acc.legend(fontsize=8)
    ax_acc.grid(alpha=0.3)
    labelled = [r for r in rows if r.get("labelled")]
    rounds = [r["round"] for r in labelled]
    right = [r["labelled"]["kept_right"] for r in labelled]
    wrong = [r["labelled"]["kept"] - r["labelled"]["kept_right"] for r in labelled]
    ax_kept.bar(rounds, right, color="tab:green", label="kept, right")
    ax_kept.bar(rounds, wrong, bottom=right, color="tab:red", label="kept, wrong")
    ax_kept.set_xlabel("round")
    ax_kept.set_xticks(rounds)
    ax_kept.set_ylabel("labels kept")
    ax_kept.legend(fontsize=8)
    fig.tight_layout()
    out = Path(out) if out else run_dir / rundir.ROUNDS_PLOT
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
