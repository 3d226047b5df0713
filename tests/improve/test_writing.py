"""Tasks the model writes: mutants, reading a draft, the acceptance checks, and what an accepted task
becomes (a task of the store, sampled from the next round on)."""

import json

import pytest

from codeling.evals.tasks import SuiteSettings, load_split
from codeling.improve import authoring, load, writing
from codeling.improve import data as improve_data
from codeling.improve.backends import Local, sample_chunk
from codeling.improve.loop import open_run, saved_settings
from codeling.improve.mutants import mutants
from codeling.improve.sampling import check_round, sample_round
from codeling.train.progress import ignore

SMOKE = load("smoke")
SUITE = SuiteSettings(per_kind=SMOKE.per_kind)

GOOD = '''def add_then_double(a: int, b: int) -> int:
    """Return twice the sum of a and b."""
    total = a + b
    return total * 2


assert add_then_double(1, 2) == 6
assert add_then_double(0, 0) == 0
assert add_then_double(-3, 5) == 4
assert add_then_double(10, 1) == 22
'''
FUNCTION = GOOD.split("\n\n\n")[0] + "\n"
VACUOUS = FUNCTION + "\n\n" + "".join(f"assert add_then_double({a}, 1) is not None\n" for a in range(3))
WRONG = GOOD.replace("== 6", "== 7")  # its reference fails its own first assert
FEW = FUNCTION + "\n\n" + "assert add_then_double(1, 2) == 6\n" * 3  # three asserts, one input


def test_mutants_change_one_operator_constant_or_comparison_each_and_are_deterministic():
    source = 'def f(n):\n    """Doc 5."""\n    if n < 3:\n        return n + 1\n    return -2\n'
    made = mutants(source, "f")
    assert made == mutants(source, "f")  # deterministic
    assert made == [
        'def f(n):\n    """Doc 5."""\n    if n <= 3:\n        return n + 1\n    return -2\n',
        'def f(n):\n    """Doc 5."""\n    if n < 4:\n        return n + 1\n    return -2\n',
        'def f(n):\n    """Doc 5."""\n    if n < 3:\n        return n - 1\n    return -2\n',
        'def f(n):\n    """Doc 5."""\n    if n < 3:\n        return n + 2\n    return -2\n',
        'def f(n):\n    """Doc 5."""\n    if n < 3:\n        return n + 1\n    return 2\n',
        'def f(n):\n    """Doc 5."""\n    if n < 3:\n        return n + 1\n    return -3\n',
    ]
    assert mutants("def g(xs):\n    return sorted(xs)\n", "g") == []  # nothing to change
    assert len(mutants(source, "f", limit=2)) == 2


def test_a_seed_task_written_out_reads_back_as_the_same_task():
    for task in load_split("train", SUITE)[:20]:
        draft = authoring.parse_draft(authoring.task_document(task))
        assert draft is not None and (draft.prompt, draft.reference) == (task.prompt, task.reference)
        assert draft.inputs >= authoring.MIN_ASSERTS and draft.entry_point == task.entry_point
    assert authoring.parse_draft("def f(n):\n    return n\n\n\nassert f(1) == 1\n") is None  # no docstring
    assert authoring.parse_draft(FUNCTION + "\nprint(1)\n") is None  # not an assert


def test_task_documents_join_the_seed_set_without_moving_a_solution():
    tasks = [t for t in load_split("train", SUITE) if t.level == 1]
    plain_train, plain_val = improve_data.seed_pairs(tasks, 0, documents=False)
    train, val = improve_data.seed_pairs(tasks, 0, documents=True)
    assert [p for p in train if p[0] != authoring.TASK_HEADER] == plain_train
    assert [p for p in val if p[0] != authoring.TASK_HEADER] == plain_val
    assert sum(p[0] == authoring.TASK_HEADER for p in train + val) == len(tasks)


@pytest.fixture
def run(tmp_path, bwrap):
    run = open_run(SMOKE, tmp_path / "run", False, ignore)
    yield run
    run.log.close()
    run.tensorboard.close()
    run.store.close()


def test_each_check_rejects_what_it_should_and_accepts_a_real_task(run):
    test_task = load_split("test", SUITE)[0]
    near_copy = authoring.task_document(test_task).replace("\n\n\nassert", "    # mine now\n\n\nassert", 1)
    seed_copy = authoring.task_document([t for t in load_split("train", SUITE) if t.level == 1][0])
    drafts = [GOOD, VACUOUS, WRONG, FEW, near_copy, seed_copy, GOOD, "def broken(:\n"]
    run.store.add_drafts(1, "m" * 64, dict(enumerate(drafts)))
    writing.judge_round(run, 1)
    verdicts = [d["verdict"] for d in run.store.round_drafts(1)]
    assert verdicts == [
        "accepted",
        "weak_asserts",  # `is not None` passes every mutant: the asserts test nothing
        "fails_own_asserts",
        "few_asserts",
        "near_copy",
        "duplicate",  # a train task's reference is not a new task
        "duplicate",  # nor is the same task twice
        "malformed",
    ]
    rows = run.store.round_drafts(1)
    assert rows[0]["killed"] / rows[0]["mutants"] >= writing.MIN_KILL and rows[1]["killed"] == 0
    metrics = writing.round_task_metrics(rows)
    assert metrics["tasks_written"] == 8 and metrics["tasks_accepted"] == 1
    assert metrics["tasks_rejected"]["duplicate"] == 2 and 0 < metrics["mutant_kill_rate"] < 1


class CannedModel(Local):
    """The local backend with sampling replaced by a canned body; records the prompts it was given."""

    def __init__(self):
        self.asked: list[str] = []

    def map(self, fn, jobs):
        if fn is not sample_chunk:
            yield from super().map(fn, jobs)
            return
        for i, (_, problems, n, _, _) in enumerate(jobs):
            self.asked += [p.task_id for p in problems]
            yield i, [["    total = a + b\n    return total * 2\n"] * n for _ in problems]


def test_an_accepted_task_is_stored_as_the_models_and_sampled_from_the_next_round(run, tmp_path):
    run.store.add_drafts(1, "m" * 64, {0: GOOD})
    writing.judge_round(run, 1)
    [task] = [t for t in run.store.tasks() if t.source == "model"]
    assert task.round == 1 and task.entry_point == "add_then_double"
    checkpoint = tmp_path / "model"
    checkpoint.mkdir()
    (checkpoint / "manifest.json").write_text(json.dumps({"sha256": {"model.safetensors": "c" * 64}}))
    run.backend = CannedModel()
    sample_round(run, 1, checkpoint, [])
    assert task.task_id not in run.backend.asked  # written this round: sampled from the next one
    sample_round(run, 2, checkpoint, [])
    assert run.backend.asked[-1] == task.task_id
    check_round(run, 2)
    outcome = {row["task"]: row["outcome"] for row in run.store.round_samples(2)}
    assert outcome[task.id] == "passed"  # the model's asserts are the task's tests


def test_a_run_from_before_written_tasks_resumes_with_them_off(tmp_path):
    out = tmp_path / "old"
    out.mkdir()
    values = load("suite").model_dump(mode="json")
    for name in ("write_tasks", "task_max_new_tokens", "task_documents", "tasks"):
        del values[name]
    (out / "improve.json").write_text(json.dumps(values))
    settings = saved_settings(out)
    assert settings.write_tasks == 0 and not settings.task_documents and settings.tasks == "suite"
    overrides = ["write_tasks=0", "task_max_new_tokens=240", "task_documents=false"]
    assert settings == load("suite", overrides=overrides)


def test_a_run_from_before_typed_settings_reads_its_trainer_overrides(tmp_path):
    """improve.json of runs before the typed settings kept the model as a list of --set strings."""
    out = tmp_path / "old"
    out.mkdir()
    values = {k: v for k, v in load("suite").model_dump(mode="json").items() if k not in ("model", "data", "train")}
    for name in ("checkpoint", "log", "tasks", "seed_difficulty", "seed_count", "round_samples", "oracle"):
        values.pop(name)
    values["model"] = ["model.n_layer=3", "model.n_embd=96", "model.positions=rotary", "train.lr=3e-3"]
    (out / "improve.json").write_text(json.dumps(values))
    settings = saved_settings(out)
    assert (settings.model.n_layer, settings.model.n_embd, settings.model.positions) == (3, 96, "rotary")
    assert settings.train.lr == 3e-3 and settings.tasks == "suite"


def test_model_text_with_syntax_warnings_parses_silently():
    import warnings

    from codeling.improve.authoring import parse_draft
    from codeling.improve.filters import parse_function

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a SyntaxWarning printed to the user's terminal would raise here
        assert parse_draft('def f(x):\n    """d"""\n    return 1if x else 2\nassert f(1) == 1\n') is not None
        assert parse_function('def f(x):\n    return "\\d"\n', "f") is not None
