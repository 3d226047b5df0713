"""GRPO's policy update: completion tokens per second of the whole update step, codeling's trainer
(`train.objective=policy`) against TRL's GRPOTrainer, on the same model, group size and batch, on
CPU in fp32, alternately in one process (A B A B ...).

    OMP_NUM_THREADS=1 python benchmarks/grpo_update.py                  # both recipes, about 3 minutes
    OMP_NUM_THREADS=1 python benchmarks/grpo_update.py --recipes cpu    # only the 0.43M CPU recipe

TRL is a benchmark-only dependency: `pip install -c constraints.txt -e ".[bench]"`.

What is the same on both sides: the model (a codeling checkpoint of the improve recipe's shape,
random weights, exported with codeling.export to transformers, GPT-NeoX for rotary positions: the
two compute the same log-probabilities, checked below), the batch (`data.batch_size` completions,
groups of G = 8 with one prompt each, synthetic tokens of realistic lengths: prompts of 50-70 tokens,
completions of 40-80), their advantages (reward minus the group mean, no std division, the Dr. GRPO
loss) and old log-probabilities (computed once by codeling's improve/grpo.py and given to both), the
optimizer (torch AdamW, betas 0.9/0.95, weight decay 0.1, gradient clipping at 1.0), fp32, one
thread, KL weight 0, clip 0.2.

What one timed step is:
  - codeling: `trainer.train_step` on a run that `trainer.start` prepared from policy-gradient
    shards (what `codeling improve --update grpo` trains on): the learning rate, drawing the batch's
    windows from the shards (`policy_batch`), the forward pass and the clipped loss of
    train/policy.py with its entropy / clipped / KL statistics, backward, the loss all-reduce (a
    no-op in one process), gradient clipping, the AdamW step, zero_grad. Not logging, evaluation
    or checkpoints.
  - TRL: one optimizer step of `GRPOTrainer.train()`, from the `on_step_begin` callback to
    `on_step_end`: `training_step` (`_prepare_inputs`, whose `_generate_and_score_completions` is
    replaced by a function that returns the prepared batch: prompt and completion ids and masks,
    advantages, old per-token log-probs, so generation, rewards and the old-log-prob pass are left
    out; then TRL's shuffle and split, `compute_loss` with its fused LM head for per-token log-probs
    and entropies and its metrics, backward), gradient clipping, the AdamW step, the scheduler step,
    zero_grad. Not the prompt dataloader nor logging (`_maybe_log_save_evaluate`).
Both leave out sampling and the old-log-prob pass; each side is given the same precomputed values.

Tokens counted: the batch's completion tokens that carry a loss (the completion and its EOS). The
figure printed last is the ratio of median tokens/s, codeling / TRL, per recipe.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _common import save  # noqa: E402
from codeling.config import Config  # noqa: E402
from codeling.data.batches import IGNORE  # noqa: E402
from codeling.data.shards import SplitArrays, write_shards  # noqa: E402
from codeling.export.hf import export_hf  # noqa: E402
from codeling.export.mapping import hf_mapping  # noqa: E402
from codeling.improve import settings as improve_settings  # noqa: E402
from codeling.improve.data import learn_tokenizer  # noqa: E402
from codeling.improve.grpo import advantages, completion_logps, policy_arrays  # noqa: E402
from codeling.model import GPT  # noqa: E402
from codeling.train import skeleton, trainer  # noqa: E402
from codeling.train.checkpoint import save_checkpoint  # noqa: E402
from codeling.train.distributed import World  # noqa: E402
from codeling.train.policy import policy_loss  # noqa: E402

GROUP = 8
ROOT = Path(__file__).resolve().parents[1]


def tokenizer_for(vocab_size: int):
    """A BPE tokenizer of the recipe's size, learned on codeling's own source (only its size and
    special ids matter here: the token ids below are synthetic)."""
    texts = [p.read_text() for p in sorted((ROOT / "src" / "codeling").rglob("*.py"))]
    return learn_tokenizer(texts, vocab_size)


def synthetic_batch(tokenizer, batch: int, seed: int) -> list[tuple[list[int], int, float]]:
    """`batch` completions in groups of GROUP: (token ids with BOS and EOS, start of the completion,
    advantage). Each group shares one prompt; rewards are binary with at least one pass and one fail."""
    rng = np.random.default_rng(seed)
    special = {tokenizer.bos_id, tokenizer.eos_id, tokenizer.pad_id}
    normal = np.array([t for t in range(tokenizer.vocab_size) if t not in special])
    examples = []
    for _ in range(batch // GROUP):
        prompt = rng.choice(normal, int(rng.integers(50, 71))).tolist()
        rewards = [float(r) for r in rng.integers(0, 2, GROUP)]
        rewards[0], rewards[1] = 1.0, 0.0
        for a in advantages(rewards):
            completion = rng.choice(normal, int(rng.integers(40, 81))).tolist()
            ids = [tokenizer.bos_id, *prompt, *completion, tokenizer.eos_id]
            examples.append((ids, 1 + len(prompt), a))
    return examples


class Codeling:
    """The trainer's policy step on a run prepared as `codeling improve --update grpo` prepares one."""

    def __init__(self, config: Config, run_dir: Path):
        self.stop = skeleton.StopFlag()
        self.state = trainer.start(
            config, run_dir, False, skeleton.ignore, World(), torch.device("cpu"), time.monotonic
        )
        self.state.model.train()

    def steps(self, n: int) -> tuple[float, int]:
        """Seconds and counted completion tokens of n steps."""
        seconds, tokens = 0.0, 0
        state = self.state
        for _ in range(n):
            offsets = state.batches.offsets(state.step, state.split.global_batch(state.world))
            tokens += int((state.batches.policy_batch(offsets)[1] != IGNORE).sum())  # the batch the step draws
            t0 = time.perf_counter()
            trainer.train_step(state, self.stop)
            seconds += time.perf_counter() - t0
        return seconds, tokens


def trl_inputs(examples, logps) -> dict[str, torch.Tensor]:
    """The batch as GRPOTrainer's `_generate_and_score_completions` returns it: prompts left-padded,
    completions right-padded, per-sequence advantages, old per-token log-probs of the completions."""
    prompts = [ids[:start] for ids, start, _ in examples]
    completions = [ids[start:] for ids, start, _ in examples]
    width_p, width_c = max(map(len, prompts)), max(map(len, completions))
    b = len(examples)
    prompt_ids, prompt_mask = torch.zeros(b, width_p, dtype=torch.long), torch.zeros(b, width_p, dtype=torch.long)
    completion_ids = torch.zeros(b, width_c, dtype=torch.long)
    completion_mask = torch.zeros(b, width_c, dtype=torch.long)
    old = torch.zeros(b, width_c)
    for row, (p, c, lp) in enumerate(zip(prompts, completions, logps)):
        prompt_ids[row, width_p - len(p) :], prompt_mask[row, width_p - len(p) :] = torch.tensor(p), 1
        completion_ids[row, : len(c)], completion_mask[row, : len(c)] = torch.tensor(c), 1
        old[row, : len(c)] = torch.from_numpy(np.asarray(lp, dtype=np.float32))
    return {
        "prompt_ids": prompt_ids,
        "prompt_mask": prompt_mask,
        "completion_ids": completion_ids,
        "completion_mask": completion_mask,
        "advantages": torch.tensor([a for _, _, a in examples], dtype=torch.float32),
        "num_items_in_batch": completion_mask.sum(),
        "old_per_token_logps": old,
    }


class TRL:
    """GRPOTrainer.train() over precomputed completions, each optimizer step timed by a callback."""

    def __init__(self, hf_dir: Path, out: Path, inputs: dict, config: Config):
        import transformers
        from datasets import Dataset
        from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
        from trl import GRPOConfig, GRPOTrainer

        transformers.logging.set_verbosity_error()
        self.inputs, self.times = inputs, []
        times = self.times

        class Prepared(GRPOTrainer):
            def _generate_and_score_completions(self, generation_batch):
                return {k: v.clone() for k, v in inputs.items()}

        class StepTimer(TrainerCallback):
            def on_step_begin(self, args, state, control, **kwargs):
                self.t0 = time.perf_counter()

            def on_step_end(self, args, state, control, **kwargs):
                times.append(time.perf_counter() - self.t0)

        tcfg, batch = config.train, len(inputs["advantages"])
        self.args = GRPOConfig(
            output_dir=str(out),
            per_device_train_batch_size=batch,
            num_generations=GROUP,
            max_completion_length=inputs["completion_ids"].shape[1],
            loss_type="dr_grpo",  # constant normaliser, as codeling's loss
            scale_rewards="none",
            beta=0.0,
            epsilon=tcfg.clip,
            temperature=tcfg.temperature,  # the sampling temperature, as codeling's loss and old log-probs
            learning_rate=tcfg.lr,
            weight_decay=tcfg.weight_decay,
            adam_beta1=tcfg.beta1,
            adam_beta2=tcfg.beta2,
            max_grad_norm=tcfg.grad_clip,
            optim="adamw_torch",
            max_steps=1,
            logging_steps=10**6,
            save_strategy="no",
            report_to="none",
            use_cpu=True,
            bf16=False,
            disable_tqdm=True,
            dataloader_num_workers=0,
            seed=0,
        )
        model = AutoModelForCausalLM.from_pretrained(str(hf_dir), dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(str(hf_dir))
        self.trainer = Prepared(
            model=model,
            reward_funcs=lambda completions, **kw: [0.0] * len(completions),
            args=self.args,
            train_dataset=Dataset.from_dict({"prompt": ["x"] * (4 * batch)}),
            processing_class=tokenizer,
            callbacks=[StepTimer()],
        )
        self.model = model

    def steps(self, n: int) -> tuple[float, int]:
        self.times.clear()
        self.args.max_steps = n
        self.trainer.state.max_steps = n
        self.trainer.train()
        assert len(self.times) == n, self.times
        return sum(self.times), n * int(self.inputs["completion_mask"].sum())


def logp_difference(model, examples, logps) -> float:
    """Largest |log p| difference between the exported transformers model and codeling's old
    log-probabilities over the completions' tokens: the two models are the same function."""
    worst = 0.0
    with torch.no_grad():
        for (ids, start, _), lp in zip(examples, logps):
            x = torch.tensor([ids])
            logits = model(input_ids=x).logits.float()
            theirs = torch.log_softmax(logits[0, :-1], -1).gather(-1, x[0, 1:, None])[:, 0][start - 1 :]
            worst = max(worst, float((theirs - torch.from_numpy(np.asarray(lp))).abs().max()))
    return worst


def gradient_agreement(ours: Codeling, theirs: TRL) -> dict:
    """Both losses' gradients at the shared starting weights, on the whole batch, compared on the
    token embedding (the same matrix in both layouts, tied to the head in both): the cosine, and the
    ratio of norms, which the loss normalisers set (codeling divides by rows x block_size, TRL's
    dr_grpo by rows x max_completion_length)."""
    state = ours.state
    x, y, advantage, old = state.batches.policy_batch(np.asarray(state.batches.split.starts, dtype=np.int64))
    loss, _ = policy_loss(state.model, None, x, y, advantage, old, state.config.train)
    loss.backward()
    g_ours = state.model.wte.weight.grad.detach().clone()
    state.optimizer.zero_grad(set_to_none=True)
    trainer = theirs.trainer
    trainer.current_gradient_accumulation_steps = 1
    theirs.model.train()
    trainer.compute_loss(theirs.model, {k: v.clone() for k, v in theirs.inputs.items()}).backward()
    g_theirs = theirs.model.get_input_embeddings().weight.grad.detach().clone()
    theirs.model.zero_grad(set_to_none=True)
    return {
        "embedding_gradient_cosine": float(
            torch.nn.functional.cosine_similarity(g_ours.flatten(), g_theirs.flatten(), 0)
        ),
        "norm_ratio_codeling_over_trl": float(g_ours.norm() / g_theirs.norm()),
        "expected_norm_ratio": theirs.args.max_completion_length / state.batches.block_size,
    }


def bench_recipe(name: str, batch: int, steps: int, rounds: int, work: Path) -> dict:
    settings = improve_settings.load(name, overrides=["update=grpo", f"data.batch_size={batch}"])
    tokenizer = tokenizer_for(settings.vocab_size)
    data_dir, ckpt_dir = work / "data", work / "init"
    config = improve_settings.training_config(settings, data_dir, 10**6, ckpt_dir, policy=True)
    config.model.vocab_size = tokenizer.vocab_size
    torch.manual_seed(0)
    model = GPT(config.model)
    save_checkpoint(ckpt_dir, model, config, tokenizer)
    examples = synthetic_batch(tokenizer, batch, seed=0)
    logps = completion_logps(ckpt_dir, [(ids, start) for ids, start, _ in examples], config.train.temperature)
    val = SplitArrays.from_examples((ids, [0] * start + [1] * (len(ids) - start)) for ids, start, _ in examples)
    write_shards(data_dir, {"train": policy_arrays(examples, logps), "val": val}, tokenizer)

    ours = Codeling(config, work / "run")
    hf_dir = export_hf(ckpt_dir, work / "hf")
    theirs = TRL(hf_dir, work / "trl", trl_inputs(examples, logps), config)
    difference = logp_difference(theirs.model, examples, logps)
    agreement = gradient_agreement(ours, theirs)
    contenders = {"codeling": ours, "trl": theirs}
    for contender in contenders.values():  # warm-up: allocator, optimizer state, TRL's first train()
        contender.steps(1)
    rates: dict[str, list[float]] = {k: [] for k in contenders}
    step_s: dict[str, list[float]] = {k: [] for k in contenders}
    for _ in range(rounds):
        for key, contender in contenders.items():
            seconds, tokens = contender.steps(steps)
            rates[key].append(tokens / seconds)
            step_s[key].append(seconds / steps)
    median = {k: statistics.median(v) for k, v in rates.items()}
    completion_tokens = [len(ids) - start for ids, start, _ in examples]
    return {
        "recipe": name,
        "model": {
            **config.model.model_dump(include={"n_layer", "n_head", "n_embd", "block_size", "vocab_size", "positions"}),
            "params": model.num_params(),
            "transformers_architecture": hf_mapping(config.model).name,
            "max_abs_logp_difference": difference,
        },
        "gradients": agreement,
        "batch": {
            "completions": batch,
            "group": GROUP,
            "prompt_tokens_mean": float(np.mean([start for _, start, _ in examples])),
            "completion_tokens_mean": float(np.mean(completion_tokens)),
            "codeling_window": config.model.block_size,
            "trl_padded_length": theirs.inputs["prompt_ids"].shape[1] + theirs.inputs["completion_ids"].shape[1],
        },
        "steps_per_round": steps,
        "rounds": rounds,
        "completion_tokens_per_s": rates,
        "seconds_per_step": step_s,
        "median_completion_tokens_per_s": median,
        "median_samples_per_s": {k: batch / statistics.median(v) for k, v in step_s.items()},
        "ratio": median["codeling"] / median["trl"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipes", nargs="+", default=["cpu", "gpu"], choices=["cpu", "gpu"])
    parser.add_argument("--batch", type=int, default=16, help="completions per step (groups of 8)")
    parser.add_argument("--steps", type=int, nargs="+", default=[8, 1], help="timed steps per round, per recipe")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    try:
        import trl
    except ImportError:
        sys.exit('TRL is not installed; it is the benchmark-only extra: pip install -c constraints.txt -e ".[bench]"')

    results = []
    for i, name in enumerate(args.recipes):
        steps = args.steps[min(i, len(args.steps) - 1)]
        with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(sys.stderr):
            results.append(bench_recipe(name, args.batch, steps, args.rounds, Path(tmp)))
    import transformers

    command = "OMP_NUM_THREADS=1 python benchmarks/grpo_update.py " + " ".join(sys.argv[1:])
    path = save(
        "grpo_update",
        {
            "command": command.strip(),
            "trl": trl.__version__,
            "transformers": transformers.__version__,
            "results": results,
        },
        peers=("trl", "transformers"),
    )
    print(f"results in {path}")
    for r in results:
        m = r["model"]
        print(
            f"recipe {r['recipe']}: {m['params'] / 1e6:.2f}M params ({m['transformers_architecture']} in TRL, "
            f"max |logp| difference {m['max_abs_logp_difference']:.1e}, gradient cosine "
            f"{r['gradients']['embedding_gradient_cosine']:.6f}), {r['batch']['completions']} completions "
            f"in groups of {GROUP}, {r['rounds']} rounds of {r['steps_per_round']} steps"
        )
        for key, value in r["median_completion_tokens_per_s"].items():
            print(f"  {key:>8}: {value:,.0f} completion tokens/s, {r['median_samples_per_s'][key]:.1f} samples/s")
    for r in results:
        print(f"ratio codeling / TRL, recipe {r['recipe']}: {r['ratio']:.2f}x")


if __name__ == "__main__":
    main()
