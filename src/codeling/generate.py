"""Sampling from a GPT: greedy or temperature / top-k / top-p, with a KV cache, stop tokens and stop
strings, several prompts (or several samples of one prompt) decoded together in one batch.

Prompts of different lengths are left-padded; each row gets its own positions and a key mask, so a
batched row decodes exactly as it would alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch

from codeling.decoder import Decoder
from codeling.errors import CodelingError
from codeling.model import GPT
from codeling.tokenizers import Tokenizer


@dataclass
class Sampling:
    max_new_tokens: int = 200
    temperature: float = 1.0  # 0 means greedy
    top_k: int | None = None
    top_p: float | None = None
    seed: int = 0
    stop: list[str] = field(default_factory=list)  # stop strings: the text is cut before them

    def check(self) -> None:
        if self.max_new_tokens < 0:
            raise CodelingError("max_new_tokens must be 0 or more.")
        if self.temperature < 0:
            raise CodelingError("temperature must be 0 (greedy) or more.")
        if self.top_k is not None and self.top_k < 1:
            raise CodelingError("top_k must be at least 1 (or left unset).")
        if self.top_p is not None and not 0 < self.top_p <= 1:
            raise CodelingError("top_p must be in (0, 1] (or left unset).")


def pick_next(logits: torch.Tensor, s: Sampling, generator: torch.Generator | None) -> torch.Tensor:
    """Next token per row from last-position logits (B, vocab)."""
    if s.temperature == 0:  # max's indices: argmax's (the first of ties), and a little cheaper
        return logits.max(dim=-1).indices
    logits = logits.float() / s.temperature
    if s.top_k is not None:
        kth = torch.topk(logits, min(s.top_k, logits.size(-1)), dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if s.top_p is not None and s.top_p < 1:
        # Nucleus: keep the smallest set of top tokens whose probability reaches top_p.
        sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
        cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
        drop = cumulative - sorted_logits.softmax(dim=-1) >= s.top_p
        sorted_logits = sorted_logits.masked_fill(drop, float("-inf"))
        logits = torch.full_like(logits, float("-inf")).scatter(-1, order, sorted_logits)
    probs = logits.softmax(dim=-1)
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)


SMALL_MODEL = 5_000_000  # parameters below which decoding one token is too little work to share


@contextmanager
def one_thread_if_small(model: GPT):
    """Decode a small model on one CPU thread. Its steps are too small to share between threads, and
    on busy cores the threads wait for each other: measured, a chunk of the improvement loop's
    sampling (64 completions of the 0.43M model) took 60 s on two threads against 2.2 s on one while
    other jobs kept the two cores busy, and a fix took 2.9 s against 0.6 s."""
    cpu = next(model.parameters()).device.type == "cpu"
    if not cpu or model.num_params() >= SMALL_MODEL:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@torch.inference_mode()  # no_grad plus no version counters: less work per small op
def generate_ids(
    model: GPT,
    prompts: Sequence[Sequence[int]],
    sampling: Sampling,
    stop_ids: Sequence[int] = (),
    on_step: Callable[[list[list[int]]], bool | None] | None = None,
    compile: bool = False,
) -> list[list[int]]:
    """New token ids for each prompt (the prompt itself not included), ending at a stop id (kept
    out of the result) or after max_new_tokens. `on_step(outputs_so_far)` may return True to stop.
    `compile` compiles the one-token step (see decoder.py); the tokens are the same either way."""
    sampling.check()
    if not prompts:
        return []
    if any(len(p) == 0 for p in prompts):
        raise CodelingError("A prompt is empty; give at least one token (most tokenizers have a BOS token for this).")
    was_training = model.training
    model.eval()
    decoder = Decoder(model, compile=compile)
    block = model.config.block_size
    generator = None
    if sampling.temperature > 0:
        generator = torch.Generator(device=decoder.device).manual_seed(sampling.seed)
    stop_set = set(stop_ids)
    outputs: list[list[int]] = [[] for _ in prompts]
    done = [False] * len(prompts)
    # The whole history per row (prompt + generated), kept to refill the cache when it is full.
    history = [list(p) for p in prompts]

    def window(rows: list[list[int]]) -> list[list[int]]:
        # Learned positions cannot go past block_size: keep the most recent half a block, as the
        # model saw windows starting anywhere in training.
        limit = block if model.wpe is not None else None
        return [r[-(limit // 2) :] if limit and len(r) >= limit else r for r in rows]

    logits = decoder.prefill(window(history), sampling.max_new_tokens)
    for step_number in range(sampling.max_new_tokens):
        next_ids = pick_next(logits, sampling, generator)
        tokens = next_ids.tolist()
        for row, token in enumerate(tokens):
            if done[row]:
                continue
            if token in stop_set:
                done[row] = True
                continue
            outputs[row].append(token)
            history[row].append(token)
        if all(done) or (on_step is not None and on_step(outputs)) or step_number == sampling.max_new_tokens - 1:
            break
        if decoder.full:
            logits = decoder.prefill(window(history), sampling.max_new_tokens - step_number - 1)
            continue
        logits = decoder.step(next_ids)
    model.train(was_training)
    return outputs


def cut_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """Text up to the first stop string, and whether one was found."""
    cut = min((i for i in (text.find(s) for s in stops if s) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def prompt_ids(tokenizer: Tokenizer, prompt: str) -> list[int]:
    """What a prompt is decoded from: BOS first where the tokenizer has one, as in training. Without
    a BOS, an empty prompt (an unconditional sample) starts from a newline, as nanoGPT's sample.py does."""
    ids = tokenizer.encode(prompt)
    if tokenizer.bos_id is not None:
        return [tokenizer.bos_id, *ids]
    if not ids:
        try:
            ids = tokenizer.encode("\n")
        except CodelingError:
            raise CodelingError(
                "The prompt is empty and this tokenizer has no BOS token or newline to start from; pass --prompt TEXT."
            ) from None
    return ids


def generate_text(
    model: GPT,
    tokenizer: Tokenizer,
    prompts: Sequence[str],
    sampling: Sampling,
    num_samples: int = 1,
    on_text: Callable[[list[str]], None] | None = None,
) -> list[str]:
    """Completions for each prompt (num_samples per prompt, prompt-major order), stopped at EOS or
    at any of sampling.stop. `on_text(texts_so_far)` streams the decoded completions."""
    encoded = [prompt_ids(tokenizer, p) for p in prompts for _ in range(num_samples)]
    stop_ids = [tokenizer.eos_id] if tokenizer.eos_id is not None else []

    def on_step(outputs: list[list[int]]) -> bool:
        texts = [tokenizer.decode(o) for o in outputs]
        if on_text is not None:
            on_text([cut_at_stop(t, sampling.stop)[0] for t in texts])
        return bool(sampling.stop) and all(cut_at_stop(t, sampling.stop)[1] for t in texts)

    outputs = generate_ids(model, encoded, sampling, stop_ids, on_step if (on_text or sampling.stop) else None)
    return [cut_at_stop(tokenizer.decode(o), sampling.stop)[0] for o in outputs]
