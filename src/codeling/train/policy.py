"""The trainer's `policy` objective: GRPO's clipped policy-gradient loss over completion tokens.

Each target token t of a sampled completion carries its completion's advantage A (reward minus its
group's mean, computed by the loop that sampled it: improve/grpo.py) and its log-probability under
the policy that sampled it. A step minimises, over the batch's target tokens,

    -min(ratio * A, clip(ratio, 1 - eps, 1 + eps) * A) + kl * KL_k3(policy, reference)

with ratio = exp(logp - old logp), the PPO surrogate (Schulman et al. 2017) as GRPO uses it (Shao
et al. 2024). Two of Dr. GRPO's corrections (Liu et al. 2025, arXiv 2503.20783) are in how it is
summed: the sum is divided by a constant (every row's whole window), not by each completion's
length, so a long wrong answer is not penalised less per token than a short one. KL_k3 is
Schulman's unbiased estimator exp(r) - r - 1 with r = ref logp - logp, against the frozen model the
run started from (train.init_from), off by default as in current TRL. Log-probabilities are of the
logits divided by `train.temperature`, the temperature the completions were sampled at (as TRL
does), so the first ratio is 1 for the policy that sampled them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from codeling.config import TrainConfig
from codeling.data.batches import IGNORE


def policy_loss(
    forward: torch.nn.Module,
    reference: torch.nn.Module | None,
    x: torch.Tensor,
    targets: torch.Tensor,
    advantage: torch.Tensor,
    old_logp: torch.Tensor,
    cfg: TrainConfig,
    window: int | None = None,
) -> tuple[torch.Tensor, dict[str, float]]:
    """The loss of one micro-batch and what it says about the policy: its entropy over the target
    tokens, the share of tokens whose ratio was clipped, and the KL to the reference. `window`: the
    rows' full length (block_size), the constant the sum is divided by per row, however far the
    batch was trimmed."""
    logits, _ = forward(x)
    logp_all = F.log_softmax(logits.float() / cfg.temperature, dim=-1)
    counted = targets != IGNORE
    logp = logp_all.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    ratio = torch.exp(logp - old_logp)
    clipped = ratio.clamp(1 - cfg.clip, 1 + cfg.clip)
    per_token = -torch.minimum(ratio * advantage, clipped * advantage)
    kl = torch.zeros_like(per_token)
    if reference is not None:
        with torch.no_grad():
            ref_logp = F.log_softmax(reference(x)[0].float() / cfg.temperature, dim=-1)
        r = ref_logp.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1) - logp
        kl = torch.exp(r) - r - 1
        per_token = per_token + cfg.kl * kl
    loss = (per_token * counted).sum() / (targets.shape[0] * (window or targets.shape[1]))
    n = counted.sum().clamp(min=1)
    with torch.no_grad():
        entropy = -(logp_all.exp() * logp_all).sum(-1)
        stats = {
            "entropy": float((entropy * counted).sum() / n),
            # Where the clip zeroes the gradient: above 1 + eps for a good answer, below 1 - eps for a bad one.
            "clipped": float(
                (((ratio > 1 + cfg.clip) & (advantage > 0)) | ((ratio < 1 - cfg.clip) & (advantage < 0)))
                .logical_and(counted)
                .sum()
                / n
            ),
            "kl": float((kl * counted).sum() / n),
        }
    return loss, stats
