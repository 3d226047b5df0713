"""`codeling plan`: GPU memory per device for a model before training it (train/memory.py)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich import box
from rich.table import Table

from codeling.cli import options
from codeling.cli.progress import console
from codeling.errors import CodelingError

DEFAULT_VOCAB = 8192  # codeling's BPE default; character vocabularies are far smaller


def _gib(n: int) -> str:
    return f"{n / 2**30:.2f}"


def _configured(preset: str | None, config: Path | None, set_: list[str], vocab: int | None):
    """The config to plan for, with a vocabulary even where the config leaves it to the data."""
    from codeling.config import load_config

    cfg = load_config(preset=preset, path=config, overrides=list(set_))
    if vocab is not None or cfg.model.vocab_size == 0:
        cfg.model.vocab_size = vocab or DEFAULT_VOCAB
    return cfg


def _micro_batch(cfg, batch: int | None, seq: int | None) -> tuple[int, int]:
    """Rows and tokens per row: the options where given, else the config's."""
    return batch or cfg.data.batch_size, seq or cfg.model.block_size


def _presets_table(set_: list[str], batch: int | None, seq: int | None, vocab: int | None, precision: str) -> Table:
    """One row a preset: its size and its memory for training, with checkpointing, and for inference."""
    from codeling.config import PRESETS
    from codeling.train.memory import count_parameters, inference_bytes, plan

    table = Table(
        title=f"Presets, {precision}, vocabulary {vocab or DEFAULT_VOCAB}, GiB per GPU (one GPU)", box=box.SIMPLE
    )
    for column in ("preset", "layers x width", "params", "batch x seq", "train", "train+ckpt", "inference"):
        table.add_column(column, justify="left" if column == "preset" else "right")
    for name in PRESETS:
        cfg = _configured(name, None, set_, vocab)
        b, s = _micro_batch(cfg, batch, seq)
        plain, checkpointed = (plan(cfg.model, b, s, precision, checkpointing=c) for c in (False, True))
        table.add_row(
            name,
            f"{cfg.model.n_layer} x {cfg.model.n_embd}",
            f"{count_parameters(cfg.model).total / 1e6:.1f}M",
            f"{b} x {s}",
            _gib(plain.total),
            _gib(checkpointed.total),
            _gib(inference_bytes(cfg.model)),
        )
    return table


def _strategies_table(plans, gpu_gb: float | None) -> Table:
    """One row a strategy (DDP or FSDP, with or without checkpointing): what a GPU holds at the peak."""
    title = "GiB per GPU at the peak of a training step"
    if gpu_gb is not None:
        title += f"; max batch: the largest micro-batch that fits {gpu_gb:g} GiB"
    table = Table(title=title, box=box.SIMPLE)
    columns = ["strategy", "params", "grads", "AdamW", "working", "activ.", "bwd", "total"]
    if gpu_gb is not None:
        columns.append("max batch")
    for column in columns:
        table.add_column(
            column, justify="left" if column == "strategy" else "right", min_width=9 if column == "strategy" else None
        )
    for p in plans:
        name = ("FSDP" if p.strategy == "fsdp" else "DDP") + ("+ckpt" if p.checkpointing else "")
        parts = (p.parameters, p.gradients, p.optimizer, p.working_weights, p.activations, p.transient, p.total)
        row = [name, *(_gib(v) for v in parts)]
        if gpu_gb is not None:
            row.append(str(p.max_micro_batch) if p.max_micro_batch else "none fits")
        table.add_row(*row)
    return table


def _print_one_config(cfg, label, b: int, s: int, precision: str, gpus: int, gpu_gb: float | None) -> None:
    """The breakdown for one config: a header line, the strategies table, and what its columns mean."""
    from codeling.train.memory import GIB, count_parameters, inference_bytes, plan_all

    if s > cfg.model.block_size and cfg.model.positions == "learned":
        raise CodelingError(
            f"--seq {s} is longer than the model's block_size {cfg.model.block_size}; "
            "lower --seq or raise model.block_size."
        )
    gpu_bytes = int(gpu_gb * GIB) if gpu_gb is not None else None
    plans = plan_all(cfg.model, b, s, precision, gpus, gpu_bytes)
    console.print(
        f"[bold]{label}[/]: {count_parameters(cfg.model).total / 1e6:.1f}M parameters "
        f"(vocabulary {cfg.model.vocab_size}), micro-batch {b} x {s} tokens, {precision}, FSDP over {gpus} GPU(s)"
    )
    console.print(_strategies_table(plans, gpu_gb))
    console.print(
        "working: autocast's 16-bit weight copies (DDP) or the gathered blocks (FSDP); bwd: what lives only "
        "during the backward (the loss head, or a recomputed layer); ckpt: activation checkpointing"
    )
    inference = inference_bytes(cfg.model, element_bytes=4 if precision == "fp32" else 2)
    console.print(
        f"inference ({precision} weights, KV cache for one {cfg.model.block_size}-token sequence): "
        f"{_gib(inference)} GiB"
    )
    if gpu_gb is not None:
        console.print(
            "fitting leaves 1 GiB for the CUDA context and workspaces and 10% for allocator fragmentation; "
            "formulas and their sources: src/codeling/train/memory.py, docs/DISTRIBUTED.md"
        )


def plan_cmd(
    preset: str | None = options.preset(note="; none: a table of all"),
    config: Path | None = options.CONFIG,
    set_: list[str] = options.SET,
    batch: int | None = typer.Option(
        None, "--batch", help="micro-batch per GPU (default: the config's data.batch_size)"
    ),
    seq: int | None = typer.Option(None, "--seq", help="sequence length (default: model.block_size)"),
    gpu_gb: float | None = typer.Option(
        None, "--gpu-gb", help="GPU memory in GiB: also find the largest micro-batch that fits"
    ),
    gpus: int = typer.Option(1, "--gpus", min=1, help="GPUs FSDP shards across"),
    vocab: int | None = typer.Option(
        None, "--vocab", help=f"vocabulary size when the config leaves it to the data (default {DEFAULT_VOCAB})"
    ),
    precision: str = typer.Option("bf16", "--precision", help="bf16, fp16 or fp32"),
):
    """Memory per GPU for training (DDP and FSDP, with and without activation checkpointing) and inference."""
    if precision not in ("bf16", "fp16", "fp32"):
        raise CodelingError(f"Unknown precision {precision!r}; choose bf16, fp16 or fp32.")
    if preset is None and config is None:
        console.print(_presets_table(set_, batch, seq, vocab, precision))
        console.print(
            "inference: 16-bit weights plus a full-context KV cache for one sequence; "
            "`codeling plan --preset NAME` breaks training down and compares DDP with FSDP."
        )
        return
    cfg = _configured(preset, config, set_, vocab)
    b, s = _micro_batch(cfg, batch, seq)
    _print_one_config(cfg, preset or config, b, s, precision, gpus, gpu_gb)
