"""`codeling bench gpu`: every GPU figure docs/RESULTS.md waits for, from one command in bounded time.

The steps run in order of how much their figure is wanted; each reports rows as it finishes (so a
run cut short keeps what it measured), a step that fails becomes a row saying why and the next one
runs, and a step that would start past the budget is skipped. `dry_run` runs every step at toy sizes
on the CPU, timing nothing that matters, so that the command cannot rot while no GPU is at hand.
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from codeling import atomic
from codeling.bench import sampling, systems, training
from codeling.errors import CodelingError

# A toy shape every dry-run model shares: two layers of 32, so each step takes a second or two.
TOY = ("model.n_layer=2", "model.n_head=2", "model.n_embd=32")
TOY_MODEL = {"n_layer": 2, "n_head": 2, "n_embd": 32}


@dataclass
class Row:
    step: str
    measurement: str
    result: str
    seconds: float = 0.0
    data: dict = field(default_factory=dict)


@dataclass
class Context:
    device: torch.device
    dry_run: bool
    deadline: float  # time.monotonic() past which no step starts
    nanogpt: Path | None = None

    def minutes_left(self) -> float:
        return max(0.0, (self.deadline - time.monotonic()) / 60)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}%"


def step_training(ctx: Context) -> list[Row]:
    dry = ctx.dry_run
    r = training.throughput(
        "tiny" if dry else "small",
        ctx.device,
        batch=2 if dry else 16,
        seq=32 if dry else 1024,
        steps=1 if dry else 10,
        rounds=1 if dry else 3,
        compile=not dry,
        vocab=256 if dry else 50304,
        nanogpt_dir=ctx.nanogpt,
        overrides=TOY if dry else (),
    )
    m = r["median_tokens_per_s"]
    mfu = r.get("mfu", {})
    rows = [
        Row(
            "training",
            f"{r['preset']} ({r['params'] / 1e6:.0f}M), batch {r['batch']} x {r['seq']}, bf16, compiled: "
            "codeling vs transformers",
            f"{m['codeling']:,.0f} vs {m['transformers']:,.0f} tokens/s = {r['ratio_vs_transformers']:.2f}x; "
            f"MFU {_pct(mfu.get('codeling'))} vs {_pct(mfu.get('transformers'))}",
            data=r,
        )
    ]
    if "nanoGPT" in m:
        rows.append(
            Row(
                "training",
                "codeling vs nanoGPT model.py (both compiled)",
                f"{m['codeling']:,.0f} vs {m['nanoGPT']:,.0f} tokens/s = {r['ratio_vs_nanogpt']:.2f}x; "
                f"nanoGPT MFU {_pct(mfu.get('nanoGPT'))}",
            )
        )
    return rows


def step_precision(ctx: Context) -> list[Row]:
    dry = ctx.dry_run
    r = training.precision_losses(
        "tiny" if dry else "small",
        ctx.device,
        batch=2 if dry else 8,
        seq=32 if dry else 256,
        steps=3 if dry else 50,
        vocab=256 if dry else 8192,
        overrides=TOY if dry else (),
    )
    final = ", ".join(f"{p} {v:.4f}" for p, v in r["final"].items())
    diffs = ", ".join(f"{p} {v:.4f}" for p, v in r["max_abs_diff_vs_fp32"].items())
    return [
        Row(
            "precision",
            f"{r['preset']}, {r['steps']} steps, same init and batches",
            f"final loss {final}; largest per-step gap to fp32: {diffs}",
            data=r,
        )
    ]


def step_sampling(ctx: Context) -> list[Row]:
    dry = ctx.dry_run
    models = [("tiny", TOY_MODEL)] if dry else [("era", {}), ("small", {})]
    batches = (1, 2) if dry else (1, 8, 64)
    rows = []
    for preset, overrides in models:
        loaded = sampling.random_loaded(preset, 256 if dry else 8192, overrides=overrides)
        for batch in batches:
            if ctx.minutes_left() <= 0:
                break
            r = sampling.race(
                loaded,
                ctx.device,
                batch,
                prompt_len=8 if dry else 64,
                new_tokens=4 if dry else 128,
                rounds=1 if dry else 3,
                weights=("fp32",) if dry else ("fp32", "bf16"),
                peers=("fp32",) if dry else ("fp32", "bf16"),
                # Compiling costs a graph per shape: the 11M model's, where per-token overhead matters most.
                compile=not dry and preset == "era",
            )
            m, ratio = r["median_tokens_per_s"], r["ratio_vs_transformers_fp32"]
            best = max((n for n in m if n.startswith("codeling")), key=m.get)
            rows.append(
                Row(
                    "sampling",
                    f"{preset} ({loaded.model.num_params() / 1e6:.0f}M), batch {batch}, greedy",
                    "; ".join(f"{n} {v:,.0f}" for n, v in m.items())
                    + f" tokens/s; best {best} = {ratio.get(best, 0):.2f}x transformers fp32",
                    data=r,
                )
            )
    return rows


def step_population(ctx: Context) -> list[Row]:
    dry = ctx.dry_run
    r = systems.population_step(
        ctx.device, 2 if dry else 8, 2 if dry else 32, 16 if dry else 256, 1 if dry else 3, TOY if dry else ()
    )
    return [
        Row(
            "population",
            f"{r['members']} tiny members vectorised vs one model, {r['batch']} x {r['seq']} each",
            f"{r['ratio']:.2f}x one model's step time (target <= 2x on a GPU)",
            data=r,
        )
    ]


def step_memory(ctx: Context) -> list[Row]:
    dry = ctx.dry_run
    rows = []
    for preset, batch, seq in [("tiny", 2, 32)] if dry else [("tiny", 32, 256), ("era", 64, 256), ("small", 16, 1024)]:
        r = systems.memory_vs_plan(preset, ctx.device, batch, seq, 256 if dry else 8192, TOY if dry else ())
        gib = 2**30
        measured = (
            "no allocator statistics on a CPU"
            if r["measured_bytes"] is None
            else (f"measured {r['measured_bytes'] / gib:.2f} GiB = {r['measured_over_planned']:.2f}x the plan")
        )
        rows.append(
            Row(
                "memory",
                f"{preset}, batch {batch} x {seq}, {r['precision']}: `codeling plan` vs allocator peak",
                f"planned {r['planned_bytes'] / gib:.2f} GiB, {measured}",
                data=r,
            )
        )
    return rows


def step_sandbox(ctx: Context) -> list[Row]:
    dry = ctx.dry_run
    r = systems.sandbox_and_sampling(
        ctx.device, 4 if dry else 300, 4 if dry else 256, "tiny" if dry else "era", TOY_MODEL if dry else {}
    )
    return [
        Row(
            "sandbox",
            f"{r['programs']} short programs with tests, warm workers",
            f"{r['sandbox_programs_per_s']:.0f} programs/s ({r['sandbox_passed']}/{r['programs']} pass)",
            data=r,
        ),
        Row(
            "sandbox",
            f"sample then check {r['samples']} completions (the path of an improvement round)",
            f"{r['verified_samples_per_s']:.1f} verified samples/s (sample {r['sampled_per_s']:.0f}/s, check "
            f"{r['checked_per_s']:.0f}/s)",
        ),
    ]


def step_datahack(ctx: Context) -> list[Row]:
    dry = ctx.dry_run
    # The budget's remainder, less a minute for data, scoring and the checkpoints' evaluation.
    minutes = 0.05 if dry else max(1.0, min(4.0, ctx.minutes_left() - 1.5))
    r = systems.datahack(
        minutes,
        300 if dry else 200_000,
        "tiny" if dry else "datahack",
        (*TOY, "data.batch_size=8", "train.eval_batches=1", "train.eval_every=1000") if dry else (),
        ood_programs=2 if dry else 200,
        eval_limit=8 if dry else 500,
    )
    projected = r["projected_minutes_to_99"]
    return [
        Row(
            "datahack",
            f"{r['preset']} on {r['programs']:,} programs, {minutes:g} min of training",
            f"{r['accuracy'] * 100:.1f}% output accuracy after {r['steps']:,} steps; 99% projected at "
            + (
                f"{projected:,.0f} min (log-linear fit over {len(r['checkpoints_minutes_accuracy'])} checkpoints)"
                if projected
                else "n/a (the checkpoints' accuracy did not rise)"
            ),
            data=r,
        )
    ]


STEPS: list[tuple[str, Callable[[Context], list[Row]]]] = [
    ("training", step_training),
    ("sampling", step_sampling),
    ("precision", step_precision),
    ("memory", step_memory),
    ("population", step_population),
    ("sandbox", step_sandbox),
    ("datahack", step_datahack),
]


def run(
    minutes: float = 10.0,
    dry_run: bool = False,
    json_out: Path | None = None,
    nanogpt: Path | None = None,
    on_row: Callable[[Row], None] = lambda row: None,
    only: tuple[str, ...] = (),
) -> list[Row]:
    """Run the steps (or `only` those named) in order within `minutes`; each row goes to `on_row`
    as it is measured and the JSON is rewritten after every step."""
    if minutes <= 0:
        raise CodelingError("--minutes must be positive; the default, 10, fits a 15-minute GPU lease.")
    unknown = set(only) - {name for name, _ in STEPS}
    if unknown:
        raise CodelingError(f"Unknown step {sorted(unknown)[0]!r}; the steps are {', '.join(n for n, _ in STEPS)}.")
    if dry_run:
        device = torch.device("cpu")
    elif not torch.cuda.is_available():
        raise CodelingError(
            "No CUDA device is visible; run on a GPU machine, or pass --dry-run to check the steps on CPU."
        )
    else:
        device = torch.device("cuda")
        torch.backends.cuda.matmul.allow_tf32 = True  # the fp32 contenders use tensor cores, as peers do
        torch.backends.cudnn.allow_tf32 = True
        import torch._dynamo as dynamo  # bound as `dynamo`: `import torch._dynamo` would make `torch` local here

        # One graph per model and shape: sampling alone compiles several.
        dynamo.config.cache_size_limit = max(dynamo.config.cache_size_limit, 64)
    ctx = Context(device, dry_run, time.monotonic() + minutes * 60, nanogpt)
    rows: list[Row] = []
    record = {
        "device": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu (dry run)",
        "torch": torch.__version__,
        "minutes": minutes,
        "dry_run": dry_run,
        "rows": [],
    }
    for name, step in STEPS:
        if only and name not in only:
            continue
        t0 = time.monotonic()
        if t0 >= ctx.deadline:
            new = [Row(name, "skipped", "out of time (raise --minutes)")]
        else:
            try:
                new = step(ctx)
            except Exception as error:  # noqa: BLE001 - one failed step must not cost the others
                new = [
                    Row(
                        name,
                        "failed",
                        f"{type(error).__name__}: {str(error).splitlines()[0][:300] if str(error) else ''}",
                        data={"traceback": traceback.format_exc()},
                    )
                ]
            if device.type == "cuda":
                torch.cuda.empty_cache()
        for row in new:
            row.seconds = round(time.monotonic() - t0, 1)
            rows.append(row)
            on_row(row)
        record["rows"] = [row.__dict__ for row in rows]
        if json_out is not None:
            atomic.write_text(Path(json_out), json.dumps(record, indent=2, default=str) + "\n")
    return rows
