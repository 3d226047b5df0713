"""The learners' helper, measured: verified fix rate per kind of mistake for the rules alone, the
fixer model alone and both together, median time to a verified fix, reading level of every
explanation template and of real explanations, and pygame retrieval recall@5.

Programs: held-out families only (codeling.helper.fixer.data.held_out), so the fixer model never saw
them: reference solutions of held-out task-suite families (checked by their own tests), held-out
TinyPy programs and held-out short programs of codeling's own (checked by their expected output).
Pygame's examples are not measured here: each sandboxed run of a game costs its 3 s demo run. Each
program is corrupted once per kind (codeling.helper.fixer.corrupt) at a seeded random place; a corruption
that does not break the program is skipped. The kinds in fixdata.HELD_OUT_KINDS were never in the
model's training data either; the rules were written without any of these programs.

    .venv/bin/python benchmarks/helper_fix.py [--model runs/fixer] [--programs 30] [--tinypy 10] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from _common import save  # noqa: E402
from codeling.helper import Check, Fix, explain_program, fix_program, words  # noqa: E402
from codeling.helper.ask import retrieve  # noqa: E402
from codeling.helper.explain.explain import compile_problem, diagnose  # noqa: E402
from codeling.helper.fixer import data as fixdata  # noqa: E402
from codeling.helper.fixer.corrupt import KINDS, LOGIC_KINDS, SYNTAX_KINDS, corrupt  # noqa: E402
from codeling.helper.fixer.data import HELD_OUT_KINDS, TRAIN_KINDS  # noqa: E402
from codeling.helper.fixer.model import PRESETS, Fixer  # noqa: E402
from codeling.helper.program import run  # noqa: E402
from codeling.helper.repair.verify import first_verified  # noqa: E402

COLUMNS = ("cases", "rules", "model", "both", "both_by_model", "restored")  # restored: the rules' fix is the original

TASKS_SHOWN = 30  # held-out task-suite programs measured (of about 130)
TINYPY_SHOWN = 10  # held-out TinyPy programs measured


def programs(count: int, tinypy: int, seed: int, mode: str) -> list[tuple[fixdata.Program, Check]]:
    """Held-out programs only: families the fixer model never saw (fixdata.held_out), each with what
    judges it: the task suite's tests, or the output it prints."""
    _, tasks = fixdata.split_programs(fixdata.task_programs())
    _, own = fixdata.split_programs(fixdata.own_programs())
    _, tiny = fixdata.split_programs(fixdata.tinypy_programs(PRESETS["cpu"].examples.tinypy, seed))
    rng = random.Random(seed)
    chosen = rng.sample(tasks, min(count, len(tasks)))
    out = [(p, Check(tests=p.tests)) for p in chosen]
    for p in own + rng.sample(tiny, min(tinypy, len(tiny))):
        out.append((p, Check(expect=run(p.text, mode=mode).result.stdout)))
    return out


def broken(source: str, check: Check, mode: str) -> bool:
    if compile_problem(source) is not None:
        return True
    return not explain_program(source, check.stdin, check.tests, check.expect, mode).problem.fine


def model_alone(source: str, check: Check, mode: str, fixer) -> tuple[bool, float]:
    """Whether one of the model's own candidates verifies (no rules), and how long that took."""
    started = time.monotonic()
    problem, _ = diagnose(source, check.stdin, check.tests, check.expect, mode)
    best, _, _ = first_verified(source, fixer.candidates(source, problem), check, mode)
    return best is not None, time.monotonic() - started


def measure_case(bad: str, source: str, check: Check, mode: str, fixer, counts: dict, seconds: dict) -> Fix:
    rules_fix = fix_program(bad, check, mode=mode)
    counts["cases"] += 1
    counts["rules"] += rules_fix.fixed is not None
    counts["restored"] += rules_fix.fixed == source
    if rules_fix.fixed is not None:
        seconds["rules"].append(rules_fix.seconds)
    if fixer is not None:
        ok, took = model_alone(bad, check, mode, fixer)
        counts["model"] += ok
        if ok:
            seconds["model"].append(took)
        both = fix_program(bad, check, mode=mode, model=fixer)
        counts["both"] += both.fixed is not None
        counts["both_by_model"] += both.rule == "model"
        if both.fixed is not None:
            seconds["both"].append(both.seconds)
    return rules_fix


def measure_fixes(progs, seed: int, mode: str, fixer) -> tuple[dict, dict, list[str]]:
    rng = random.Random(seed)
    per_kind: dict[str, dict[str, int]] = {}
    seconds: dict[str, list[float]] = {"rules": [], "model": [], "both": []}
    samples = []
    for kind in KINDS:
        counts = per_kind.setdefault(kind, dict.fromkeys(COLUMNS, 0))
        for program, check in progs:
            c = corrupt(program.text, kind, rng)
            if c is None or not broken(c.source, check, mode):
                continue
            fix = measure_case(c.source, program.text, check, mode, fixer, counts, seconds)
            if len(samples) < 60 and rng.random() < 0.25:
                samples.append(f"{fix.explanation.what} {fix.explanation.hint}")
        print(f"{kind:20s} {counts}", flush=True)
    return per_kind, seconds, samples


def rates(per_kind: dict, kinds) -> dict:
    """Verified-fix rates over `kinds` for each fixer."""
    cases = sum(per_kind[k]["cases"] for k in kinds)
    verified = {m: sum(per_kind[k][m] for k in kinds) for m in ("rules", "model", "both")}
    return {"cases": cases, **{m: n / max(1, cases) for m, n in verified.items()}}


def reading_levels(samples: list[str]) -> dict:
    import textstat

    fields = {"name": "score", "bracket": "(", "module": "random", "got": "'3'", "expected": "'2'"}
    templates = {
        k: textstat.flesch_kincaid_grade(f"{w.format(**fields)} {h.format(**fields)}")
        for k, (w, h) in words.TEMPLATES.items()
    }
    real = [textstat.flesch_kincaid_grade(s) for s in samples]
    return {
        "templates": templates,
        "templates_max": max(templates.values()),
        "templates_median": statistics.median(templates.values()),
        "templates_over_5": sorted(k for k, g in templates.items() if g > 5),
        "real_outputs": len(real),
        "real_median": statistics.median(real) if real else None,
        "real_max": max(real) if real else None,
    }


def recall_at_5() -> dict:
    sys.path.insert(0, str(Path(__file__).parent.parent / "tests" / "helper"))
    from questions import QUESTIONS

    answered = [q for q, files in QUESTIONS if {h.path for h in retrieve.ask(q, 5)} & set(files)]
    return {"questions": len(QUESTIONS), "answered": len(answered), "recall_at_5": len(answered) / len(QUESTIONS)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--programs", type=int, default=TASKS_SHOWN, help="held-out task-suite programs")
    parser.add_argument("--tinypy", type=int, default=TINYPY_SHOWN, help="held-out TinyPy programs")
    parser.add_argument("--model", default=None, help="a fixer run or checkpoint (codeling fixer train)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sandbox", default="bwrap")
    args = parser.parse_args()
    started = time.monotonic()
    fixer = Fixer.load(args.model) if args.model else None
    progs = programs(args.programs, args.tinypy, args.seed, args.sandbox)
    per_kind, seconds, samples = measure_fixes(progs, args.seed, args.sandbox, fixer)
    payload = {
        "programs": len(progs),
        "model": str(fixer.loaded.path) if fixer else None,
        "per_kind": per_kind,
        "syntax": rates(per_kind, SYNTAX_KINDS),
        "held_out_kinds": {"kinds": list(HELD_OUT_KINDS), **rates(per_kind, HELD_OUT_KINDS)},
        "trained_kinds": rates(per_kind, TRAIN_KINDS),
        "logic_with_tests": rates(per_kind, LOGIC_KINDS),
        "overall": rates(per_kind, KINDS),
        "median_seconds_to_verified_fix": {m: statistics.median(v) if v else None for m, v in seconds.items()},
        "reading_level": reading_levels(samples),
        "retrieval": recall_at_5(),
        "load_average": os.getloadavg(),
        "wall_s": time.monotonic() - started,
        "command": " ".join(sys.argv),
    }
    path = save("helper_fix", payload)
    print(f"reading level: {payload['reading_level']}")
    print(f"retrieval: {payload['retrieval']}")
    for key in ("syntax", "held_out_kinds", "trained_kinds", "logic_with_tests", "overall"):
        print(f"{key}: {payload[key]}")
    print(f"median seconds to a verified fix: {payload['median_seconds_to_verified_fix']}")
    print(f"saved {path}")


if __name__ == "__main__":
    main()
