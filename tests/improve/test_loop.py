"""The self-improvement loop end to end: through `codeling improve`, killed and resumed, exported."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from codeling.evals.tasks import SuiteSettings, load_split
from codeling.evals.tasks.chains import split_of
from codeling.improve import curriculum, improve, load
from codeling.improve.loop import open_run, task_row
from codeling.improve.sampling import check_round, keep_round
from codeling.improve.store import Store
from codeling.train.progress import ignore

pytestmark = pytest.mark.usefixtures("bwrap")
SMOKE = ["--preset", "smoke", "--set", "batch_rows=4"]  # 2 tasks a sampling chunk: 3 chunks a round
SMOKE_SETTINGS = load("smoke")


def codeling(*args, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "codeling", *args], capture_output=True, text=True)
    if check:
        assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def samples(run: Path) -> list[tuple]:
    store = Store(run / "dataset.sqlite")
    try:
        return store.db.execute(
            "SELECT task, round, sample_index, completion, outcome FROM samples ORDER BY task, round, sample_index"
        ).fetchall()
    finally:
        store.close()


def drafts(run: Path) -> list[tuple]:
    store = Store(run / "dataset.sqlite")
    try:
        return store.db.execute("SELECT round, draft_index, text, verdict FROM drafts ORDER BY id").fetchall()
    finally:
        store.close()


@pytest.fixture(scope="module")
def straight(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("improve") / "straight"
    proc = codeling("improve", "--out", str(run), *SMOKE)
    assert "held-out pass@k by round" in proc.stdout
    return run


def test_a_run_measures_every_round_and_stores_only_train_tasks(straight):
    report = json.loads((straight / "report.json").read_text())
    assert [r["step"] for r in report["rounds"]] == [0, 1]
    assert report["rounds"][1]["samples"] == 6 * 2  # task_limit tasks x samples_per_task
    written = report["rounds"][1]
    assert written["tasks_written"] == SMOKE_SETTINGS.write_tasks
    assert written["tasks_accepted"] + sum(written["tasks_rejected"].values()) == written["tasks_written"]
    store = Store(straight / "dataset.sqlite")
    stored = {t.task_id for t in store.tasks()}
    store.close()
    suite = SuiteSettings(per_kind=SMOKE_SETTINGS.per_kind)
    never = {t.task_id for split in ("test", "heldout") for t in load_split(split, suite)}
    never |= {t.task_id for t in curriculum.held_out(SMOKE_SETTINGS)["chains"]}
    assert stored and not stored & never  # held-out tasks never enter the store
    assert all(split_of(t) == "train" for t in stored if t.startswith("chains/"))
    seed = {t.task_id for t in curriculum.seed_tasks(SMOKE_SETTINGS)}
    assert seed and not stored & seed  # nor do the seed set's tasks: they already have their solutions
    assert {t.split("/")[1] for t in stored if t.startswith("chains/")} == {"d3"}  # one step past the seed set


def test_the_seed_set_is_half_the_seed_levels_and_rounds_sample_the_other_half():
    settings = load("suite", overrides=["per_kind=6"])
    levels = [t for t in load_split("train", SuiteSettings(per_kind=6)) if t.level in settings.seed_levels]
    seed = {t.task_id for t in curriculum.seed_tasks(settings)}
    assert len(seed) == round(len(levels) / 2) and seed == {t.task_id for t in curriculum.seed_tasks(settings)}
    reseeded = load("suite", overrides=["per_kind=6", "seed=1"])
    assert seed != {t.task_id for t in curriculum.seed_tasks(reseeded)}  # drawn by the run's seed
    whole = load("suite", overrides=["per_kind=6", "seed_fraction=1.0"])
    assert {t.task_id for t in curriculum.seed_tasks(whole)} == {t.task_id for t in levels}


SAVER_KILL = """
import os, signal, sys
from codeling.improve.store import Store
from codeling.cli import main
original, calls = Store.add_samples, []
def add_samples(self, *args):
    original(self, *args)
    calls.append(1)
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGKILL)  # two of three chunks stored, then the power goes
Store.add_samples = add_samples
main(sys.argv[1:])
"""


def test_sigkill_while_sampling_then_resume_draws_what_an_uninterrupted_run_draws(straight, tmp_path):
    run = tmp_path / "killed"
    proc = subprocess.run([sys.executable, "-c", SAVER_KILL, "improve", "--out", str(run), *SMOKE], capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    assert len(samples(run)) == 2 * 2 * 2  # two chunks of two tasks, two samples each
    codeling("improve", "--out", str(run), "--resume")
    assert samples(run) == samples(straight)  # none drawn twice, none lost, the same draws
    assert drafts(run) == drafts(straight) and len(drafts(run)) == SMOKE_SETTINGS.write_tasks


def test_sigterm_during_fine_tuning_saves_and_resume_finishes_and_write_tasks_0_writes_none(straight, tmp_path):
    run = tmp_path / "stopped"
    settings = load("smoke", overrides=["write_tasks=0"])

    def stop_in_round_1(event):
        if event.kind == "step" and (run / "rounds").exists():
            os.kill(os.getpid(), signal.SIGTERM)

    first = improve(settings, run, progress=stop_in_round_1)
    assert first.stopped == "interrupted" and [r["step"] for r in first.rounds] == [0]
    second = improve(settings, run, resume=True)
    assert second.stopped == "finished" and [r["step"] for r in second.rounds] == [0, 1]
    assert drafts(run) == [] and second.rounds[1]["tasks_written"] == 0
    # The base model learns what a run that writes tasks learns: switching writing off changes nothing else.
    for name in ("tokenizer.json", "seed/train.bin", "seed/train.mask.bin", "seed/val.bin"):
        assert (run / name).read_bytes() == (straight / name).read_bytes()


def test_each_round_goes_to_tensorboard(straight):
    assert list((straight / "tensorboard" / "tb").glob("events.out.tfevents.*"))
    rows = [json.loads(line) for line in (straight / "tensorboard" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [0, 1]
    assert "test/pass@1" in rows[1] and rows[1]["tasks_written"] == SMOKE_SETTINGS.write_tasks
    assert "chains_by_level/3" in rows[1] and "frontier" in rows[1]


def test_plot_draws_the_rounds(straight):
    codeling("plot", str(straight))
    assert (straight / "rounds.png").stat().st_size > 10_000


def test_dataset_versions_export_byte_identical(straight, tmp_path):
    listing = codeling("dataset", "list", str(straight)).stdout
    assert "version" in listing
    assert "model-written tasks accepted" in codeling("dataset", "tasks", str(straight)).stdout
    codeling("dataset", "export", str(straight), "--version", "1", "--out", str(tmp_path / "a.jsonl"))
    codeling("dataset", "export", str(straight), "--version", "1", "--out", str(tmp_path / "b.jsonl"))
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


@pytest.mark.parametrize(
    "args,needle",
    [
        (["improve", "--out", "x", "--preset", "huge"], "Unknown preset 'huge'"),
        (["improve", "--out", "x", "--set", "roundz=2"], "Unknown improve setting key 'roundz'"),
        (["improve", "--out", "x", "--set", "seed_fraction=0"], "key 'seed_fraction': Input should be greater than 0"),
        (["improve", "--out", "nowhere", "--resume"], "holds no self-improvement run"),
        (["dataset", "list", "nowhere"], "holds no dataset.sqlite"),
    ],
)
def test_bad_input_is_one_sentence(args, needle, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "codeling", *args], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2 and needle in proc.stderr and "Traceback" not in proc.stderr


def test_unknown_version_and_existing_out_are_refused(straight, tmp_path):
    proc = codeling("dataset", "export", str(straight), "--version", "9", "--out", str(tmp_path / "x"), check=False)
    assert proc.returncode == 2 and "has no dataset version 9" in proc.stderr
    (tmp_path / "taken.jsonl").write_text("mine\n")
    proc = codeling(
        "dataset", "export", str(straight), "--version", "1", "--out", str(tmp_path / "taken.jsonl"), check=False
    )
    assert proc.returncode == 2 and (tmp_path / "taken.jsonl").read_text() == "mine\n"


def test_checking_keeps_real_distinct_solutions_and_rejects_hard_coded_ones(tmp_path):
    """Reference solutions stand in for a model that writes good code: they pass and are kept once;
    a literal answer and a reformatted copy are not."""
    run = open_run(SMOKE_SETTINGS, tmp_path / "run", False, ignore)
    task = curriculum.round_tasks(SMOKE_SETTINGS, 1)[0]
    run.store.add_tasks([task_row(task)], "chains", 1)
    stored = run.store.tasks([task.task_id])[0]
    duplicate = task.reference.replace("\n", "  \n")  # trailing spaces: the same solution
    literal = f"    return {task.cases[0][1]}\n"  # right for one input at most
    run.store.add_samples(1, "m" * 64, {stored.id: [task.reference, duplicate, literal, "    return None\n"]})
    check_round(run, 1)
    rows = run.store.round_samples(1)
    assert [r["outcome"] for r in rows][:2] == ["passed", "passed"] and rows[3]["outcome"] == "failed_test"
    version = keep_round(run, 1)
    kept = run.store.version_samples(version)
    # One of the two copies (whichever ran faster scores higher), never both, never the literal.
    assert len(kept) == 1 and kept[0].completion in (task.reference, duplicate)
    assert rows[2]["outcome"] != "passed" or rows[2]["hard_coded"]
    run.log.close()
    run.store.close()


def test_the_ray_backend_draws_and_checks_what_the_local_one_does(straight, tmp_path):
    """Sampling and checking fanned out over a loopback Ray: the same samples and outcomes, stored by
    this process alone."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
    try:
        result = improve(load("smoke", overrides=["batch_rows=4", "backend=ray"]), tmp_path / "ray")
    finally:
        ray.shutdown()
    assert result.stopped == "finished"
    assert samples(tmp_path / "ray") == samples(straight)


def test_the_chains_baselines_draw_nothing_and_train_on_references_or_the_seed_set(tmp_path):
    for baseline in ("oracle", "control"):
        run = tmp_path / baseline
        result = improve(load("smoke", overrides=[f"{baseline}=true", "write_tasks=0"]), run)
        assert result.stopped == "finished" and result.rounds[1]["samples"] == 0
        manifest = json.loads((run / "rounds" / "round-001" / "data" / "manifest.json").read_text())
        references = len(curriculum.round_tasks(load("smoke"), 1))
        assert manifest["provenance"]["kept_samples"] == (references if baseline == "oracle" else 0)


def test_a_run_in_the_layout_before_the_rounds_library_resumes_in_it(tmp_path):
    """improve.json (the settings alone) beside the store: such a run, stopped in round 1, resumes
    and finishes in its own layout."""
    run = tmp_path / "old"
    settings = load("smoke", overrides=["write_tasks=0"])

    def stop_in_round_1(event):
        if event.kind == "step" and (run / "rounds").exists():
            os.kill(os.getpid(), signal.SIGTERM)

    assert improve(settings, run, progress=stop_in_round_1).stopped == "interrupted"
    saved = json.loads((run / "rounds.json").read_text())
    assert saved["loop"] == "improve"
    (run / "improve.json").write_text(json.dumps(saved["settings"]))
    (run / "rounds.json").unlink()
    resumed = improve(settings, run, resume=True)
    assert resumed.stopped == "finished" and [r["step"] for r in resumed.rounds] == [0, 1]
    assert not (run / "rounds.json").exists() and (run / "rounds" / "round-001" / "train").is_dir()
    codeling("plot", str(run))
    assert (run / "rounds.png").stat().st_size > 10_000
