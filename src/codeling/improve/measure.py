"""What a round is worth: held-out pass@k and the statistics of its samples.

Held-out means the chains' test instances at every measured difficulty (greedy, one answer a task),
the suite's test split (families the loop trains on, tasks it never samples) and its held-out family
(never seen at all); the suite's are scored with eval_samples completions per task at
eval_temperature, seed fixed. Every round uses the same settings, so rounds compare.
"""

from __future__ import annotations

from pathlib import Path

from codeling.evals.run import evaluate_pass_at_k
from codeling.generate import Sampling, one_thread_if_small
from codeling.improve import filters, writing
from codeling.improve.run import CHECK_TIMEOUT_S, ImproveRun
from codeling.improve.store import Store
from codeling.sandbox import Limits, SandboxConfig
from codeling.train.checkpoint import load_checkpoint
from codeling.train.distributed import World, pick_device
from codeling.train.progress import prefixed

FRONTIER = 0.5  # the frontier: the largest difficulty whose held-out pass@1 reaches this


def held_out(run: ImproveRun, checkpoint: Path) -> dict:
    """pass@1 and pass@10 on the suite's test split (overall, per family, per level) and held-out
    family; for chains, greedy pass@1 per difficulty and the frontier."""
    s = run.settings
    loaded = load_checkpoint(checkpoint, device=pick_device("auto", World()))
    loaded.model.eval()
    found = {}
    for split, tasks in run.held_out.items():
        greedy = split == "chains"  # one answer a task: pass@1 is exact, and cheap enough for every d
        n, ks = (1, (1,)) if greedy else (s.eval_samples, (1, 10))
        sampling = Sampling(s.max_new_tokens, 0.0 if greedy else s.eval_temperature, top_p=s.top_p, seed=12345)
        with one_thread_if_small(loaded.model):
            _, report = evaluate_pass_at_k(
                loaded.model,
                loaded.tokenizer,
                [t.problem() for t in tasks],
                n,
                sampling,
                Limits(timeout_s=CHECK_TIMEOUT_S),
                SandboxConfig(mode=s.sandbox),
                batch_rows=s.batch_rows,
                ks=ks,
                progress=prefixed(run.progress, f"measure {split}: "),
            )
        found[split] = {f"pass@{k}": v for k, v in report.overall.pass_at_k.items()}
        for group in ("family", "level"):
            found[f"{split}_by_{group}"] = {
                value: score.pass_at_k.get(1, 0.0) for value, score in report.by_group.get(group, {}).items()
            }
    if "chains" in found:
        found["frontier"] = frontier(found["chains_by_level"])
    return found


def frontier(by_difficulty: dict[str, float]) -> int:
    """The largest difficulty d such that every difficulty up to d has pass@1 >= FRONTIER (0: none)."""
    reached = 0
    for d in sorted(int(k) for k in by_difficulty):
        if by_difficulty[str(d)] < FRONTIER:
            break
        reached = d
    return reached


def round_statistics(store: Store, r: int) -> dict:
    """How the round's samples fared (compile and pass rates, what was kept, distinct solutions), and
    the tasks it wrote (writing.round_task_metrics)."""
    rows = store.round_samples(r)
    n = len(rows)
    versions = [v for v in store.versions() if v["round"] <= r]
    passed = [row for row in rows if row["outcome"] == "passed"]
    return {
        "samples": n,
        "compile_rate": sum(row["outcome"] not in ("compile_error", None) for row in rows) / n if n else None,
        "pass_rate": len(passed) / n if n else None,
        "hard_coded": sum(bool(row["hard_coded"]) for row in passed),
        "off_plan": sum(filters.off_plan(row) for row in passed),
        "distinct_passing": len({(row["task"], row["ast_sha256"]) for row in passed}),
        "tasks_solved": len({row["task"] for row in passed}),
        "kept": sum(bool(row["kept"]) for row in rows),
        "dataset_size": versions[-1]["samples"] if versions else 0,
        **writing.round_task_metrics(store.round_drafts(r)),
        "model_tasks": sum(t.source == "model" for t in store.tasks()),  # sampled from the next round on
    }
