"""Shared by the drive benchmarks: where a result came from (command, commit, versions, load)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def provenance() -> dict:
    import gymnasium
    import numpy

    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = None
    return {
        "command": " ".join(["python", *sys.argv]),
        "commit": commit,
        "versions": {"gymnasium": gymnasium.__version__, "numpy": numpy.__version__},
        # The machine is shared: the load average says how much of its 2 cores the run really had.
        "loadavg": os.getloadavg(),
    }
