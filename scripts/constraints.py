"""Write constraints.txt: the exact version of every package codeling needs, as installed in this venv.

    .venv/bin/python scripts/constraints.py > constraints.txt      (what `make constraints` runs)

Run it in a venv where `make test` passed, so CI and every fresh set-up install versions a test run
has seen. Left out: codeling itself, torch, and what only torch needs (sympy, networkx, CUDA
libraries...): torch stays the one scripts/setup.sh picks for the machine, and its own exact pins
must not clash with ours.
"""

from __future__ import annotations

import sys
from importlib import metadata

try:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:  # pip carries a copy
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import canonicalize_name

ROOT = "codeling"
LEFT_TO_SETUP = {"torch"}


def needed(extras: set[str]) -> dict[str, str]:
    """name -> installed version of every distribution reachable from codeling[extras], not through torch."""
    installed = {canonicalize_name(d.metadata["Name"]): d for d in metadata.distributions()}
    found: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    todo = [(ROOT, extra) for extra in {"", *extras}]
    while todo:
        name, extra = todo.pop()
        if (name, extra) in seen or name not in installed:
            continue
        seen.add((name, extra))
        dist = installed[name]
        found[name] = dist.version
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is not None and not req.marker.evaluate({"extra": extra}):
                continue
            if extra and req.marker is None:
                continue  # an unconditional requirement: already followed with extra ""
            dep = canonicalize_name(req.name)
            if dep not in LEFT_TO_SETUP:
                todo += [(dep, e) for e in {"", *req.extras}]
    found.pop(ROOT, None)
    return found


def main() -> None:
    extras = set(sys.argv[1].split(",")) if len(sys.argv) > 1 else {"dev", "hf", "ray"}
    print("# Exact versions CI and `make setup` install (pip -c); torch is left to scripts/setup.sh.")
    print(
        f"# Written by scripts/constraints.py (extras: {','.join(sorted(extras))}) on Python "
        f"{sys.version_info.major}.{sys.version_info.minor}; `make constraints` rewrites it."
    )
    for name, version in sorted(needed(extras).items()):
        print(f"{name}=={version}")


if __name__ == "__main__":
    main()
