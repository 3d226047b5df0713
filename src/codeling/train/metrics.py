"""Where training numbers go: metrics.jsonl (the record), TensorBoard, and Weights & Biases when
asked; plus model FLOPs utilisation against the device's peak."""

from __future__ import annotations

import os
from pathlib import Path

import torch

from codeling import rundir
from codeling.config import LogConfig
from codeling.errors import CodelingError
from codeling.rundir import JsonlLog, read_jsonl

# Dense bf16/fp16 tensor-core peaks in TFLOP/s, without sparsity, by a substring of the device name.
PEAK_TFLOPS = {
    "H200": 989.0,
    "H100": 989.0,
    "A100": 312.0,
    "A10G": 125.0,
    "A10": 125.0,
    "L40S": 362.0,
    "L4": 121.0,
    "4090": 165.0,
    "3090": 71.0,
    "V100": 125.0,
    "T4": 65.0,
}


def peak_flops(device: torch.device) -> float | None:
    """Peak FLOP/s of a CUDA device if we know it, else None (then no MFU is shown)."""
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    for key, tflops in PEAK_TFLOPS.items():
        if key in name:
            return tflops * 1e12
    return None


def read_metrics(run_dir: str | Path) -> list[dict]:
    path = Path(run_dir) / rundir.METRICS
    if not path.is_file():
        raise CodelingError(f"{path} does not exist; pass a run directory that `codeling train` wrote.")
    return read_jsonl(path)


class MetricsLog:
    """metrics.jsonl (a JsonlLog: on resume, rows past the resumed step are dropped first), mirrored
    to TensorBoard and wandb when asked."""

    def __init__(self, run_dir: Path, cfg: LogConfig, resume_step: int | None, run_name: str, config_dump: dict):
        self.jsonl = JsonlLog(run_dir / rundir.METRICS, resume_step)
        self.tb = None
        if cfg.tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            # purge_step hides events a killed run wrote past the step we resume from.
            self.tb = SummaryWriter(str(run_dir / "tb"), purge_step=None if resume_step is None else resume_step + 1)
        self.wandb = None
        if cfg.wandb:
            try:
                import wandb
            except ImportError:
                raise CodelingError(
                    "log.wandb is on but wandb is not installed; pip install wandb, or set log.wandb=false."
                ) from None
            os.environ.setdefault("WANDB_MODE", "offline")  # no network unless the user asks for it
            self.wandb = wandb.init(
                project=cfg.wandb_project, name=run_name, dir=str(run_dir), config=config_dump, resume="allow"
            )

    def log(self, row: dict) -> None:
        self.jsonl.write(row)
        split, step = row["split"], row["step"]
        scalars = {k: v for k, v in row.items() if k not in ("step", "split") and isinstance(v, (int, float))}
        if self.tb is not None:
            for key, value in scalars.items():
                self.tb.add_scalar(f"{split}/{key}", value, step)
        if self.wandb is not None:
            self.wandb.log({f"{split}/{k}": v for k, v in scalars.items()}, step=step)

    def close(self) -> None:
        self.jsonl.close()
        if self.tb is not None:
            self.tb.close()
        if self.wandb is not None:
            self.wandb.finish()
