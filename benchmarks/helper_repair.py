"""Repair on issue 38's held-out set (benchmarks/heldout/helper_repair_38.py, committed before the
repair work): per mistake kind, how often a fix is found (verified in the sandbox) and how often the
first-ranked fix prints what the child's meant program prints (the score); the time to a fix. With
--unseen, also issue 29's held-out set (benchmarks/helper_unseen.py), scored as helper_search.py
scores it. Silent cases are judged with the meant program's output (--expect); raising cases only
by running without the error (what `codeling fix FILE` checks), so there the ranking decides.

    PYTHONPATH=src python benchmarks/helper_repair.py [--sandbox bwrap|process] [--unseen]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import save  # noqa: E402
from codeling.helper import Check, fix_program  # noqa: E402
from codeling.helper.program import run  # noqa: E402
from heldout.helper_repair_38 import CASES  # noqa: E402


def output(source: str, stdin: str, mode: str) -> str | None:
    r = run(source, stdin, None, mode)
    return r.result.stdout if r.result.status == "ok" else None


def measure(mode: str) -> tuple[dict, list[dict]]:
    rows, per_kind = [], {}
    for case in CASES:
        want = output(case.meant, case.stdin, mode)
        check = Check(stdin=case.stdin, expect=want if case.silent else None)
        fix = fix_program(case.broken, check, mode=mode)
        right = fix.fixed is not None and output(fix.fixed, case.stdin, mode) == want
        row = {"kind": case.kind, "name": case.name, "silent": case.silent, "verified": fix.fixed is not None}
        row |= {"right": right, "by": fix.rule, "note": fix.note, "seconds": fix.seconds, "tried": fix.tried}
        rows.append(row)
        counts = per_kind.setdefault(case.kind, {"cases": 0, "verified": 0, "right": 0, "silent": case.silent})
        counts["cases"] += 1
        counts["verified"] += row["verified"]
        counts["right"] += right
        print(f"{case.kind:26s} {case.name:12s} {fix.seconds:5.2f}s right={right} by={fix.rule}: {fix.note[:60]}")
    return per_kind, rows


def summary(rows: list[dict]) -> dict:
    n = len(rows)
    fixed = [r["seconds"] for r in rows if r["verified"]]
    return {
        "cases": n,
        "verified": sum(r["verified"] for r in rows) / n,
        "right_first_ranked": sum(r["right"] for r in rows) / n,
        "right_silent": sum(r["right"] for r in rows if r["silent"]) / max(1, sum(r["silent"] for r in rows)),
        "right_raising": sum(r["right"] for r in rows if not r["silent"]) / max(1, sum(not r["silent"] for r in rows)),
        "median_seconds_to_verified_fix": statistics.median(fixed) if fixed else None,
        "median_seconds": statistics.median(r["seconds"] for r in rows),
        "worst_seconds": max(r["seconds"] for r in rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sandbox", default="bwrap")
    parser.add_argument("--unseen", action="store_true", help="also issue 29's held-out set")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="sandbox mode 'process'")
    started = time.monotonic()
    per_kind, rows = measure(args.sandbox)
    payload = {"set": "heldout/helper_repair_38.py", "sandbox": args.sandbox, "per_kind": per_kind}
    payload |= {"all": summary(rows), "kinds_at_85": sum(k["right"] / k["cases"] >= 0.85 for k in per_kind.values())}
    payload["rows"] = rows
    if args.unseen:
        from helper_search import measure_fixes, totals
        from helper_unseen import CASES as UNSEEN

        unseen_kinds, unseen_rows = measure_fixes(UNSEEN, args.sandbox, None)
        payload["unseen_29"] = {"per_kind": unseen_kinds, "all": totals(unseen_rows), "rows": unseen_rows}
    payload |= {"load_average": os.getloadavg(), "wall_s": time.monotonic() - started, "command": " ".join(sys.argv)}
    path = save("helper_repair", payload)
    for kind, c in per_kind.items():
        print(f"{kind:26s} right {c['right']}/{c['cases']}  verified {c['verified']}/{c['cases']}")
    print(f"all: {payload['all']}")
    if args.unseen:
        print(f"unseen_29: {payload['unseen_29']['all']}")
    print(f"saved {path}")


if __name__ == "__main__":
    main()
