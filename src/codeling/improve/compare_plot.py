"""compare.png for several self-improvement runs (say expert iteration against GRPO): held-out pass@1
at the hard difficulties, and the mean reward of each round's samples, against the sandboxed samples
spent so far, so that runs are compared at equal cost rather than at equal round number."""

from __future__ import annotations

import itertools
from pathlib import Path

from codeling import rounds
from codeling.improve.plot import pyplot, read_rounds
from codeling.improve.settings import ImproveSettings

# Past the seed set's hardest difficulty d0: d0+1 is the first a round samples at, d0+3 the last the
# 3-round recipe reaches; below d0 the seeds already teach the answer, so runs barely differ there.
HARD_OFFSETS = {1: "o-", 3: "s--"}


def plot_comparison(run_dirs: list[str | Path], out: str | Path | None = None) -> Path:
    """Draw compare.png (in the first run directory unless `out`), one colour a run."""
    plt = pyplot()
    run_dirs = [Path(d) for d in run_dirs]
    runs = [(d.name, read_rounds(d), seed_difficulty(d)) for d in run_dirs]  # every directory checked first
    fig, (ax_pass, ax_reward) = plt.subplots(2, 1, figsize=(8, 9), sharex=True, height_ratios=[3, 2])
    for (name, rows, d0), colour in zip(runs, itertools.cycle(f"C{i}" for i in range(10))):
        _pass_lines(ax_pass, name, rows, d0, colour)
        _reward_line(ax_reward, name, rows, colour)
    ax_pass.set_ylabel("held-out pass@1, greedy (%)")
    ax_pass.set_ylim(-3, 103)
    ax_pass.set_title("held-out pass@1 at the hard difficulties against sandboxed samples")
    ax_reward.set_ylabel("mean reward of the round's samples")
    ax_reward.set_ylim(bottom=0)  # rewards are shares passing: a zero floor keeps small gaps small
    ax_reward.set_xlabel("sandboxed samples spent (cumulative)")
    for ax in (ax_pass, ax_reward):
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    out = Path(out) if out else run_dirs[0] / "compare.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def _pass_lines(ax, name: str, rows: list[dict], d0: int, colour: str) -> None:
    """A line per hard difficulty, round 0 (the base) at x=0; a run without chains shows none."""
    samples = cumulative_samples(rows)
    for offset, style in HARD_OFFSETS.items():
        d = str(d0 + offset)
        values = [100 * r.get("chains_by_level", {}).get(d, float("nan")) for r in rows]
        ax.plot(samples, values, style, color=colour, label=f"{name} d{d}", markersize=4)


def _reward_line(ax, name: str, rows: list[dict], colour: str) -> None:
    """A point a sampling round, at the samples spent once it was drawn."""
    points = [(x, mean_reward(r)) for x, r in zip(cumulative_samples(rows), rows) if mean_reward(r) is not None]
    ax.plot([x for x, _ in points], [y for _, y in points], "o-", color=colour, label=name, markersize=4)


def seed_difficulty(run_dir: Path) -> int:
    """d0 from the run's settings; a run from before the setting existed ran at its default."""
    run = rounds.find(run_dir)
    saved = rounds.saved(run) if run is not None and run.loop == "improve" else {}
    return int(saved.get("seed_difficulty", ImproveSettings.model_fields["seed_difficulty"].default))


def cumulative_samples(rows: list[dict]) -> list[int]:
    """Samples drawn up to and including each round; round 0 (the base) draws none, so sits at 0."""
    return list(itertools.accumulate(r.get("samples", 0) for r in rows))


def mean_reward(row: dict) -> float | None:
    """GRPO's mean reward where the round logged one; else the pass rate, which is the same binary
    reward averaged; None for round 0, which sampled nothing."""
    grpo = row.get("grpo")
    return grpo.get("mean_reward") if isinstance(grpo, dict) else row.get("pass_rate")
