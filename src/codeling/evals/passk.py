"""The unbiased pass@k estimator of Chen et al. (2021), as in openai/human-eval.

With n samples of which c pass, pass@k = 1 - C(n-c, k) / C(n, k): the chance that k samples drawn
without replacement from the n include at least one that passes. The binomials overflow for large
n, so the ratio is computed as a product: C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k / i).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from codeling.errors import CodelingError

KS = (1, 10, 100)


def pass_at_k(n: int, c: int, k: int) -> float:
    """pass@k for one problem with n samples, c of them correct."""
    if not 0 <= c <= n or k < 1:
        raise CodelingError(f"pass@k needs 0 <= c <= n and k >= 1, got n={n}, c={c}, k={k}.")
    if k > n:
        raise CodelingError(
            f"pass@{k} needs at least {k} samples per problem, got {n}; sample more or ask for a smaller k."
        )
    if n - c < k:
        return 1.0  # every draw of k samples includes a correct one
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def mean_pass_at_k(samples: Sequence[int], correct: Sequence[int], ks: Sequence[int] = KS) -> dict[int, float]:
    """Mean pass@k over problems, for each k in ks that every problem's sample count allows
    (k above the smallest n is left out, never extrapolated)."""
    if len(samples) != len(correct):
        raise CodelingError("pass@k needs one sample count and one correct count per problem.")
    if not samples:
        return {}
    fewest = min(samples)
    return {k: float(np.mean([pass_at_k(n, c, k) for n, c in zip(samples, correct)])) for k in ks if k <= fewest}
