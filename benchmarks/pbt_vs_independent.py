"""Does PBT pay? With the same compute and data, the best member of a PBT population against the best
of P independently trained members (mode none: the same members, seeds, initial hyperparameters,
batches and evaluations, only without selection), over several seeds, alternating the two arms.

Both arms pick their best member by the val loss they trained against; since PBT also selects on it
during training, each arm's best is scored again on fresh val windows it never saw ("held-out"),
and that figure is the one compared. Data: character shards of Python's own standard library
source (recorded in the JSON). Writes benchmarks/results/pbt_vs_independent.json.

    .venv/bin/python benchmarks/pbt_vs_independent.py [--seeds 3] [--population 8] [--steps 300] [--generation-steps 30] [--threads 1]
"""  # noqa: E501 (the usage line above is one command)

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import torch

from codeling.config import load_config
from codeling.data.batches import BatchSampler
from codeling.data.shards import Shards
from codeling.data.text import text_to_shards
from codeling.evolve.loop import EvolveSettings, train_population
from codeling.train.checkpoint import load_checkpoint

sys.path.insert(0, str(Path(__file__).parent))
from _common import save  # noqa: E402

STDLIB_FILES = [
    "argparse.py",
    "ast.py",
    "bisect.py",
    "calendar.py",
    "csv.py",
    "dataclasses.py",
    "heapq.py",
    "textwrap.py",
]
MODEL = [
    "model.n_layer=2",
    "model.n_head=2",
    "model.n_embd=32",
    "model.block_size=32",
    "data.batch_size=8",
    "train.warmup_steps=10",
    "train.eval_batches=4",
    "log.tensorboard=false",
    "log.every_steps=10",
]


def held_out_loss(checkpoint: Path, data: Path, batches: int = 40) -> float:
    loaded = load_checkpoint(checkpoint)
    cfg = loaded.config
    sampler = BatchSampler(Shards(data).split("val"), cfg.model.block_size, seed=10_000)
    loaded.model.eval()
    with torch.no_grad():
        losses = [
            loaded.model(*sampler.batch(sampler.offsets(k, cfg.data.batch_size, stream=2)))[1].item()
            for k in range(batches)
        ]
    return sum(losses) / len(losses)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--population", type=int, default=8)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--generation-steps", type=int, default=30)
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (1: steadiest on a shared 2-core machine)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    root = Path(tempfile.mkdtemp(prefix="pbt-bench-"))
    stdlib = Path(argparse.__file__).parent
    (root / "code.txt").write_text("".join((stdlib / name).read_text() for name in STDLIB_FILES))
    text_to_shards(root / "code.txt", root / "data")

    arms: dict[str, list[dict]] = {"pbt": [], "independent": []}
    for seed in range(args.seeds):
        for arm, mode in (("pbt", "pbt"), ("independent", "none")):
            config = load_config(
                preset="tiny",
                overrides=[
                    f"data.dir={root / 'data'}",
                    *MODEL,
                    f"train.max_steps={args.steps}",
                    f"train.seed={1000 * (seed + 1)}",
                ],
            )
            settings = EvolveSettings(
                population=args.population, mode=mode, generation_steps=args.generation_steps, fraction=0.25
            )
            run_dir = root / f"{arm}-{seed}"
            result = train_population(config, settings, run_dir)
            row = {
                "seed": config.train.seed,
                "best_val_loss": result.best_val_loss,
                "best_member": result.best_member,
                "held_out_loss": held_out_loss(run_dir / "best", root / "data"),
                "mean_val_loss": statistics.fmean(result.scores),
                "seconds": result.seconds,
            }
            arms[arm].append(row)
            print(
                f"seed {seed} {arm}: best val {row['best_val_loss']:.4f}, held-out {row['held_out_loss']:.4f}, "
                f"{row['seconds']:.0f} s",
                flush=True,
            )

    def mean(arm, key):
        return statistics.fmean(r[key] for r in arms[arm])

    wins = sum(p["held_out_loss"] < i["held_out_loss"] for p, i in zip(arms["pbt"], arms["independent"]))
    gap = mean("independent", "held_out_loss") - mean("pbt", "held_out_loss")
    result = {
        "data": {"stdlib_files": STDLIB_FILES, "tokenizer": "char"},
        "model_overrides": MODEL,
        "population": args.population,
        "steps": args.steps,
        "generation_steps": args.generation_steps,
        "runs": arms,
        "mean_best_val_loss": {arm: mean(arm, "best_val_loss") for arm in arms},
        "mean_held_out_loss": {arm: mean(arm, "held_out_loss") for arm in arms},
        "pbt_wins": f"{wins}/{args.seeds}",
        "held_out_gap_nats": gap,
    }
    save("pbt_vs_independent", result)
    print(
        f"best held-out loss: PBT {mean('pbt', 'held_out_loss'):.4f} "
        f"vs independent {mean('independent', 'held_out_loss'):.4f} "
        f"(PBT better by {gap:.4f} nats; PBT wins {wins}/{args.seeds} seeds)"
    )


if __name__ == "__main__":
    main()
