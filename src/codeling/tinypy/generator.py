"""Generate deduplicated TinyPy samples of chosen levels, on several processes, reproducibly.

Work is cut into fixed chunks of candidate programs; chunk i draws from its own RNG seeded with
(seed, i), so the result depends on the seed and settings only, never on how many workers ran.
The parent keeps chunks in order, drops duplicates and stops at n samples.
"""

from __future__ import annotations

import multiprocessing
import os
import random
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field

from codeling.errors import CodelingError
from codeling.tinypy.builder import LEVELS, Knobs, ProgramBuilder
from codeling.tinypy.codetracing import CHECKED_OPS, GRAMMAR, CodeTracingBuilder, CodeTracingKnobs, Rejected
from codeling.tinypy.interpreter import BINARY, ParsedProgram, RunError, run
from codeling.tinypy.sample import Sample
from codeling.tinypy.trace import trace_text
from codeling.train.progress import Progress, Report

CHUNK = 512  # candidates per chunk: big enough to amortise process hand-offs
BATCH = 16  # chunks asked for at a time; fixed, so that when generation stops never depends on workers


def resolve_levels(levels: str | Sequence[str]) -> tuple[str, ...]:
    """ "ALL", "2.1", "1.1,3.2" or a list of these -> the tuple of levels to draw uniformly from."""
    items = levels.split(",") if isinstance(levels, str) else list(levels)
    chosen: list[str] = []
    for item in (i.strip() for i in items):
        for level in LEVELS if item.upper() == "ALL" else (item,):
            if level not in LEVELS:
                raise CodelingError(f"Unknown TinyPy level {item!r}; choose from {', '.join(LEVELS)} or ALL.")
            if level not in chosen:
                chosen.append(level)
    if not chosen:
        raise CodelingError("No TinyPy level given; pass --level ALL or levels such as 1.1,2.2.")
    return tuple(chosen)


def _check_range(value: tuple[int, int] | None, what: str, lowest: int) -> None:
    if value is not None and not lowest <= value[0] <= value[1]:
        raise CodelingError(f"{what} must be a range low..high with {lowest} <= low <= high.")


def check_code_tracing_knobs(knobs: CodeTracingKnobs) -> None:
    _check_range(knobs.literals, "Literals", 0)
    _check_range(knobs.statements, "Statements", 2)
    _check_range(knobs.loop_iterations, "Loop iterations", 0)
    if not 0 <= knobs.depth <= 4:
        raise CodelingError(f"Nesting depth {knobs.depth} is out of range; use 0 to 4.")
    if not 2 <= knobs.variables <= 26:
        raise CodelingError(f"{knobs.variables} variables is out of range; use 2 to 26.")


def check_knobs(knobs: Knobs | CodeTracingKnobs) -> None:
    if isinstance(knobs, CodeTracingKnobs):
        return check_code_tracing_knobs(knobs)
    low, high = knobs.literals
    if not 0 <= low <= high:
        raise CodelingError(f"Literal range {low}..{high} is empty or negative; give 0 <= low <= high.")
    if knobs.loop_iterations is not None and not 0 <= knobs.loop_iterations[0] <= knobs.loop_iterations[1]:
        raise CodelingError("Loop iterations must be a range low..high with 0 <= low <= high.")
    if knobs.initialisations is not None and not 1 <= knobs.initialisations[0] <= knobs.initialisations[1]:
        raise CodelingError("Initialisations must be a range low..high with 1 <= low <= high.")
    if not 0 <= knobs.extra_statements[0] <= knobs.extra_statements[1]:
        raise CodelingError("Extra statements must be a range low..high with 0 <= low <= high.")
    if not 1 <= knobs.depth <= 4:
        raise CodelingError(f"Nesting depth {knobs.depth} is out of range; use 1 to 4.")
    if not 2 <= knobs.variables <= 26:
        raise CodelingError(f"{knobs.variables} variables is out of range; use 2 to 26.")


def draw_program(rng: random.Random, level: str | None, knobs: Knobs | CodeTracingKnobs) -> ParsedProgram:
    """One program of `level` (2024 levels), or of the code-tracing grammar when given its knobs."""
    if isinstance(knobs, CodeTracingKnobs):
        tracing = CodeTracingBuilder(rng, knobs)
        body = tracing.program()
        return ParsedProgram("\n".join(tracing.lines), body)
    builder = ProgramBuilder(rng, knobs)
    body = builder.program(level)
    return ParsedProgram("\n".join(builder.lines), body)


@dataclass(frozen=True)
class _Job:
    seed: int
    levels: tuple[str, ...]
    knobs: Knobs | CodeTracingKnobs
    trace: bool


def _chunk(job: _Job, index: int) -> tuple[list[tuple], int, int]:
    """Candidates of chunk `index`: (program, output, level, trace) tuples, how many failed at run
    time and how many the code-tracing value filter rejected."""
    rng = random.Random(f"tinypy:{job.seed}:{index}")
    levels, knobs, kept, failed, rejected = job.levels, job.knobs, [], 0, 0
    tracing = isinstance(knobs, CodeTracingKnobs)
    ops = CHECKED_OPS if tracing else BINARY
    for _ in range(CHUNK):
        level = None if tracing else levels[int(rng.random() * len(levels))]
        program = draw_program(rng, level, knobs)
        try:
            output = run(program, ops=ops)
            trace = trace_text(program) if job.trace else None
        except Rejected:
            rejected += 1
            continue
        except RunError:
            failed += 1  # division by zero: CPython would raise, so it is not a sample
            continue
        kept.append((program.text, output, level, trace))
    return kept, failed, rejected


_worker_job: _Job | None = None


def _init_worker(job: _Job) -> None:
    global _worker_job
    _worker_job = job


def _worker_chunk(index: int):
    return _chunk(_worker_job, index)


@dataclass
class GenerationResult:
    samples: list[Sample]
    levels: tuple[str, ...]  # empty for the code-tracing grammar, which has no levels
    seed: int
    knobs: Knobs | CodeTracingKnobs
    candidates: int = 0  # programs drawn
    failed: int = 0  # dropped because they raise at run time
    rejected: int = 0  # dropped by the code-tracing value filter (float rounding, huge values)
    duplicates: int = 0  # dropped because an identical program came earlier
    exhausted: bool = False  # stopped short of n: the settings allow too few distinct programs
    per_level: dict[str, int] = field(default_factory=dict)

    def settings(self) -> dict:
        """What a manifest records to say how these samples were made."""
        if isinstance(self.knobs, CodeTracingKnobs):
            return {"grammar": GRAMMAR, "seed": self.seed, "knobs": asdict(self.knobs)}
        return {"levels": list(self.levels), "seed": self.seed, "knobs": asdict(self.knobs)}


def _keep(result: GenerationResult, chunk: tuple, seen: set[str], n: int) -> int:
    """Add a chunk's new programs to `result` (up to n samples in all); how many were added."""
    kept, failed, rejected = chunk
    result.candidates += len(kept) + failed + rejected
    result.failed += failed
    result.rejected += rejected
    added = 0
    for program, output, level, program_trace in kept:
        if len(result.samples) >= n:
            break
        if program in seen:
            result.duplicates += 1
            continue
        seen.add(program)
        result.samples.append(Sample(program, output, level, program_trace))
        key = level or GRAMMAR
        result.per_level[key] = result.per_level.get(key, 0) + 1
        added += 1
    return added


def generate(
    n: int,
    levels: str | Sequence[str] = "ALL",
    seed: int = 0,
    knobs: Knobs | CodeTracingKnobs = Knobs(),
    trace: bool = False,
    workers: int | None = None,
    skip: Iterable[str] = (),
    progress: Report | None = None,
) -> GenerationResult:
    """`n` distinct samples (fewer only if the settings allow fewer), the same for the same arguments.

    `skip` holds program texts that must not be produced again; `progress` gets a count
    (stage "generate") as samples arrive. `workers` defaults to the machine's CPU count. CodeTracingKnobs draw the
    code-tracing grammar instead of levels (`levels` is then ignored; samples have no level).
    """
    if n < 0:
        raise CodelingError(f"Cannot generate {n} programs; pass a count of 0 or more.")
    check_knobs(knobs)
    tracing = isinstance(knobs, CodeTracingKnobs)
    job = _Job(seed, () if tracing else resolve_levels(levels), knobs, trace)
    result = GenerationResult([], job.levels, seed, knobs)
    seen = set(skip)
    workers = workers or os.cpu_count() or 1
    next_chunk = 0
    pool = None
    try:
        while len(result.samples) < n:
            wanted = max(1, -(-(n - len(result.samples)) // int(CHUNK * 0.9)))
            indices = range(next_chunk, next_chunk + min(wanted, BATCH))
            next_chunk = indices.stop
            if workers > 1 and len(indices) > 1:
                if pool is None:
                    # Workers fork from a clean forkserver, not from this process: a caller that has
                    # run torch or Ray holds threads whose locks a forked child could wait on forever.
                    # An executor also raises when a worker dies, where a Pool would hang.
                    context = multiprocessing.get_context("forkserver")
                    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(job,))
                chunks = pool.map(_worker_chunk, indices)
            else:
                chunks = (_chunk(job, i) for i in indices)
            added = 0
            for chunk in chunks:
                added += _keep(result, chunk, seen, n)
                if progress:
                    progress(Progress.count("generate", len(result.samples), n))
            if added == 0:
                result.exhausted = True  # a whole batch brought nothing new
                break
    except BrokenProcessPool:
        raise CodelingError(
            "A generator worker process died; rerun with --workers 1 to generate in this process."
        ) from None
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return result
