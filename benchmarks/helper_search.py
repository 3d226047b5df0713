"""The repair search and the widened retrieval, measured on sets written before either was built
(issue 29): verified fix rate per unseen kind of mistake with and without the search, how often the
fix is the program the child meant, time to an answer (median, worst), how often a code model's
ranking changes the answer, and recall@5 on children's questions and on the old questions, for
each expansion (none, corpus vocabulary, children's-words table, both).

    .venv/bin/python benchmarks/helper_search.py [--rank runs/code] [--dev] [--sandbox bwrap]

--dev measures the development set (benchmarks/helper_dev.py) instead of the held-out set. The
existing benchmark (synthetic corruptions, the fixer's held-out kinds) is benchmarks/helper_fix.py,
which goes through the same fix_program and so through the search too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "tests" / "helper"))

from questions import QUESTIONS  # noqa: E402

from _common import save  # noqa: E402
from codeling.helper import Check, fix_program  # noqa: E402
from codeling.helper.ask import expand, retrieve  # noqa: E402
from codeling.helper.program import run  # noqa: E402
from heldout.helper_questions_29 import CHILD_QUESTIONS  # noqa: E402
from helper_dev import DEV_CASES  # noqa: E402
from helper_unseen import CASES, Case  # noqa: E402


def check_for(case: Case, mode: str) -> Check:
    expect = run(case.meant, case.stdin, case.tests, mode).result.stdout if case.judge == "expect" else None
    return Check(stdin=case.stdin, tests=case.tests, expect=expect)


def is_meant(case: Case, fixed: str | None, mode: str) -> bool:
    """The fix is the program the child meant: the same text (spaces aside), or for a program that
    ends, the same output and a clean run (tests passed)."""
    if fixed is None:
        return False
    if "".join(fixed.split()) == "".join(case.meant.split()):
        return True
    if case.game:
        return False
    got, want = run(fixed, case.stdin, case.tests, mode), run(case.meant, case.stdin, case.tests, mode)
    return got.fine and got.result.stdout == want.result.stdout


def measure_fixes(cases: list[Case], mode: str, ranker) -> tuple[dict, list[dict]]:
    per_kind: dict[str, dict] = {}
    rows = []
    for case in cases:
        check = check_for(case, mode)
        before = fix_program(case.broken, check, mode=mode, use_search=False)
        fix = fix_program(case.broken, check, mode=mode)
        row = {
            "kind": case.kind,
            "name": case.name,
            "game": case.game,
            "judge": case.judge,
            "verified_without_search": before.fixed is not None,
            "verified": fix.fixed is not None,
            "meant": is_meant(case, fix.fixed, mode),
            "by": fix.rule,
            "note": fix.note,
            "seconds": fix.seconds,
        }
        if ranker is not None:
            ranked = fix_program(case.broken, check, mode=mode, ranker=ranker)
            row |= {"ranked_verified": ranked.fixed is not None, "ranked_meant": is_meant(case, ranked.fixed, mode)}
            row |= {"ranking_changed": ranked.fixed != fix.fixed, "ranked_seconds": ranked.seconds}
        rows.append(row)
        counts = per_kind.setdefault(case.kind, {"cases": 0, "verified_without_search": 0, "verified": 0, "meant": 0})
        for key in ("verified_without_search", "verified", "meant"):
            counts[key] += row[key]
        counts["cases"] += 1
        print(f"{case.kind:22s} {case.name:13s} {fix.seconds:5.2f}s verified={row['verified']} meant={row['meant']}")
    return per_kind, rows


def totals(rows: list[dict]) -> dict:
    n = len(rows)
    out = {"cases": n, **{k: sum(r[k] for r in rows) / n for k in ("verified_without_search", "verified", "meant")}}
    seconds = [r["seconds"] for r in rows]
    verified = [r["seconds"] for r in rows if r["verified"]]
    out |= {
        "median_seconds": statistics.median(seconds),
        "median_seconds_to_verified_fix": statistics.median(verified) if verified else None,
        "worst_seconds": max(seconds),
        "median_seconds_games": statistics.median([r["seconds"] for r in rows if r["game"]] or [0]),
        "median_seconds_not_games": statistics.median([r["seconds"] for r in rows if not r["game"]] or [0]),
    }
    if "ranking_changed" in rows[0]:
        out |= {
            "ranking_changed": sum(r["ranking_changed"] for r in rows),
            "ranked_verified": sum(r["ranked_verified"] for r in rows) / n,
            "ranked_meant": sum(r["ranked_meant"] for r in rows) / n,
        }
    return out


def recall(questions, expansion: str) -> dict:
    missed = [q for q, files in questions if not {h.path for h in retrieve.ask(q, 5, expansion=expansion)} & set(files)]
    return {"recall_at_5": 1 - len(missed) / len(questions), "questions": len(questions), "missed": missed}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rank", default=None, help="a code model checkpoint or run that orders the search's ties")
    parser.add_argument("--dev", action="store_true", help="the development set instead of the held-out set")
    parser.add_argument("--sandbox", default="bwrap")
    args = parser.parse_args()
    started = time.monotonic()
    ranker = None
    if args.rank:
        from codeling.helper.repair.naturalness import Naturalness

        ranker = Naturalness.load(args.rank)
    cases = DEV_CASES if args.dev else CASES
    per_kind, rows = measure_fixes(cases, args.sandbox, ranker)
    retrieval = {
        f"{name}_{mode}": recall(qs, mode)
        for name, qs in (("children", CHILD_QUESTIONS), ("old", QUESTIONS))
        for mode in expand.MODES
    }
    payload = {
        "set": "dev" if args.dev else "held_out",
        "rank": args.rank,
        "per_kind": per_kind,
        "all": totals(rows),
        "games": totals([r for r in rows if r["game"]]),
        "rows": rows,
        "retrieval": retrieval,
        "load_average": os.getloadavg(),
        "wall_s": time.monotonic() - started,
        "command": " ".join(sys.argv),
    }
    path = save("helper_search_dev" if args.dev else "helper_search", payload)
    for kind, counts in per_kind.items():
        print(f"{kind:22s} {counts}")
    for name, figures in retrieval.items():
        print(f"recall@5 {name:16s} {figures['recall_at_5']:.3f}")
    print(f"all: {payload['all']}")
    print(f"saved {path}")


if __name__ == "__main__":
    main()
