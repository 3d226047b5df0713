"""The course's three questions, measured: `codeling drive sweep` of the temperature, gamma and the
boundary signal on the shipped city map, 3 seeds a value, 30 s (or 4,000 steps) of training each (default
settings otherwise), the greedy car measured over 3 x 1,000 steps (and, for the temperature, the
car driving by its softmax). Saves benchmarks/results/drive_sweep_PARAM.json and copies each
sweep's plot to docs/drive/sweep_PARAM.png.

    python benchmarks/drive_sweeps.py --out /tmp/sweeps                 # all three, ~25 min on 2 cores
    python benchmarks/drive_sweeps.py --out /tmp/sweeps --collect       # record sweeps already run there
                                                                        # with the commands below
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import save  # noqa: E402
from drive_common import provenance  # noqa: E402

VALUES = {"temperature": "0.001,0.01,0.1,1", "gamma": "0,0.5,0.9,0.99", "boundary_signal": "0,1,10"}
# 30 s each for the first two; the boundary sweep is a fixed 4,000 steps (64,000 car steps) a run:
# timed on a loaded machine, its first try's runs got 1,800 to 25,000 steps, which swamped the effect.
BUDGET = {"temperature": {"minutes": 0.5}, "gamma": {"minutes": 0.5}, "boundary_signal": {"steps": 4000}}
DOCS = Path(__file__).resolve().parent.parent / "docs" / "drive"


def command(param: str, out: Path) -> str:
    ((key, value),) = BUDGET[param].items()
    return (
        f"codeling drive sweep --param {param} --values {VALUES[param]} --seeds 3 --{key} {value} "
        f"--set tensorboard=false --out {out / param}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--params", default=",".join(VALUES))
    parser.add_argument("--collect", action="store_true", help="only record sweeps already in --out")
    parser.add_argument("--commit", default=None, help="with --collect: the commit the sweeps ran at")
    args = parser.parse_args()
    for param in args.params.split(","):
        if not args.collect:
            from codeling.rl.sweep import sweep

            values = [float(v) for v in VALUES[param].split(",")]
            sweep(param, values, args.out / param, seeds=3, overrides=["tensorboard=false"], **BUDGET[param])
        summary = json.loads((args.out / param / "sweep.json").read_text())
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.out / param / "sweep.png", DOCS / f"sweep_{param}.png")
        where = provenance()
        if args.collect:
            where["collected_at_commit"], where["commit"] = where["commit"], args.commit
        path = save(f"drive_sweep_{param}", {**where, "sweep_command": command(param, args.out), **summary})
        print(f"results in {path}")
        for policy, means in summary["mean"].items():
            for value, m in means.items():
                print(
                    f"{param}={value} ({policy}): {m['targets_per_1000']:.1f} targets/1k steps, "
                    f"route efficiency {m['route_efficiency']:.2f}, road {m['road_share']:.0%}, "
                    f"walls {m['wall_hits']:.1f}"
                )


if __name__ == "__main__":
    main()
