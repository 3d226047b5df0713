"""`codeling eval problems`: any file in HumanEval's format, scored as HumanEval is."""

import gzip
import json
import subprocess
import sys

import pytest

from codeling.errors import CodelingError
from codeling.evals.humaneval import load_humaneval, read_problem_file

pytestmark = pytest.mark.usefixtures("bwrap")

PROBLEMS = [
    {
        "task_id": "class/double",
        "prompt": "def double(x):\n",
        "canonical_solution": "    return 2 * x\n",
        "test": "def check(candidate):\n    assert candidate(3) == 6\n",
        "entry_point": "double",
    },
    {
        "task_id": "class/last",
        "prompt": "def last(xs):\n",
        "canonical_solution": "    return xs[0]\n",  # wrong on purpose
        "test": "def check(candidate):\n    assert candidate([1, 2]) == 2\n",
        "entry_point": "last",
    },
]


def write(path, rows, compress=False):
    text = "".join(json.dumps(r) + "\n" for r in rows)
    path.write_bytes(gzip.compress(text.encode()) if compress else text.encode())
    return path


@pytest.mark.parametrize("compress", [False, True], ids=["jsonl", "gzip"])
def test_a_problem_file_is_scored_through_the_sandbox(tmp_path, compress):
    file = write(tmp_path / ("p.jsonl.gz" if compress else "p.jsonl"), PROBLEMS, compress)
    out = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "codeling", "eval", "problems", "--file", str(file), "--canonical", "--json", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert report["overall"]["pass_at_k"] == {"1": 0.5}  # one right, one wrong
    assert report["overall"]["outcomes"]["failed_test"] == 1


def test_humaneval_reads_through_the_same_path():
    first = load_humaneval(limit=2)
    from codeling.evals.humaneval import data_file

    assert read_problem_file(data_file(), limit=2) == first and first[0].task_id == "HumanEval/0"


def test_a_line_without_its_fields_is_one_sentence(tmp_path):
    file = write(tmp_path / "bad.jsonl", [{"task_id": "x", "prompt": "def f():\n"}])
    with pytest.raises(CodelingError, match="line 1 lacks test, entry_point"):
        read_problem_file(file)
    (tmp_path / "binary.jsonl").write_bytes(b"\xff\xfe\x00garbage")
    proc = subprocess.run(
        [sys.executable, "-m", "codeling", "eval", "problems", "--file", str(tmp_path / "binary.jsonl"), "--canonical"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "is not JSON lines in UTF-8" in proc.stderr and "Traceback" not in proc.stderr
