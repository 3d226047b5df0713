"""Shared by the benchmark scripts: alternate two contenders, describe the machine, save JSON."""

from __future__ import annotations

import datetime
import json
import os
import platform
from pathlib import Path

from codeling.bench.timing import alternate, timed  # noqa: F401 - re-exported for the scripts

RESULTS = Path(__file__).parent / "results"


def machine() -> dict:
    import torch

    info = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cpus": os.cpu_count(),
        "threads": torch.get_num_threads(),
    }
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def save(name: str, payload: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, "date": datetime.date.today().isoformat(), "machine": machine(), **payload}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path
