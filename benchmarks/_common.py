"""Shared by the benchmark scripts: alternate two contenders, describe the machine, save JSON.

Every result file is written by `save`, so every file says when, where, how and from what code it
was measured: `date`, `machine` (cores, CPU model, GPU, load average), `command` (the exact argv),
`git` (short commit and whether the tree had uncommitted changes) and `versions` (python, torch and
the peer libraries the benchmark names). docs/RESULTS.md's card is generated from these files
(benchmarks/report.py).
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path

from codeling.bench.timing import alternate, timed  # noqa: F401 - re-exported for the scripts

RESULTS = Path(__file__).parent / "results"
REPO = Path(__file__).resolve().parent.parent


def cpu_model() -> str | None:
    """The CPU's model name from /proc/cpuinfo (None where there is none, e.g. macOS)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def machine() -> dict:
    import torch

    info = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model(),
        "threads": torch.get_num_threads(),
        "load_average_1_5_15min": load_average(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }
    return info


def git_state(repo: Path = REPO) -> dict:
    """{"commit": short hash, "dirty": bool}; both None outside a git checkout."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout if done.returncode == 0 else None

    commit = git("rev-parse", "--short", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit.strip() if commit else None, "dirty": bool(status.strip()) if status is not None else None}


def version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def versions(peers: tuple[str, ...] | list[str] = ()) -> dict:
    names = ["codeling", "torch", *peers]
    return {"python": platform.python_version(), **{name: version(name) for name in dict.fromkeys(names)}}


def command() -> str:
    """The command that ran this benchmark, as a shell would read it back."""
    return " ".join(shlex.quote(a) for a in [Path(sys.executable).name, *sys.argv])


def describe(name: str, peers: tuple[str, ...] | list[str] = ()) -> dict:
    """The self-description every result file starts with."""
    return {
        "benchmark": name,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "command": command(),
        "git": git_state(),
        "versions": versions(peers),
    }


def save(name: str, payload: dict, peers: tuple[str, ...] | list[str] = ()) -> Path:
    """Write `payload` to benchmarks/results/NAME.json, headed by `describe(name, peers)`. `peers`: the
    packages measured against (e.g. ("transformers",)), whose versions the file records. The
    self-description wins over a payload key of the same name."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    head = describe(name, peers)
    payload = {**head, **{k: v for k, v in payload.items() if k not in head}}
    path = RESULTS / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    os.replace(tmp, path)
    return path
