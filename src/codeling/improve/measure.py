"""What a round is worth: held-out pass@k and the statistics of its samples.

Held-out means the suite's test split (families the loop trains on, tasks it never samples) and its
held-out family (never seen at all); both are scored with the same sampling settings every round
(eval_samples completions per task at eval_temperature, seed fixed), so rounds compare.
"""

from __future__ import annotations

from pathlib import Path

from codeling.evals.run import evaluate_pass_at_k
from codeling.generate import Sampling
from codeling.improve import writing
from codeling.improve.sampling import device
from codeling.improve.store import Store
from codeling.sandbox import Limits, SandboxConfig
from codeling.train.checkpoint import load_checkpoint


def held_out(run, checkpoint: Path) -> dict:
    """pass@1 and pass@10 on the test split (overall, per family, per level) and the held-out family."""
    s = run.settings
    loaded = load_checkpoint(checkpoint, device=device())
    loaded.model.eval()
    sampling = Sampling(s.max_new_tokens, s.eval_temperature, top_p=s.top_p, seed=12345)
    found = {}
    for split, tasks in run.held_out.items():
        _, report = evaluate_pass_at_k(
            loaded.model,
            loaded.tokenizer,
            [t.problem() for t in tasks],
            s.eval_samples,
            sampling,
            Limits(timeout_s=5.0),
            SandboxConfig(mode=s.sandbox),
            batch_rows=s.batch_rows,
            ks=(1, 10),
            progress=lambda stage, done, total, split=split: run.progress(f"measure {split}: {stage}", done, total),
        )
        found[split] = {f"pass@{k}": v for k, v in report.overall.pass_at_k.items()}
        for group in ("family", "level"):
            found[f"{split}_by_{group}"] = {
                value: score.pass_at_k.get(1, 0.0) for value, score in report.by_group.get(group, {}).items()
            }
    return found


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
        "distinct_passing": len({(row["task"], row["ast_sha256"]) for row in passed}),
        "tasks_solved": len({row["task"] for row in passed}),
        "kept": sum(bool(row["kept"]) for row in rows),
        "dataset_size": versions[-1]["samples"] if versions else 0,
        **writing.round_task_metrics(store.round_drafts(r)),
        "model_tasks": sum(t.source == "model" for t in store.tasks()),  # sampled from the next round on
    }
