"""GRPO, piece by piece: rewards from verdicts, group advantages, the policy loss, its data, resume."""

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch

from codeling.config import Config, ModelConfig, TrainConfig, load_config
from codeling.data.batches import IGNORE, BatchSampler
from codeling.data.shards import Shards, SplitArrays, write_shards
from codeling.evals.run import BenchmarkProblem, execute
from codeling.improve import load
from codeling.improve.data import learn_tokenizer
from codeling.improve.grpo import advantages, completion_logps, policy_arrays, reward
from codeling.model import GPT
from codeling.sandbox import Limits, SandboxConfig
from codeling.train.checkpoint import load_checkpoint, save_checkpoint
from codeling.train.policy import policy_loss
from codeling.train.trainer import train

TEXT = "def f(x):\n    return x + 1\n" * 4


def test_equal_rewards_carry_no_signal_and_the_group_mean_is_subtracted():
    assert advantages([1.0, 1.0, 1.0]) is None and advantages([0.0, 0.0]) is None and advantages([1.0]) is None
    assert advantages([1.0, 0.0, 0.0, 0.0]) == [0.75, -0.25, -0.25, -0.25]  # Dr. GRPO: not divided by the std
    # Without a baseline a group that all passed carries its rewards; one that all failed, nothing.
    assert advantages([1.0, 1.0], baseline="none") == [1.0, 1.0] and advantages([0.0, 0.0], baseline="none") is None
    scaled = advantages([1.0, 0.0], scale=True)
    assert scaled[0] == pytest.approx(1.0, abs=1e-3) and scaled[1] == pytest.approx(-1.0, abs=1e-3)


def test_rewards_follow_the_verdict_and_a_hard_coded_pass_earns_a_failure():
    assert [reward(o, False, "binary") for o in ("passed", "failed_test", "compile_error")] == [1.0, 0.0, 0.0]
    graded = [reward(o, False, "graded") for o in ("compile_error", "runtime_error", "failed_test", "passed")]
    assert graded == [-1.0, -0.6, -0.3, 1.0]
    assert reward("passed", True, "graded") == -0.3 and reward("passed", True, "binary") == 0.0
    assert reward(None, False, "graded") == -1.0  # a sample never judged is worth nothing


@pytest.mark.usefixtures("bwrap")
def test_a_program_that_prints_passed_or_exits_0_early_is_not_rewarded():
    tests = "\n\ndef check(candidate):\n    assert candidate(1) == 2\n\n\ncheck(f)\n"
    problem = BenchmarkProblem("t", "def f(x):\n", tests, {})
    cheats = [
        "    print('PASSED'); print('ok'); return 0\n",  # the test runner's words on stdout
        "    import os; print('ok', flush=True); os._exit(0)\n",  # exit 0 before the tests finish
    ]
    results = execute([problem], [cheats + ["    return x + 1\n"]], Limits(timeout_s=5), SandboxConfig(mode="bwrap"))
    assert [r.outcome for r in results] == ["failed_test", "runtime_error", "passed"]
    assert [reward(r.outcome, False, "binary") for r in results] == [0.0, 0.0, 1.0]


def tiny_model(vocab: int, block: int = 64, seed: int = 0) -> tuple[GPT, Config]:
    config = Config(model=ModelConfig(vocab_size=vocab, block_size=block, n_layer=1, n_head=2, n_embd=16))
    torch.manual_seed(seed)
    return GPT(config.model), config


def test_the_loss_touches_only_completion_tokens():
    model, _ = tiny_model(20)
    x = torch.randint(0, 20, (2, 10))
    targets = x.roll(-1, 1).clone()
    targets[:, :4] = IGNORE  # the prompt
    advantage = torch.full((2, 10), 0.5)
    old = torch.full((2, 10), -3.0)
    logits = model(x)[0].detach().requires_grad_(True)
    loss, stats = policy_loss(lambda _: (logits, None), None, x, targets, advantage, old, TrainConfig())
    loss.backward()
    assert logits.grad[:, :4].abs().sum() == 0 and logits.grad[:, 4:].abs().sum() > 0
    assert 0 < stats["entropy"] <= np.log(20) + 1e-5
    # What the prompt's positions carry changes nothing.
    advantage[:, :4], old[:, :4] = 100.0, 5.0
    again, _ = policy_loss(lambda _: (logits, None), None, x, targets, advantage, old, TrainConfig())
    assert torch.equal(loss, again)


def policy_shards(tmp_path, tokenizer, checkpoint):
    """Three completions of one prompt with advantages, their log-probs from `checkpoint`."""
    prompt = tokenizer.encode("def f(x):\n")
    completions = [tokenizer.encode(c) for c in ("    return x + 1\n", "    return 1\n", "    return x\n")]
    examples = [
        ([tokenizer.bos_id, *prompt, *c, tokenizer.eos_id], 1 + len(prompt), a)
        for c, a in zip(completions, (2 / 3, -1 / 3, -1 / 3))
    ]
    logps = completion_logps(checkpoint, [(ids, start) for ids, start, _ in examples])
    train_arrays = policy_arrays(examples, logps)
    val = SplitArrays.from_examples([(ids, [0] * start + [1] * (len(ids) - start)) for ids, start, _ in examples])
    write_shards(tmp_path / "data", {"train": train_arrays, "val": val}, tokenizer)
    return tmp_path / "data", examples


def test_old_log_probs_are_the_sampling_models_so_the_first_ratio_is_one(tmp_path):
    tokenizer = learn_tokenizer([TEXT], 300)
    model, config = tiny_model(tokenizer.vocab_size)
    checkpoint = save_checkpoint(tmp_path / "ckpt", model, config, tokenizer)
    data, examples = policy_shards(tmp_path, tokenizer, checkpoint)
    sampler = BatchSampler(Shards(data).split("train"), 64, seed=0)
    x, y, advantage, old = sampler.policy_batch(np.asarray(sampler.split.starts, dtype=np.int64))
    for row, (ids, start, a) in enumerate(examples):
        counted = (y[row] != IGNORE).nonzero().flatten().tolist()
        assert counted == list(range(start - 1, len(ids) - 1))  # the completion and EOS, nothing of the next example
        assert torch.all(advantage[row, counted] == torch.tensor(a, dtype=torch.float32))
    logp = torch.log_softmax(load_checkpoint(checkpoint).model(x)[0], -1).gather(-1, y.clamp(min=0)[..., None])[..., 0]
    counted = y != IGNORE
    assert torch.allclose(logp[counted], old[counted], atol=1e-5)
    _, stats = policy_loss(load_checkpoint(checkpoint).model, None, x, y, advantage, old, TrainConfig())
    assert stats["clipped"] == 0 and stats["kl"] == 0


def grpo_options(data, checkpoint, *extra) -> list[str]:
    return [
        f"data.dir={data}", "model.n_layer=1", "model.n_head=2", "model.n_embd=16", "model.block_size=64",
        "data.batch_size=4", "train.objective=policy", f"train.init_from={checkpoint}", "train.lr=1e-2",
        "train.warmup_steps=0", "train.eval_every=5", "train.eval_batches=1", "log.tensorboard=false",
        "log.every_steps=1", "checkpoint.every_steps=1000", *extra,
    ]  # fmt: skip


def grpo_config(data, checkpoint, *extra):
    return load_config(preset="tiny", overrides=grpo_options(data, checkpoint, *extra))


def test_the_policy_update_raises_the_better_completion_and_resumes_bit_identical(tmp_path):
    tokenizer = learn_tokenizer([TEXT], 300)
    model, config = tiny_model(tokenizer.vocab_size)
    checkpoint = save_checkpoint(tmp_path / "ckpt", model, config, tokenizer)
    data, examples = policy_shards(tmp_path, tokenizer, checkpoint)
    cfg = grpo_config(data, checkpoint, "train.max_steps=16", "train.kl=0.04")
    train(cfg, tmp_path / "straight")

    def stop_at_6(event):
        if event.kind == "step" and event.step == 6:
            os.kill(os.getpid(), signal.SIGTERM)

    assert train(cfg, tmp_path / "stopped", progress=stop_at_6).stopped == "interrupted"
    train(cfg, tmp_path / "stopped", resume=True)
    weights = [(tmp_path / run / "latest" / "model.safetensors").read_bytes() for run in ("straight", "stopped")]
    assert weights[0] == weights[1]
    rows = [json.loads(line) for line in (tmp_path / "straight" / "metrics.jsonl").read_text().splitlines()]
    assert {"entropy", "clipped", "kl"} <= set(next(r for r in rows if r["split"] == "train"))
    # The completion with the positive advantage gained on the others (they share a prefix, which rose).
    before, after = (completion_logps(c, [(i, s) for i, s, _ in examples]) for c in (checkpoint, tmp_path / "straight"))
    gains = [float(a.sum() - b.sum()) for a, b in zip(after, before)]
    assert gains[0] > 0 and gains[0] > gains[1] + 1 and gains[0] > gains[2] + 1


def train_rows(run) -> list[dict]:
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return [r for r in rows if r["split"] == "train"]


@pytest.mark.slow  # starts torchrun: about 6 s a case on two cores (--durations)
@pytest.mark.parametrize(
    "split",
    [["data.grad_accum=2", "data.batch_size=4"], ["data.grad_accum=1", "data.batch_size=8"]],
    ids=["accumulation-shared", "micro-batch-split"],
)
def test_the_policy_update_under_torchrun_trains_like_one_process(tmp_path, split):
    """Two DDP processes (gloo on loopback) log one process's losses and end with its weights, KL
    reference included, whether they share out the accumulation steps or (grad_accum=1) split each
    micro-batch. In the split, each rank trims its half to its own longest example where one process
    trims the whole: they agree because the loss divides by the window, not the trimmed width."""
    tokenizer = learn_tokenizer([TEXT], 300)
    model, config = tiny_model(tokenizer.vocab_size)
    checkpoint = save_checkpoint(tmp_path / "ckpt", model, config, tokenizer)
    data, _ = policy_shards(tmp_path, tokenizer, checkpoint)
    options = grpo_options(data, checkpoint, "train.max_steps=4", "train.kl=0.04", *split)
    cfg = load_config(preset="tiny", overrides=options)
    sampler = BatchSampler(Shards(data).split("train"), 64, seed=cfg.train.seed)
    halves = (slice(0, 4), slice(4, 8))  # rank 0's rows of a step and rank 1's
    widths = [[sampler.policy_batch(sampler.offsets(s, 8)[h])[0].shape[1] for h in halves] for s in range(4)]
    assert any(a != b for a, b in widths)  # the ranks' batches do differ in width at some step
    train(cfg, tmp_path / "single")

    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    sets = [a for o in options for a in ("--set", o)]
    args = ["train", "--preset", "tiny", "--data", str(data), "--out", str(tmp_path / "ddp"), *sets]
    command = [*launcher, "-m", "codeling", *args]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GLOO_SOCKET_IFNAME": "lo"}  # gloo on loopback only
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]

    single, ddp = train_rows(tmp_path / "single"), train_rows(tmp_path / "ddp")
    assert [r["step"] for r in ddp] == [r["step"] for r in single] == [1, 2, 3, 4]
    for ours, theirs in zip(ddp, single):
        assert ours["loss"] == pytest.approx(theirs["loss"], rel=1e-5), ours["step"]
        assert {"entropy", "clipped", "kl"} <= set(ours)  # rank 0's own statistics: not compared
    assert ddp[-1]["kl"] > 0  # the reference model was in the loss
    ours, theirs = (load_checkpoint(tmp_path / run / "latest").model.state_dict() for run in ("ddp", "single"))
    for name, weight in ours.items():
        # DDP averages the ranks' gradients where one process sums its halves'; only rounding may differ.
        assert torch.allclose(weight, theirs[name], rtol=1e-5, atol=1e-6), (name, (weight - theirs[name]).abs().max())


def test_grpo_runs_from_the_entry_point_and_refuses_what_it_cannot_do(tmp_path):
    def codeling(*args):
        return subprocess.run([sys.executable, "-m", "codeling", *args], capture_output=True, text=True)

    bad = codeling("improve", "--out", str(tmp_path / "a"), "--update", "ppo")
    assert bad.returncode == 2 and "update" in bad.stderr and "Traceback" not in bad.stderr
    both = codeling("improve", "--out", str(tmp_path / "b"), "--update", "grpo", "--oracle")
    assert both.returncode == 2 and "oracle" in both.stderr and not (tmp_path / "b").exists()
    run = tmp_path / "smoke"
    # Both rules in one run: a round of expert iteration, then a GRPO round from its model.
    sets = ["--set", "reward=graded", "--set", "anchor=0.5", "--set", "replay=0.5"]
    sets += ["--set", "rounds=2", "--set", "sft_rounds=1"]
    done = codeling("improve", "--preset", "smoke", "--update", "grpo", *sets, "--out", str(run))
    assert done.returncode == 0, done.stderr
    first, row = (json.loads(line) for line in (run / "rounds.jsonl").read_text().splitlines()[1:])
    assert first["update"] == "sft" and "grpo" not in first and first["samples"] > 0
    assert row["update"] == "grpo"
    found = row["grpo"]
    assert found["groups"] == row["samples"] // 2 and found["mean_reward"] is not None
    # The anchor: one seed reference for every sampled example the update learns from.
    assert found["anchor_examples"] == found["groups_with_signal"] * 2
    # The replay: as many of round 1's kept solutions, when it kept any.
    assert found["replay_examples"] == (found["anchor_examples"] if first["dataset_size"] else 0)
    alone = codeling("improve", "--out", str(tmp_path / "c"), "--set", "sft_rounds=1")
    assert alone.returncode == 2 and "update=grpo" in alone.stderr and not (tmp_path / "c").exists()
    # train.kl is the policy update's: the base model, trained first, has no model to be near.
    assert load("smoke", overrides=["update=grpo", "train.kl=0.04"]).train.kl == 0.04


def test_both_rules_draw_each_rounds_own_group_size():
    both = load("cpu", overrides=["update=grpo", "sft_rounds=2"])
    assert [both.update_in(r) for r in (1, 2, 3)] == ["sft", "sft", "grpo"]
    # Equal samples a round: 3,200 tasks x 1 for expert iteration, 400 x 8 for GRPO.
    assert [both.tasks_per_difficulty(r) for r in (2, 3)] == [3200, 400]


def test_a_grpo_run_may_reuse_a_base_model_trained_without_its_policy_settings():
    from codeling.improve.loop import base_settings

    plain = load("smoke")
    policy = load("smoke", overrides=["update=grpo", "train.kl=0.04", "train.clip=0.1"])
    assert base_settings(plain) == base_settings(policy)
    assert base_settings(plain) != base_settings(load("smoke", overrides=["model.n_layer=2"]))


def test_replay_mixes_earlier_rounds_kept_solutions_in_at_their_advantage(tmp_path):
    from types import SimpleNamespace

    from codeling.improve.grpo import policy_data
    from codeling.improve.store import Store

    tokenizer = learn_tokenizer([TEXT], 300)
    model, config = tiny_model(tokenizer.vocab_size)
    checkpoint = save_checkpoint(tmp_path / "ckpt", model, config, tokenizer)
    store = Store(tmp_path / "dataset.sqlite")
    store.add_tasks(
        [{"task_id": "t", "entry_point": "f", "prompt": "def f(x):\n", "tests": "assert f(1) == 2"}], "x", 1
    )
    task = store.tasks()[0].id

    def checked_round(r: int, verdicts: dict[str, str]) -> None:
        store.add_samples(r, f"model-{r}", {task: list(verdicts)})
        rows = store.round_samples(r)
        store.record_checks(
            [(row["sample"], verdicts[row["completion"]], 0.1, row["completion"], 1.0, False) for row in rows]
        )
        store.add_version(r, [row["sample"] for row in rows if verdicts[row["completion"]] == "passed"])

    checked_round(1, {"    return x + 1\n": "passed"})
    checked_round(2, {"    return 1 + x\n": "passed", "    return x\n": "failed_test"})
    settings = load("smoke", overrides=["update=grpo", "anchor=0", "replay=2", "follow_plan=false"])
    seed = ([("def f(x):\n", "    return x + 1\n")],) * 2
    found = policy_data(SimpleNamespace(settings=settings, store=store), 2, checkpoint, tmp_path / "data", seed)
    # Two sampled examples (one group with signal), as many replayed from round 1's version, no anchor.
    assert (found["groups_with_signal"], found["replay_examples"], found["anchor_examples"]) == (1, 2, 0)
    advantages_seen = Shards(tmp_path / "data").split("train").advantage
    assert sorted(set(np.round(advantages_seen[advantages_seen != 0], 3))) == [-0.5, 0.5, 2.0]
