"""The first three phases of a round: sample completions, check them in the sandbox, keep the good.

Sampling goes in chunks of tasks; a chunk's seed is a function of (run seed, round, chunk), and its
samples are stored in one transaction, so a resumed round draws exactly the samples an uninterrupted
one would have, none twice, and where a chunk ran (this process or a Ray worker, backends.py) does
not change what it drew. Checking stores outcomes chunk by chunk; keeping decides over the whole
round at once and writes the new dataset version in one transaction.
"""

from __future__ import annotations

from pathlib import Path

from codeling.evals.run import BenchmarkProblem
from codeling.improve import filters
from codeling.improve.backends import check_chunk, sample_chunk
from codeling.improve.run import CHECK_TIMEOUT_S, ImproveRun, chunks, map_chunks, model_sha256
from codeling.improve.store import StoredTask

CHECK_CHUNK = 256  # samples run in the sandbox between two commits


def sample_round(run: ImproveRun, r: int, checkpoint: Path, task_ids: list[str]) -> None:
    """k completions for every task of the round (`task_ids`, then those the model wrote in earlier
    rounds) not yet sampled this round."""
    s = run.settings
    per_task = s.samples_per_task_in(r)
    tasks = run.store.round_tasks(task_ids, r)
    done = run.store.sampled_tasks(r)
    todo = [
        (i, chunk)
        for i, chunk in chunks(tasks, max(1, s.batch_rows // per_task))
        if not {t.id for t in chunk} <= done  # a chunk is stored whole
    ]
    jobs = [
        (
            str(checkpoint),
            [problem(t) for t in chunk],
            per_task,
            run.chunk_sampling(r, i, s.max_new_tokens),
            s.batch_rows,
        )
        for i, chunk in todo
    ]
    digest = model_sha256(checkpoint)

    def store(n: int, completions: list[list[str]]) -> int:
        chunk = todo[n][1]
        run.store.add_samples(r, digest, {t.id: cs for t, cs in zip(chunk, completions)})
        return len(chunk) * per_task

    total = sum(len(chunk) for _, chunk in todo) * per_task
    map_chunks(run, sample_chunk, jobs, store, f"round {r}: sample", total)


def problem(task: StoredTask) -> BenchmarkProblem:
    return BenchmarkProblem(task.task_id, task.prompt, task.tests, {"family": task.family, "level": str(task.level)})


def check_round(run: ImproveRun, r: int) -> None:
    """Run every unchecked sample with its task's tests in the sandbox; store outcome, runtime, score."""
    pending = run.store.unchecked(r)
    parts = [chunk for _, chunk in chunks(pending, CHECK_CHUNK)]
    jobs = [
        ([problem(t) for _, t, _ in chunk], [[c] for _, _, c in chunk], CHECK_TIMEOUT_S, run.settings.sandbox)
        for chunk in parts
    ]

    def store(n: int, results) -> int:
        checks = []
        for (sample, task, completion), result in zip(parts[n], results):
            judged = filters.judge(
                sample, task.id, task.prompt + completion, task.entry_point, result.outcome, result.duration_s
            )
            checks.append(
                (sample, judged.outcome, judged.runtime_s, judged.ast_sha256, judged.score, judged.hard_coded)
            )
        run.store.record_checks(checks)
        return len(parts[n])

    map_chunks(run, check_chunk, jobs, store, f"round {r}: check", len(pending))


def keep_round(run: ImproveRun, r: int) -> int:
    """Decide what this round keeps and write the new dataset version; its number."""
    fields = ("sample", "task", "outcome", "runtime_s", "ast_sha256", "score", "hard_coded")
    checked = [
        filters.Checked(*(row[f] for f in fields), off_plan=run.settings.follow_plan and filters.off_plan(row))
        for row in run.store.round_samples(r)
    ]
    kept = filters.keep(checked, run.store.kept_hashes(), run.settings.per_task)
    return run.store.add_version(r, sorted(kept))
