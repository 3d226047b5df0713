"""loss.png for a run: train and validation loss over steps, and the learning rate beneath."""

from __future__ import annotations

from pathlib import Path

from codeling import rundir
from codeling.train.metrics import read_metrics


def plot_run(run_dir: str | Path, out: str | Path | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    run_dir = Path(run_dir)
    rows = read_metrics(run_dir)
    train = [r for r in rows if r["split"] == "train"]
    val = [r for r in rows if r["split"] == "val"]
    fig, (ax_loss, ax_lr) = plt.subplots(2, 1, figsize=(8, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    ax_loss.plot([r["step"] for r in train], [r["loss"] for r in train], label="train", linewidth=1)
    if val:
        ax_loss.plot([r["step"] for r in val], [r["loss"] for r in val], "o-", label="val", markersize=3)
    ax_loss.set_ylabel("loss")
    ax_loss.set_title(f"{run_dir.name}")
    ax_loss.legend()
    ax_loss.grid(alpha=0.3)
    ax_lr.plot([r["step"] for r in train], [r["lr"] for r in train], color="gray")
    ax_lr.set_ylabel("learning rate")
    ax_lr.set_xlabel("step")
    ax_lr.grid(alpha=0.3)
    fig.tight_layout()
    out = Path(out) if out else run_dir / rundir.LOSS_PLOT
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
