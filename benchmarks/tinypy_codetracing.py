"""TinyPy code-tracing grammar: CPython agreement on 50,000 programs, and the generation rate.

First, 50,000 generated programs (default knobs) are checked against CPython: the interpreter's
output against `exec`'s and the tracer's trace against a `sys.settrace` reference, program by
program; any difference is a mismatch, and a program the interpreter refuses must raise in CPython.

Then the rate, as benchmarks/tinypy_generate.py measures the levels: codeling's generator (value
filter included, all CPUs) against a build-then-exec baseline (same builder, outputs from `exec`
under a redirected stdout, one process, deduplicating), alternating A B A B; the figure printed last
is codeling's rate, its ratio to the baseline and to the public generator's 3,400 programs/s.

    .venv/bin/python benchmarks/tinypy_codetracing.py [--check 50000] [--n 100000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import time
from contextlib import redirect_stdout

from _common import save
from codeling.tinypy.codetracing import CHECKED_OPS, CodeTracingKnobs, Rejected
from codeling.tinypy.generator import draw_program, generate
from codeling.tinypy.interpreter import RunError, run
from codeling.tinypy.reference import cpython_output, settrace_trace
from codeling.tinypy.trace import trace_text
from tinypy_generate import PUBLIC_RATE


def check_against_cpython(n: int) -> dict[str, int]:
    """Mismatches of outputs and traces with CPython over `n` programs the generator keeps."""
    rng = random.Random("codetracing-check")
    counts = {"programs": 0, "output_mismatches": 0, "trace_mismatches": 0, "refused_but_cpython_ran": 0}
    while counts["programs"] < n:
        program = draw_program(rng, None, CodeTracingKnobs())
        try:
            mine = run(program, ops=CHECKED_OPS)
        except Rejected:
            continue  # the value filter: CPython would run it, the generator drops it
        except RunError:
            try:
                cpython_output(program.text)
                counts["refused_but_cpython_ran"] += 1
            except (ZeroDivisionError, OverflowError, ValueError):
                pass
            continue
        counts["programs"] += 1
        counts["output_mismatches"] += mine != cpython_output(program.text)
        counts["trace_mismatches"] += trace_text(program) != settrace_trace(program.text)
    return counts


def baseline(n: int, seed: int) -> float:
    """Programs per wall second of build-then-exec in one process. Programs the value filter rejects
    are skipped without running them (some grow ints without bound), and that check is not timed:
    the baseline is charged for building and executing only."""
    rng = random.Random(seed)
    seen: set[str] = set()
    spent = 0.0
    while len(seen) < n:
        start = time.perf_counter()
        program = draw_program(rng, None, CodeTracingKnobs())
        spent += time.perf_counter() - start
        try:
            run(program, ops=CHECKED_OPS)
        except RunError:
            continue
        start = time.perf_counter()
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            exec(program.text, {})
        if program.text not in seen:
            seen.add(program.text)
            "\n".join(f"# {line}" for line in buffer.getvalue().split("\n")[:-1])  # as the file holds it
        spent += time.perf_counter() - start
    return n / spent


def codeling_rate(n: int, seed: int, workers: int) -> float:
    """Programs per wall second of `codeling tinypy generate --grammar codetracing`'s library call."""
    start = time.perf_counter()
    result = generate(n, knobs=CodeTracingKnobs(), seed=seed, workers=workers)
    assert len(result.samples) == n
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", type=int, default=50_000, help="programs checked against CPython")
    parser.add_argument("--n", type=int, default=100_000, help="programs per codeling run")
    parser.add_argument("--baseline-n", type=int, default=20_000, help="programs per baseline run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    t0 = time.perf_counter()
    check = check_against_cpython(args.check)
    check_seconds = time.perf_counter() - t0
    print(f"interpreter and tracer vs CPython on {check['programs']:,} programs: {check} ({check_seconds:.0f}s)")

    load_before = os.getloadavg()[0]
    ours, peer, single = [], [], []
    for r in range(args.rounds):  # A B A B: both see the same machine load over time
        ours.append(codeling_rate(args.n, seed=r, workers=args.workers))
        single.append(codeling_rate(args.baseline_n, seed=r, workers=1))
        peer.append(baseline(args.baseline_n, seed=r))
        print(f"round {r + 1}: codeling in one process {single[-1]:,.0f}/s")
        print(f"round {r + 1}: codeling {ours[-1]:,.0f}/s ({args.workers} workers), exec baseline {peer[-1]:,.0f}/s")
    best_ours, best_peer = max(ours), max(peer)
    result = {
        "grammar": "codetracing",
        "knobs": "defaults (5-10 statements, depth 2, loops 1-20, literals 0-255)",
        "cpython_check": check,
        "cpython_check_seconds": round(check_seconds),
        "workers": args.workers,
        "codeling_programs_per_s": [round(x) for x in ours],
        "baseline_exec_programs_per_s": [round(x) for x in peer],
        "ratio_vs_exec_baseline": round(best_ours / best_peer, 2),
        "ratio_vs_public_3400_per_s": round(best_ours / PUBLIC_RATE, 2),
        "codeling_one_process_programs_per_s": [round(x) for x in single],
        "ratio_one_process_vs_exec_baseline": round(max(single) / best_peer, 2),
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    save("tinypy_codetracing", result)
    print(f"load average (1 min) before/after: {result['load_average_1min']}")
    print(
        f"codeling {best_ours:,.0f} programs/s = {best_ours / best_peer:.1f}x the exec baseline "
        f"({best_peer:,.0f}/s) and {best_ours / PUBLIC_RATE:.1f}x the public generator's 3,400/s"
    )


if __name__ == "__main__":
    main()
