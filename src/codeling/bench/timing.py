"""Timing shared by every measurement: alternate contenders, time with a device sync, medians."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch


def alternate(contenders: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Run each contender once per round, in A B A B order, so that drift in machine load hits
    both alike. Each callable returns its own measurement (e.g. tokens/s) for that round."""
    results: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            results[name].append(fn())
    return results


def sync_for(device: torch.device) -> Callable[[], None]:
    """What waits for the device's queued work: CUDA runs asynchronously, a CPU does not."""
    return (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)


def timed(fn: Callable[[], object], sync: Callable[[], None] = lambda: None) -> float:
    """Seconds `fn` takes, queued device work included."""
    sync()
    t0 = time.perf_counter()
    fn()
    sync()
    return time.perf_counter() - t0


def medians(results: dict[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(values) for name, values in results.items()}
