"""population.png: every member's train and val loss, and beneath it the lineage (who copied whom)."""

from __future__ import annotations

import json
from pathlib import Path

from codeling import rundir
from codeling.errors import CodelingError
from codeling.train.metrics import read_metrics


def read_lineage(run_dir: str | Path) -> list[dict]:
    path = Path(run_dir) / rundir.LINEAGE
    if not path.is_file():
        raise CodelingError(f"{path} does not exist; pass a run directory that `codeling evolve` wrote.")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def plot_population(run_dir: str | Path, out: str | Path | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    run_dir = Path(run_dir)
    rows = [r for r in read_metrics(run_dir) if "member" in r]
    lineage = read_lineage(run_dir)
    members = sorted({r["member"] for r in lineage})
    colors = plt.get_cmap("tab10" if len(members) <= 10 else "tab20")
    fig, (ax_loss, ax_tree) = plt.subplots(2, 1, figsize=(9, 8), gridspec_kw={"height_ratios": [3, 2]})

    for m in members:
        color = colors(m % colors.N)
        train = [r for r in rows if r["member"] == m and r["split"] == "train"]
        val = [r for r in rows if r["member"] == m and r["split"] == "val"]
        ax_loss.plot([r["step"] for r in train], [r["loss"] for r in train], color=color, alpha=0.35, lw=0.8)
        ax_loss.plot([r["step"] for r in val], [r["loss"] for r in val], "o-", color=color, ms=3, label=f"member {m}")
    ax_loss.set_ylabel("loss (lines: train, dots: val)")
    ax_loss.grid(alpha=0.3)
    ax_loss.legend(fontsize=7, ncol=max(1, len(members) // 8))

    # Lineage: one row per member, one column per generation. From each evaluation a line runs to the
    # member's next point from whoever's weights it carried on with: grey to itself, a coloured
    # arrow from the parent it copied (those points are ringed in black).
    steps = {r["generation"]: r["step"] for r in lineage}
    for r in lineage:
        g, m = r["generation"], r["member"]
        copied = r["action"] in ("exploit", "clone")
        ax_tree.scatter(
            steps[g], m, s=22, color=colors(m % colors.N), edgecolor="black" if copied else "none", zorder=3
        )
        if g + 1 not in steps:
            continue
        if copied:
            ax_tree.annotate(
                "",
                xy=(steps[g + 1], m),
                xytext=(steps[g], r["parent"]),
                arrowprops={"arrowstyle": "->", "color": colors(r["parent"] % colors.N), "alpha": 0.8},
            )
        else:
            ax_tree.plot([steps[g], steps[g + 1]], [m, m], color="grey", alpha=0.4, lw=0.8)
    ax_tree.set_yticks(members)
    ax_tree.set_ylabel("member")
    ax_tree.set_xlabel("step (ringed: took a parent's weights; arrows run from the parent)")
    ax_tree.invert_yaxis()
    ax_tree.grid(alpha=0.3)
    fig.tight_layout()
    out = Path(out) if out else run_dir / "population.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
