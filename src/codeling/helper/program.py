"""A learner's program: read safely, and run only in codeling's sandbox (pygame games included).

A pygame game loops until its window closes, which never happens here: it runs with SDL's dummy
video and audio drivers until the time limit, and "still running, no exception" counts as fine.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from codeling import files
from codeling.errors import CodelingError
from codeling.sandbox import Limits, RunResult, SandboxConfig, SandboxJob, run_batch, run_program

MAX_BYTES = 200_000  # far above any beginner's program; a bigger file is not one
GAME_WORKERS = 8
LIMITS = Limits(timeout_s=3.0)  # the sandbox's limits, with a wall clock short enough for a game's demo run
PYGAME_ENV = (
    ("SDL_VIDEODRIVER", "dummy"),
    ("SDL_AUDIODRIVER", "dummy"),
    ("PYGAME_HIDE_SUPPORT_PROMPT", "1"),
)
_USES_PYGAME = re.compile(r"^\s*(import|from)\s+pygame\b", re.MULTILINE)


def read_text(path: Path, what: str = "program") -> str:
    """A UTF-8 text file, or one clear CodelingError: missing, binary, not UTF-8, empty or huge."""
    # files.read_bytes checks type and size before reading: /dev/zero never ends, a FIFO never opens.
    data = files.read_bytes(path, MAX_BYTES, f"{what} file")
    if b"\0" in data:
        raise CodelingError(f"the {what} file {path} is binary, not text; pass a .py file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CodelingError(f"the {what} file {path} is not UTF-8 text (byte {e.start}); save it as UTF-8.") from e
    if what == "program" and not text.strip():
        raise CodelingError(f"the program file {path} is empty; write some Python in it first.")
    return text


def uses_pygame(source: str) -> bool:
    return bool(_USES_PYGAME.search(source))


def pygame_packages() -> tuple[str, ...]:
    """pygame's package directory and the shared libraries its wheel ships beside it (pygame.libs,
    or pygame_ce.libs), or () when pygame is not installed."""
    spec = importlib.util.find_spec("pygame")
    if spec is None or not spec.submodule_search_locations:
        return ()
    package = os.path.realpath(list(spec.submodule_search_locations)[0])
    parent = os.path.dirname(package)
    libs = [
        os.path.join(parent, n) for n in ("pygame.libs", "pygame_ce.libs") if os.path.isdir(os.path.join(parent, n))
    ]
    return (package, *libs)


@dataclass(frozen=True)
class Run:
    """One sandboxed run of a program, and whether it was a game left running."""

    result: RunResult
    game: bool  # the program imports pygame

    @property
    def still_running(self) -> bool:
        """A game stopped by the clock with no exception: fine, not an error."""
        r = self.result
        return self.game and r.status == "timeout" and r.exception is None and "Traceback" not in r.stderr

    @property
    def fine(self) -> bool:
        return self.result.status == "ok" or self.still_running


def config_for(source: str, mode: str = "bwrap") -> SandboxConfig:
    if not uses_pygame(source):
        return SandboxConfig(mode=mode)
    return SandboxConfig(mode=mode, env=PYGAME_ENV, packages=pygame_packages())


def run(source: str, stdin: str = "", tests: str | None = None, mode: str = "bwrap") -> Run:
    result = run_program(source, stdin=stdin, tests=tests, limits=LIMITS, config=config_for(source, mode))
    return Run(result, uses_pygame(source))


def run_many(sources: Sequence[str], stdin: str = "", tests: str | None = None, mode: str = "bwrap") -> list[Run]:
    """Several versions of one program, results in order; games and non-games run in separate batches
    because they need different sandbox setups."""
    runs: dict[int, Run] = {}
    for game in (False, True):
        chosen = [i for i, s in enumerate(sources) if uses_pygame(s) == game]
        if not chosen:
            continue
        jobs = [SandboxJob(sources[i], stdin=stdin, tests=tests) for i in chosen]
        config = config_for(sources[chosen[0]], mode)
        # A game's run is its 3 s demo run, mostly spent waiting on its clock: run them all at once.
        workers = min(len(jobs), GAME_WORKERS) if game else min(len(jobs), os.cpu_count() or 1, 4)
        for i, result in zip(chosen, run_batch(jobs, limits=LIMITS, config=config, workers=workers)):
            runs[i] = Run(result, game)
    return [runs[i] for i in range(len(sources))]
