"""The path every code benchmark shares: sample completions, run each one with the problem's tests
in the sandbox, classify what happened, and score pass@k overall and per group.

A problem is HumanEval-shaped: a prompt (signature + docstring) the model continues, and test code
that runs after prompt + completion, in the same namespace, and raises AssertionError on a wrong
answer. HumanEval (humaneval.py) and the procedural suite (tasks/) both produce `BenchmarkProblem`s.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from codeling.errors import CodelingError
from codeling.evals.passk import KS, mean_pass_at_k
from codeling.sandbox import Limits, RunResult, SandboxConfig, SandboxJob, run_batch
from codeling.train.progress import Progress, Report

if TYPE_CHECKING:  # torch is imported only when sampling, so the task suite stays light
    from codeling.generate import Sampling

# Where a function body ends in a Codex-style completion: the next top-level statement.
STOP_SEQUENCES = ("\ndef", "\nclass", "\nif", "\nprint", "\n#")

# What happened to one sample. `compile_error` is a SyntaxError (or indentation error) raised while
# compiling prompt + completion, told apart from one the program raises as it runs (eval("1 +")).
OUTCOMES = ("passed", "failed_test", "runtime_error", "compile_error", "timeout")
_COMPILE_ERRORS = {"SyntaxError", "IndentationError", "TabError"}


@dataclass(frozen=True)
class BenchmarkProblem:
    task_id: str
    prompt: str
    tests: str  # runs after prompt + completion; raises AssertionError on a wrong answer
    groups: dict[str, str] = field(default_factory=dict)  # e.g. {"family": "lists", "level": "2"}


@dataclass(frozen=True)
class SampleResult:
    task_id: str
    sample: int
    completion: str
    outcome: str  # one of OUTCOMES
    status: str  # the sandbox's own status (ok, failed, error, timeout, memory, output_limit, killed)
    exception: str | None
    duration_s: float
    groups: dict[str, str]

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"

    def to_json(self) -> dict:
        return asdict(self)


def sample_completions(
    model,
    tokenizer,
    problems: Sequence[BenchmarkProblem],
    n: int,
    sampling: Sampling,
    batch_rows: int = 32,
    progress: Report | None = None,
) -> list[list[str]]:
    """n completions per problem, stopped at STOP_SEQUENCES (plus any in sampling.stop).

    Samples are decoded batch_rows at a time (prompt-major); batch i uses seed sampling.seed + i,
    so the same settings give the same completions."""
    from codeling.generate import generate_text

    if n < 1:
        raise CodelingError(f"--n must be at least 1 sample per problem, got {n}.")
    sampling = replace(sampling, stop=sorted(set(STOP_SEQUENCES) | set(sampling.stop)))
    rows = [i for i in range(len(problems)) for _ in range(n)]  # problem index of each sample
    completions: list[list[str]] = [[] for _ in problems]
    for call, start in enumerate(range(0, len(rows), batch_rows)):
        chunk = rows[start : start + batch_rows]
        texts = generate_text(
            model, tokenizer, [problems[i].prompt for i in chunk], replace(sampling, seed=sampling.seed + call)
        )
        for i, text in zip(chunk, texts):
            completions[i].append(text)
        if progress:
            progress(Progress.count("sample", start + len(chunk), len(rows)))
    return completions


def _compiles(source: str) -> bool:
    # Compiling never runs the code; CPython caps constant folding, so this is safe on the host.
    try:
        compile(source, "<sample>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def classify_outcome(result: RunResult, source: str | None = None) -> str:
    """The outcome of one sandboxed run of prompt + completion + tests. With the program's `source`,
    a SyntaxError is a compile error only if the source itself does not compile."""
    if result.status == "ok":
        return "passed"
    if result.status == "failed":
        return "failed_test"
    if result.status == "timeout":
        return "timeout"
    if result.status == "error" and result.exception in _COMPILE_ERRORS and (source is None or not _compiles(source)):
        return "compile_error"
    return "runtime_error"  # other exceptions, and memory / output / signal limits


def execute(
    problems: Sequence[BenchmarkProblem],
    completions: Sequence[Sequence[str]],
    limits: Limits | None = None,
    config: SandboxConfig | None = None,
    workers: int | None = None,
    progress: Report | None = None,
) -> list[SampleResult]:
    """Run completions[i][j] (sample j of problem i) with problem i's tests, each in its own
    sandbox; results come back problem-major, in input order."""
    limits = limits or Limits(timeout_s=5.0)
    pairs = [(p, j, c) for p, cs in zip(problems, completions, strict=True) for j, c in enumerate(cs)]
    programs = [SandboxJob(p.prompt + c, tests=p.tests) for p, _, c in pairs]
    # The sandbox (below core) counts in (done, total); here that becomes the "run" stage.
    counted = progress and (lambda done, total: progress(Progress.count("run", done, total)))
    runs = run_batch(programs, limits=limits, config=config, workers=workers, progress=counted)
    return [
        SampleResult(
            p.task_id,
            j,
            c,
            classify_outcome(r, prog.source),
            r.status,
            r.exception,
            round(r.duration_s, 4),
            dict(p.groups),
        )
        for (p, j, c), prog, r in zip(pairs, programs, runs)
    ]


@dataclass
class PassAtK:
    problems: int
    samples: int  # samples per problem (the fewest, where they differ)
    pass_at_k: dict[int, float]
    outcomes: dict[str, int]  # how many samples ended each way


@dataclass
class PassAtKReport:
    overall: PassAtK
    by_group: dict[str, dict[str, PassAtK]]  # group name -> group value -> score

    def to_json(self) -> dict:
        return asdict(self)


def _pass_at_k(results: Sequence[SampleResult], ks: Sequence[int]) -> PassAtK:
    per_problem: dict[str, list[SampleResult]] = defaultdict(list)
    for r in results:
        per_problem[r.task_id].append(r)
    ns = [len(rs) for rs in per_problem.values()]
    cs = [sum(r.passed for r in rs) for rs in per_problem.values()]
    outcomes = {o: sum(r.outcome == o for r in results) for o in OUTCOMES}
    return PassAtK(len(per_problem), min(ns, default=0), mean_pass_at_k(ns, cs, ks), outcomes)


def score_pass_at_k(results: Sequence[SampleResult], ks: Sequence[int] = KS) -> PassAtKReport:
    """pass@k (k in ks, where the sample count allows) overall and for each value of each group."""
    grouped: dict[str, dict[str, list[SampleResult]]] = defaultdict(lambda: defaultdict(list))
    for r in results:
        for name, value in r.groups.items():
            grouped[name][value].append(r)
    by_group = {
        name: {value: _pass_at_k(rs, ks) for value, rs in sorted(values.items())}
        for name, values in sorted(grouped.items())
    }
    return PassAtKReport(_pass_at_k(results, ks), by_group)


def evaluate_pass_at_k(
    model,
    tokenizer,
    problems: Sequence[BenchmarkProblem],
    n: int,
    sampling: Sampling,
    limits: Limits | None = None,
    config: SandboxConfig | None = None,
    workers: int | None = None,
    batch_rows: int = 32,
    ks: Sequence[int] = KS,
    progress: Report | None = None,
) -> tuple[list[SampleResult], PassAtKReport]:
    """Sample n completions per problem, run them in the sandbox, and score them; `progress` counts
    the stages "sample" then "run"."""
    completions = sample_completions(model, tokenizer, problems, n, sampling, batch_rows, progress)
    results = execute(problems, completions, limits, config, workers, progress)
    return results, score_pass_at_k(results, ks)


@dataclass(frozen=True)
class PassAtKRun:
    """How a model's completions are drawn and checked: what `eval humaneval`, `eval problems` and
    `eval tasks` share (the options they take, once)."""

    n: int = 20
    temperature: float = 0.8
    top_p: float = 0.95
    max_new_tokens: int = 256
    seed: int = 0
    timeout: float = 5.0
    workers: int | None = None
    batch_size: int = 32
    sandbox: str = "bwrap"

    def settings(self) -> dict:
        """What the summary JSON records of the run (its `settings`, beside the checkpoint)."""
        keys = ("n", "temperature", "top_p", "max_new_tokens", "seed")
        return {**{k: getattr(self, k) for k in keys}, "timeout_s": self.timeout, "sandbox": self.sandbox}


def evaluate_checkpoint(
    checkpoint: str | Path, problems: Sequence[BenchmarkProblem], run: PassAtKRun, device, progress: Report | None
) -> tuple[list[SampleResult], PassAtKReport, dict]:
    """pass@k of a checkpoint on `problems`, and the settings to record beside it."""
    from codeling.generate import Sampling
    from codeling.train.checkpoint import load_checkpoint

    loaded = load_checkpoint(checkpoint, device=device)
    sampling = Sampling(max_new_tokens=run.max_new_tokens, temperature=run.temperature, top_p=run.top_p, seed=run.seed)
    limits, sandbox = Limits(timeout_s=run.timeout), SandboxConfig(mode=run.sandbox)
    results, report = evaluate_pass_at_k(
        loaded.model,
        loaded.tokenizer,
        problems,
        run.n,
        sampling,
        limits,
        sandbox,
        run.workers,
        run.batch_size,
        progress=progress,
    )
    return results, report, {"checkpoint": str(loaded.path), **run.settings()}
