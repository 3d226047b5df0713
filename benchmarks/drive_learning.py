"""Learning against the physical limit: train the car with the default settings for M minutes of
CPU time budget (wall clock) per seed, then drive the greedy car 1,000 steps from 3 starting
headings and measure targets reached in order, route efficiency (shortest road route at road
speed / steps taken, rl/route.py) and the share of steps on road.

    python benchmarks/drive_learning.py                          # city + harbour, 3 seeds, 5 min each
    python benchmarks/drive_learning.py --maps city --minutes 2 --jobs 2

A run passes when its greedy car visits A1, A2, A3 in turn at least twice round (6 targets, in
order) from every start, with route efficiency >= 0.5 and >= 90% of its steps on road. `harbour`
is the held-out map: drawn and committed before any tuning, never tuned on.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import save  # noqa: E402
from drive_common import provenance  # noqa: E402


def one(map_name: str, seed: int, minutes: float, folder: str) -> dict:
    from codeling.rl.rollout import evaluate_car
    from codeling.rl.settings import load_drive_settings
    from codeling.rl.train import load_car, train_car

    settings = load_drive_settings(overrides=[f"map={map_name}", f"seed={seed}", "tensorboard=false"])
    run = Path(folder) / f"{map_name}-seed{seed}"
    load_before = os.getloadavg()[0]
    result = train_car(settings, run, minutes=minutes)
    report = evaluate_car(load_car(run), steps=1000, seeds=3)
    k = len(report["targets"])
    per_start = report["seeds"]
    passed = report["in_order"] and all(
        r["targets_reached"] >= 2 * k and r["route_efficiency"] >= 0.5 and r["road_share"] >= 0.9 for r in per_start
    )
    return {
        "map": map_name,
        "seed": seed,
        "trained_car_steps": result.car_steps,
        "trained_steps": result.step,
        "train_seconds": result.seconds,
        "loadavg_1min_at_start": load_before,
        "eval": {"mean": report["mean"], "per_start": per_start, "in_order": report["in_order"]},
        "passed": passed,
        "run": str(run),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--maps", default="city,harbour")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--jobs", type=int, default=2, help="runs trained at once (each on one torch thread)")
    parser.add_argument("--keep", default=None, help="keep the trained runs in this folder")
    args = parser.parse_args()
    folder = args.keep or tempfile.mkdtemp(prefix="drive-learning-")
    where = provenance()  # the commit and load when the runs start
    jobs = [(m, s) for m in args.maps.split(",") for s in range(args.seeds)]
    with ProcessPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(one, m, s, args.minutes, folder) for m, s in jobs]
        runs = [f.result() for f in futures]
    summary = {
        m: {"passed": sum(r["passed"] for r in runs if r["map"] == m), "of": sum(r["map"] == m for r in runs)}
        for m in args.maps.split(",")
    }
    path = save(
        "drive_learning",
        {
            **where,
            "loadavg_at_end": os.getloadavg(),
            "minutes": args.minutes,
            "jobs": args.jobs,
            "settings": "defaults (preset original)",
            "runs": runs,
            "summary": summary,
        },
    )
    print(f"results in {path}")
    for r in runs:
        m = r["eval"]["mean"]
        print(
            f"{r['map']:>8} seed {r['seed']}: {r['trained_car_steps']:,} car steps; {m['targets_per_1000']:.1f} "
            f"targets/1k steps, route efficiency {m['route_efficiency']:.2f}, road {m['road_share']:.1%}, "
            f"walls {m['wall_hits']:.1f} -> {'pass' if r['passed'] else 'FAIL'}"
        )
    for m, s in summary.items():
        print(f"{m}: {s['passed']}/{s['of']} seeds pass")


if __name__ == "__main__":
    main()
