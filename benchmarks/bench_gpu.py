"""Every GPU figure of the report card, from one command: `codeling bench gpu`'s steps (training MFU
and tokens/s against transformers' GPT-2, precision, sampling, memory plan, population, sandbox, a
short datahack run), saved through `_common.save` so that the file says where and from what code it
was measured. The file is rewritten after every row, so a lease that ends mid-way keeps the rows so far.

    python benchmarks/bench_gpu.py --minutes 10          # on one CUDA device: benchmarks/results/bench_gpu.json
    python benchmarks/bench_gpu.py --dry-run --minutes 3 # the same steps at toy sizes on a CPU; saves nothing
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _common import save
from codeling.bench.gpu import run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="time budget; no step starts after it")
    parser.add_argument("--dry-run", action="store_true", help="toy sizes on the CPU; nothing is saved")
    parser.add_argument("--nanogpt", type=Path, default=None, help="a nanoGPT checkout to race as well")
    args = parser.parse_args()
    rows: list[dict] = []

    def on_row(row) -> None:
        rows.append(dict(row.__dict__))
        print(f"{row.step:>10}  {row.measurement}: {row.result}", flush=True)
        if not args.dry_run:
            save("bench_gpu", {"minutes": args.minutes, "rows": rows}, peers=("transformers",))

    run(args.minutes, args.dry_run, None, args.nanogpt, on_row)
    print(f"{len(rows)} rows" + ("" if args.dry_run else ", saved in benchmarks/results/bench_gpu.json"))


if __name__ == "__main__":
    main()
