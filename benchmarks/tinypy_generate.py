"""TinyPy generation rate: codeling's generator (interpreter, all CPUs) against the obvious baseline.

Peer (there is no public generator code in this repository): draw the same programs with the same
builder, then compute each output the way the public generator does, `exec` under a redirected
stdout, in one process, deduplicating as it goes. Runs alternate A B A B; the figure printed last is
codeling's rate and its ratio to the peer. The public generator's own rate on one core of these
machines is quoted as about 3,400 programs/s (TINYPY.md); the absolute rate is compared to it too.

Also checks, on 10,000 programs per level, that the interpreter's outputs equal CPython's.

    .venv/bin/python benchmarks/tinypy_generate.py [--n 200000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import time
from contextlib import redirect_stdout
from pathlib import Path

from _common import save
from codeling.tinypy.builder import LEVELS, Knobs
from codeling.tinypy.generator import draw_program, generate
from codeling.tinypy.interpreter import RunError, run
from codeling.tinypy.reference import cpython_output

PUBLIC_RATE = 3400.0  # programs/s, one core (TINYPY.md section 4)


def _cpu_seconds() -> float:
    """Busy CPU time of the whole machine (so run it idle): the generator's workers are children of
    a forkserver, not of this process, so this process's rusage cannot see them."""
    stat = Path("/proc/stat")
    if stat.is_file():
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in stat.read_text().split()[1:9])
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime  # no /proc: this process only


def baseline(n: int, seed: int) -> tuple[float, float]:
    """(programs per wall second, programs per CPU second) of build-then-exec, one process."""
    rng = random.Random(seed)
    seen: set[str] = set()
    samples: list[str] = []
    start, cpu = time.perf_counter(), _cpu_seconds()
    while len(seen) < n:
        program = draw_program(rng, LEVELS[int(rng.random() * len(LEVELS))], Knobs())
        buffer = io.StringIO()
        try:
            with redirect_stdout(buffer):
                exec(program.text, {})
        except ZeroDivisionError:
            continue
        if program.text not in seen:
            seen.add(program.text)
            lines = buffer.getvalue().split("\n")[:-1]
            samples.append("\n".join(f"# {line}" for line in lines))  # as the sample file holds it
    return n / (time.perf_counter() - start), n / (_cpu_seconds() - cpu)


def codeling_rate(n: int, seed: int, workers: int) -> tuple[float, float]:
    """(programs per wall second, programs per CPU second of parent and workers together)."""
    start, cpu = time.perf_counter(), _cpu_seconds()
    result = generate(n, "ALL", seed, workers=workers)
    assert len(result.samples) == n
    return n / (time.perf_counter() - start), n / (_cpu_seconds() - cpu)


def check_against_cpython(per_level: int) -> dict[str, int]:
    """Mismatches per level between the interpreter and CPython on `per_level` programs each."""
    mismatches = {}
    for level in LEVELS:
        rng, bad, done = random.Random(f"check:{level}"), 0, 0
        while done < per_level:
            program = draw_program(rng, level, Knobs())
            try:
                mine = run(program)
            except RunError:
                try:
                    cpython_output(program.text)
                    bad += 1  # CPython ran what the interpreter refused
                except ZeroDivisionError:
                    pass
                continue
            done += 1
            bad += mine != cpython_output(program.text)
        mismatches[level] = bad
    return mismatches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="programs per codeling run")
    parser.add_argument("--baseline-n", type=int, default=30_000, help="programs per baseline run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--check-per-level", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    mismatches = check_against_cpython(args.check_per_level)
    print(f"interpreter vs CPython on {args.check_per_level:,} programs per level: mismatches {mismatches}")

    load_before = os.getloadavg()[0]
    ours, peer, ours_cpu, peer_cpu = [], [], [], []
    for r in range(args.rounds):  # A B A B: both see the same machine load over time
        wall, cpu = codeling_rate(args.n, seed=r, workers=args.workers)
        ours.append(wall), ours_cpu.append(cpu)
        wall, cpu = baseline(args.baseline_n, seed=r)
        peer.append(wall), peer_cpu.append(cpu)
        print(
            f"round {r + 1}: codeling {ours[-1]:,.0f}/s ({args.workers} workers; {ours_cpu[-1]:,.0f} per CPU-second), "
            f"exec baseline {peer[-1]:,.0f}/s (1 process; {peer_cpu[-1]:,.0f} per CPU-second)"
        )
    best_ours, best_peer = max(ours), max(peer)
    result = {
        "levels": "ALL",
        "workers": args.workers,
        "codeling_programs_per_s": [round(x) for x in ours],
        "baseline_exec_programs_per_s": [round(x) for x in peer],
        "best_codeling_programs_per_s": round(best_ours),
        "best_baseline_programs_per_s": round(best_peer),
        "ratio_vs_exec_baseline": round(best_ours / best_peer, 2),
        "ratio_vs_public_3400_per_s": round(best_ours / PUBLIC_RATE, 2),
        "codeling_programs_per_cpu_s": [round(x) for x in ours_cpu],
        "baseline_programs_per_cpu_s": [round(x) for x in peer_cpu],
        "ratio_per_cpu_s": round(max(ours_cpu) / max(peer_cpu), 2),
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cpython_mismatches_per_level": mismatches,
        "checked_per_level": args.check_per_level,
    }
    save("tinypy_generate", result)
    print(
        f"load average (1 min) before/after: {result['load_average_1min']}; per CPU-second codeling is "
        f"{result['ratio_per_cpu_s']}x the baseline"
    )
    print(
        f"codeling {best_ours:,.0f} programs/s = {best_ours / best_peer:.1f}x the exec baseline "
        f"({best_peer:,.0f}/s) and {best_ours / PUBLIC_RATE:.1f}x the public generator's 3,400/s"
    )


if __name__ == "__main__":
    main()
