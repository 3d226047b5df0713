"""The first three phases of a round: sample completions, check them in the sandbox, keep the good.

Sampling goes in chunks of tasks; a chunk's seed is a function of (run seed, round, chunk), and its
samples are stored in one transaction, so a resumed round draws exactly the samples an uninterrupted
one would have, none twice, and where a chunk ran (this process or a Ray worker, backends.py) does
not change what it drew. Checking stores outcomes chunk by chunk; keeping decides over the whole
round at once and writes the new dataset version in one transaction.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from codeling.generate import Sampling
from codeling.improve import filters
from codeling.improve.backends import check_chunk, sample_chunk
from codeling.improve.store import StoredTask

CHECK_CHUNK = 256  # samples run in the sandbox between two commits


def device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def model_sha256(checkpoint: Path) -> str:
    """The weights' sha256 from the checkpoint's manifest: which model made a sample."""
    return json.loads((Path(checkpoint) / "manifest.json").read_text())["sha256"]["model.safetensors"]


class Interrupted(Exception):
    """A signal arrived: the current phase saved what it had; the run stops and --resume continues."""


def interrupted(run) -> None:
    if run.stop.signal is not None:
        raise Interrupted


def sample_round(run, r: int, checkpoint: Path) -> None:
    """k completions for every task of the round (the suite's train tasks, then those the model wrote
    in earlier rounds) not yet sampled this round."""
    s = run.settings
    tasks = run.store.round_tasks([t.task_id for t in run.train_tasks], r)
    done = run.store.sampled_tasks(r)
    per_chunk = max(1, s.batch_rows // s.samples_per_task)
    chunks = [tasks[i : i + per_chunk] for i in range(0, len(tasks), per_chunk)]
    todo = [(i, chunk) for i, chunk in enumerate(chunks) if not {t.id for t in chunk} <= done]
    digest = model_sha256(checkpoint)
    jobs = [
        (str(checkpoint), [_problem(t) for t in chunk], s.samples_per_task, chunk_sampling(s, r, i), s.batch_rows)
        for i, chunk in todo
    ]
    total = sum(len(chunk) for _, chunk in todo) * s.samples_per_task
    stored = 0
    for n, completions in run.backend.map(sample_chunk, jobs):
        chunk = todo[n][1]
        run.store.add_samples(r, digest, {t.id: cs for t, cs in zip(chunk, completions)})
        stored += len(chunk) * s.samples_per_task
        run.progress(f"round {r}: sample", stored, total)
        interrupted(run)


def chunk_sampling(s, r: int, chunk: int) -> Sampling:
    """The sampling settings of one chunk: its seed depends only on (run seed, round, chunk)."""
    return Sampling(s.max_new_tokens, s.temperature, top_p=s.top_p, seed=(s.seed * 1000 + r) * 100_000 + chunk)


def _problem(task: StoredTask):
    from codeling.evals.run import BenchmarkProblem

    return BenchmarkProblem(task.task_id, task.prompt, task.tests, {"family": task.family, "level": str(task.level)})


def check_round(run, r: int) -> None:
    """Run every unchecked sample with its task's tests in the sandbox; store outcome, runtime, score."""
    pending = run.store.unchecked(r)
    chunks = [pending[i : i + CHECK_CHUNK] for i in range(0, len(pending), CHECK_CHUNK)]
    jobs = [
        ([_problem(t) for _, t, _ in chunk], [[c] for _, _, c in chunk], 5.0, run.settings.sandbox) for chunk in chunks
    ]
    checked = 0
    for n, results in run.backend.map(check_chunk, jobs):
        checks = []
        for (sample, task, completion), result in zip(chunks[n], results):
            judged = filters.judge(
                sample, task.id, task.prompt + completion, task.entry_point, result.outcome, result.duration_s
            )
            checks.append(
                (sample, judged.outcome, judged.runtime_s, judged.ast_sha256, judged.score, judged.hard_coded)
            )
        run.store.record_checks(checks)
        checked += len(chunks[n])
        run.progress(f"round {r}: check", checked, len(pending))
        interrupted(run)


def keep_round(run, r: int) -> int:
    """Decide what this round keeps and write the new dataset version; its number."""
    fields = ("sample", "task", "outcome", "runtime_s", "ast_sha256", "score", "hard_coded")
    checked = [filters.Checked(*(row[f] for f in fields)) for row in run.store.round_samples(r)]
    kept = filters.keep(checked, run.store.kept_hashes(), run.settings.per_task)
    return run.store.add_version(r, sorted(kept))
