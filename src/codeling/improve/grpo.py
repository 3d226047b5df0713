"""The GRPO update rule (`codeling improve --update grpo`): learn from every sample's verdict, not
only from what passed.

A round samples `samples_per_task` completions per task (the group, 8 by default) and checks them
in the sandbox, as expert iteration does. Then, instead of fine-tuning on what was kept:

    reward     from the sandbox's verdict (the exit status and the test runner's outcome, never text
               the program printed): binary, 1 for passing and 0 otherwise, or graded as CodeRL
               (Le et al. 2022): -1 does not compile, -0.6 raises or times out, -0.3 fails a test,
               +1 passes; a hard-coded solution, or a chain's off its plan (filters.py), gets
               the failing reward either way
    advantage  reward minus its group's mean (Dr. GRPO: no division by the group's standard
               deviation unless `scale_rewards`); a group whose rewards are all equal carries no
               signal and is left out (and counted)
    log-probs  of each completion under the model that sampled it, in one teacher-forced pass per
               batch of completions (the whole sequence at once, not token by token)
    anchor     optionally (`anchor` > 0) as many seed-set references as there are sampled examples,
               each with that constant advantage: under the clipped surrogate a positive advantage
               pulls a reference's probability back up whenever the update lowers it (ratio below
               1 + eps) and stops pushing once it is above, so the seed set holds what it taught
               (what expert iteration's 50/50 mix does; without it the update unlearnt the short
               chains, docs/RESULTS.md)
    replay     optionally (`replay` > 0) as many of the earlier rounds' kept solutions, each with that
               constant advantage, the same way: what expert iteration's growing dataset gives it and
               an on-policy round alone does not see
    update     the trainer's `policy` objective (train/policy.py) on these examples, from the
               round's model: optimizer, precision, checkpoints, resume, metrics as every training
"""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from codeling.data.shards import SplitArrays, write_shards
from codeling.improve import data as improve_data
from codeling.improve import filters
from codeling.train.checkpoint import load_checkpoint
from codeling.train.distributed import World, pick_device

REWARDS = {
    "binary": {"passed": 1.0, "failed_test": 0.0, "runtime_error": 0.0, "timeout": 0.0, "compile_error": 0.0},
    "graded": {"passed": 1.0, "failed_test": -0.3, "runtime_error": -0.6, "timeout": -0.6, "compile_error": -1.0},
}
LOGP_BATCH = 32  # completions scored in one forward pass


def reward(outcome: str | None, rejected: bool, kind: str) -> float:
    """A sample's reward from its verdict; a pass the filters reject (hard-coded, off its plan) is
    worth a failed test."""
    table = REWARDS[kind]
    if outcome == "passed" and rejected:
        return table["failed_test"]
    return table.get(outcome, table["compile_error"])  # unknown: the worst


def advantages(rewards: list[float], scale: bool = False, baseline: str = "group") -> list[float] | None:
    """Each reward minus the group's mean (divided by the group's standard deviation when `scale`),
    or None for a group whose rewards are all equal: it says nothing about which answer is better.
    baseline "none": the rewards themselves (REINFORCE without a baseline), None only when all are
    0; with binary rewards that is expert iteration's signal (every pass pulled up, failures
    ignored) under the policy objective, the ablation that tells the baseline from the group size."""
    r = np.asarray(rewards, dtype=np.float64)
    if baseline == "none":
        return r.tolist() if np.any(r != 0) else None
    if len(r) < 2 or np.all(r == r[0]):
        return None
    a = r - r.mean()
    if scale:
        a = a / (r.std() + 1e-4)
    return a.tolist()


def completion_logps(
    checkpoint: Path, sequences: list[tuple[list[int], int]], temperature: float = 1.0
) -> list[np.ndarray]:
    """For each (token ids, start of the completion): the log-probability of every token from the
    start on, under `checkpoint`'s model at the sampling temperature, aligned so that entry i
    belongs to token start + i."""
    loaded = load_checkpoint(checkpoint, device=pick_device("auto", World()))
    model = loaded.model.eval()
    device = next(model.parameters()).device
    found = []
    for i in range(0, len(sequences), LOGP_BATCH):
        batch = sequences[i : i + LOGP_BATCH]
        width = max(len(ids) for ids, _ in batch)
        x = torch.zeros((len(batch), width), dtype=torch.long)
        for row, (ids, _) in enumerate(batch):
            x[row, : len(ids)] = torch.tensor(ids)
        with torch.no_grad():  # right padding: a causal model's real tokens never see it
            logp = F.log_softmax(model(x.to(device))[0].float() / temperature, dim=-1)
        taken = logp[:, :-1].gather(-1, x[:, 1:].to(device).unsqueeze(-1)).squeeze(-1).cpu().numpy()
        found += [taken[row, start - 1 : len(ids) - 1] for row, (ids, start) in enumerate(batch)]
    return found


def policy_data(run, r: int, checkpoint: Path, out: Path, seed_pairs: tuple[list, list]) -> dict:
    """Write round r's policy-gradient shards to `out` (train: every sample of a group with signal,
    with its advantage and log-probs, and the anchor's seed references; val: the seed set's, for the
    validation loss) and return the round's GRPO statistics."""
    s = run.settings
    groups: dict[int, list[dict]] = defaultdict(list)
    for row in run.store.round_samples(r):
        groups[row["task"]].append(row)
    tokenizer = load_checkpoint(checkpoint).tokenizer
    examples, rewards, silent = [], [], 0
    for task in sorted(groups):
        rows = groups[task]
        rejected = [bool(row["hard_coded"]) or (s.follow_plan and filters.off_plan(row)) for row in rows]
        group_rewards = [reward(row["outcome"], no, s.reward) for row, no in zip(rows, rejected)]
        rewards += group_rewards
        found = advantages(group_rewards, s.scale_rewards, s.baseline)
        if found is None:
            silent += 1
            continue
        for row, advantage in zip(rows, found):
            examples.append(policy_example(tokenizer, row["prompt"], row["completion"], advantage, s.model.block_size))
    sampled = len(examples)
    # The constant-advantage examples: the seed set (anchor) and earlier rounds' kept solutions (replay).
    earlier = [v["version"] for v in run.store.versions() if v["round"] < r] if s.replay else []
    kept = [(k.prompt, k.completion) for k in run.store.version_samples(max(earlier))] if earlier else []
    mixes = {"anchor": (seed_pairs[0], s.anchor, 0), "replay": (kept, s.replay, 500)}
    mixed_in = {}
    for name, (pairs, advantage, salt) in mixes.items():
        chosen = draw(pairs, sampled, random.Random(s.seed * 1000 + r + salt)) if advantage and pairs else []
        examples += [policy_example(tokenizer, p, c, advantage, s.model.block_size) for p, c in chosen]
        mixed_in[name] = len(chosen)
    temperature = max(s.temperature, 1e-3)  # as training_config gives the policy update
    logps = completion_logps(checkpoint, [(ids, start) for ids, start, _ in examples], temperature)
    train = policy_arrays(examples, logps)
    val = SplitArrays.from_examples(improve_data.encode_example(tokenizer, p, c) for p, c in seed_pairs[1])
    provenance = {"source": "codeling improve grpo", "round": r, "reward": s.reward, "examples": len(examples)}
    write_shards(out, {"train": train, "val": val}, tokenizer, provenance, overwrite=True)
    lengths = [len(ids) - start for ids, start, _ in examples[:sampled]]
    return {
        "mean_reward": float(np.mean(rewards)) if rewards else None,
        "groups": len(groups),
        "groups_with_signal": len(groups) - silent,
        "mean_completion_tokens": float(np.mean(lengths)) if lengths else None,
        "anchor_examples": mixed_in["anchor"],
        "replay_examples": mixed_in["replay"],
    }


def policy_example(tokenizer, prompt: str, completion: str, advantage: float, block: int) -> tuple:
    """(token ids cut to the block, where the completion starts, its advantage)."""
    ids, mask = improve_data.encode_example(tokenizer, prompt, completion)
    return ids[:block], mask.index(1), advantage


def draw(items: list, n: int, rng: random.Random) -> list:
    """`n` of `items`, each once before any twice."""
    return [x for _ in range(-(-n // len(items))) for x in rng.sample(items, len(items))][:n]


def policy_arrays(examples: list[tuple[list[int], int, float]], logps: list[np.ndarray]) -> SplitArrays:
    """One stream of examples: the completion's tokens are targets carrying its advantage and their
    old log-probabilities; the prompt's are context (mask 0, advantage 0)."""
    arrays = SplitArrays.from_examples((ids, [0] * start + [1] * (len(ids) - start)) for ids, start, _ in examples)
    advantage, logp = np.zeros(len(arrays.tokens), np.float32), np.zeros(len(arrays.tokens), np.float32)
    for begin, (ids, start, a), lp in zip(arrays.starts.astype(np.int64), examples, logps):
        advantage[begin + start : begin + len(ids)] = a
        logp[begin + start : begin + len(ids)] = lp
    arrays.advantage, arrays.logp = advantage, logp
    return arrays
