"""rounds.png for a self-improvement run: held-out pass@k by round, and what each round kept."""

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
    fig, (ax_pass, ax_kept) = plt.subplots(2, 1, figsize=(8, 6), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
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
    ax_kept.set_xlabel("round")
    ax_kept.set_xticks(rounds)
    ax_kept.legend(fontsize=8)
    ax_kept.grid(alpha=0.3)
    fig.tight_layout()
    out = Path(out) if out else run_dir / "rounds.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
