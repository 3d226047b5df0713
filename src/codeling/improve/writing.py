"""The first phase of a round when the model writes tasks: draft, judge, accept.

draft    `write_tasks` completions of TASK_HEADER (authoring.py) from the model the round starts
         from, in chunks of `batch_rows`; chunk i of round r samples with the run's chunk seed at
         offset DRAFT_SEEDS + i (the solutions' chunks count up from 0: run.chunk_sampling), and
         each chunk is stored in one transaction, so a resumed round drafts exactly what an
         uninterrupted one would
judge    the checks that run nothing (authoring.static_verdict), then in the sandbox: the reference
         with its own asserts must pass (else fails_own_asserts); then every mutant (mutants.py,
         at most MAX_MUTANTS) runs with the asserts, and the share that fails them is the draft's kill
         rate; below MIN_KILL it is weak_asserts (the asserts would pass a wrong body), with no mutant
         at all no_mutants. A chunk of drafts' verdicts and the tasks the accepted ones become are one
         transaction.

Accepted tasks enter the store with source "model" and this round; rounds after this one sample them
like the suite's train tasks, their asserts as the hidden tests.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from codeling.digest import sha256_text
from codeling.evals.tasks import SuiteSettings, load_split
from codeling.improve import authoring, curriculum, filters
from codeling.improve.backends import check_chunk, sample_chunk
from codeling.improve.mutants import mutants
from codeling.improve.run import ImproveRun, chunks, map_chunks, model_sha256
from codeling.train.progress import Progress

MIN_KILL = 0.6  # share of mutants the asserts must kill
MAX_MUTANTS = 20  # per draft, the first in source order
TIMEOUT_S = 2.0  # a mutant that loops forever is killed by the timeout: do not wait long for it
JUDGE_CHUNK = 32  # drafts judged between two commits
DRAFT_SEEDS = 50_000  # draft chunks' seeds start here, apart from the solution chunks'


def draft_round(run: ImproveRun, r: int, checkpoint: Path) -> None:
    """The round's drafts not yet stored, chunk by chunk."""
    from codeling.evals.run import BenchmarkProblem

    s = run.settings
    done = run.store.drafted(r)
    todo = [(i, chunk) for i, chunk in chunks(list(range(s.write_tasks)), s.batch_rows) if chunk[0] not in done]
    header = BenchmarkProblem("draft", authoring.TASK_HEADER, "")
    jobs = [
        (
            str(checkpoint),
            [header],
            len(chunk),
            run.chunk_sampling(r, i, s.task_max_new_tokens, DRAFT_SEEDS),
            s.batch_rows,
        )
        for i, chunk in todo
    ]
    digest = model_sha256(checkpoint)

    def store(n: int, completions: list[list[str]]) -> int:
        chunk = todo[n][1]
        run.store.add_drafts(r, digest, dict(zip(chunk, completions[0])))
        return len(chunk)

    map_chunks(run, sample_chunk, jobs, store, f"round {r}: write tasks", s.write_tasks, done=len(done))


def judge_round(run: ImproveRun, r: int) -> None:
    """A verdict for every draft of the round without one; the accepted become tasks."""
    pending = run.store.unchecked_drafts(r)
    if not pending:
        return
    suite = SuiteSettings(per_kind=run.settings.per_kind)
    # A draft may copy no held-out task (all of the suite's, and the chains' measured ones) ...
    held_out = [t for split in ("test", "heldout") for t in load_split(split, suite)]
    near = authoring.NearCopies(held_out + run.held_out.get("chains", []))
    # ... and a task whose solution the model was given is not a new task.
    given = load_split("train", suite) + curriculum.seed_tasks(run.settings)
    train_hashes = {_hash(t.prompt + t.reference, t.entry_point) for t in given}
    for start in range(0, len(pending), JUDGE_CHUNK):
        chunk = pending[start : start + JUDGE_CHUNK]
        # Read from the store each chunk, so a resumed round judges against what was accepted before.
        verdicts, tasks = judge_chunk(run, chunk, near, train_hashes | run.store.accepted_hashes())
        run.store.record_drafts(r, verdicts, tasks)
        run.progress(Progress.count(f"round {r}: check tasks", start + len(chunk), len(pending)))
        run.interrupted()


def _hash(source: str, entry_point: str) -> str | None:
    function = filters.parse_function(source, entry_point)
    return None if function is None else filters.normalised_hash(function)


def judge_chunk(
    run: ImproveRun, chunk: list[tuple[int, str]], near, known: set[str]
) -> tuple[list[dict], dict[int, dict]]:
    """(verdict rows, draft id -> task row of each accepted draft) for a chunk of (draft id, text)."""
    rows, drafts = [], {}
    for draft_id, text in chunk:
        draft, digest, reason = authoring.static_verdict(text, near, known)
        asserts = None if draft is None else draft.inputs
        rows.append(dict(draft=draft_id, verdict=reason, asserts=asserts, mutants=None, killed=None, ast_sha256=digest))
        drafts[draft_id] = draft
    live = [row for row in rows if row["verdict"] is None]
    for row, passed in zip(live, _passes(run, [(drafts[row["draft"]], drafts[row["draft"]].source) for row in live])):
        row["verdict"] = None if passed else "fails_own_asserts"
    _mutation_check(run, [row for row in rows if row["verdict"] is None], drafts)
    seen: set[str] = set()
    for row in rows:  # two drafts of one chunk writing the same task: the first is the new one
        if row["verdict"] == "accepted" and row["ast_sha256"] in seen:
            row["verdict"] = "duplicate"
        elif row["verdict"] == "accepted":
            seen.add(row["ast_sha256"])
    accepted = {row["draft"]: task_row(drafts[row["draft"]]) for row in rows if row["verdict"] == "accepted"}
    return rows, accepted


def _mutation_check(run: ImproveRun, rows: list[dict], drafts: dict) -> None:
    """Run each draft's mutants with its asserts; its verdict from the share they kill."""
    made = {
        row["draft"]: mutants(drafts[row["draft"]].source, drafts[row["draft"]].entry_point, MAX_MUTANTS)
        for row in rows
    }
    jobs = [(draft_id, m) for draft_id, ms in made.items() for m in ms]
    passed = _passes(run, [(drafts[draft_id], m) for draft_id, m in jobs])
    survived = Counter(draft_id for (draft_id, _), ok in zip(jobs, passed) if ok)
    for row in rows:
        count = len(made[row["draft"]])
        row["mutants"], row["killed"] = count, count - survived[row["draft"]]
        if count == 0:
            row["verdict"] = "no_mutants"
        else:
            row["verdict"] = "accepted" if row["killed"] / count >= MIN_KILL else "weak_asserts"


def _passes(run: ImproveRun, jobs: list[tuple]) -> list[bool]:
    """Whether each (draft, function source) passes the draft's asserts in the sandbox."""
    from codeling.evals.run import BenchmarkProblem

    if not jobs:
        return []
    problems = [BenchmarkProblem(f"draft-{i}", "", draft.tests) for i, (draft, _) in enumerate(jobs)]
    work = [(problems, [[source] for _, source in jobs], TIMEOUT_S, run.settings.sandbox)]
    results = next(results for _, results in run.backend.map(check_chunk, work))
    return [result.outcome == "passed" for result in results]


def task_row(draft: authoring.Draft) -> dict:
    """The store's row for an accepted draft: its asserts are the task's tests."""
    digest = sha256_text(draft.prompt + draft.reference + draft.tests)[:12]
    return {
        "task_id": f"model/{draft.entry_point}/{digest}",
        "entry_point": draft.entry_point,
        "prompt": draft.prompt,
        "tests": draft.tests,
        "family": "model",
        "level": None,
    }


def round_task_metrics(drafts: list[dict]) -> dict:
    """tasks_written, tasks_accepted, mutant_kill_rate (mean over drafts that reached the mutation
    check) and tasks_rejected (count per reason) of a round's drafts."""
    mutated = [d for d in drafts if d["mutants"]]
    rejected = Counter(d["verdict"] for d in drafts if d["verdict"] not in ("accepted", None))
    return {
        "tasks_written": len(drafts),
        "tasks_accepted": sum(d["verdict"] == "accepted" for d in drafts),
        "mutant_kill_rate": sum(d["killed"] / d["mutants"] for d in mutated) / len(mutated) if mutated else None,
        "tasks_rejected": dict(sorted(rejected.items())),
    }
