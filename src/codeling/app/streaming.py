"""A completion as a stream of growing texts, for a page that shows it token by token.

generate_text reports through a callback on its own thread; a web handler wants a generator. The
model decodes on a worker thread and hands each text over a queue. A time limit or a closed page
stops decoding at the next token: the callback raises, which unwinds generate_text cleanly because
the KV cache belongs to that one call.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from codeling.app.inputs import check_input
from codeling.app.models import AppLimits
from codeling.errors import CodelingError
from codeling.generate import Sampling, generate_text
from codeling.train.checkpoint import Loaded


class _Stop(Exception):
    """Raised inside the model's callback to end decoding early."""


@dataclass
class Chunk:
    text: str  # the completion so far
    tokens: int  # tokens decoded so far
    seconds: float  # since the request started
    first_token_s: float | None  # when the first token arrived
    done: bool = False
    note: str = ""  # why it ended, when not by itself


def check_sampling(sampling: Sampling, prompt: str, limits: AppLimits) -> None:
    check_input(prompt, limits, "prompt")
    if not 1 <= sampling.max_new_tokens <= limits.max_new_tokens:
        raise CodelingError(f"Max tokens must be between 1 and {limits.max_new_tokens}; lower it.")
    top_p = 1.0 if sampling.top_p is None else sampling.top_p
    # Written so that NaN fails too: every comparison with NaN is false.
    if not (0 <= sampling.temperature <= 100 and 0 < top_p <= 1 and (sampling.top_k or 0) >= 0):
        raise CodelingError("Temperature must be from 0 to 100, top-k 0 or more and top-p in (0, 1].")


def stream_completion(loaded: Loaded, prompt: str, sampling: Sampling, limits: AppLimits) -> Iterator[Chunk]:
    """Chunks of the growing completion; the last has done=True. Raises CodelingError on bad input."""
    check_sampling(sampling, prompt, limits)
    texts: queue.Queue = queue.Queue()
    cancel = threading.Event()
    start = time.monotonic()
    deadline = start + limits.request_timeout_s
    outcome: dict = {}

    def on_text(so_far: list[str]) -> None:
        if cancel.is_set() or time.monotonic() > deadline:
            raise _Stop
        texts.put(so_far[0])

    def work() -> None:
        try:
            outcome["text"] = generate_text(loaded.model, loaded.tokenizer, [prompt], sampling, on_text=on_text)[0]
        except _Stop:
            outcome["stopped"] = True
        except Exception as e:  # shown on the page; the server keeps serving
            outcome["error"] = e
        finally:
            texts.put(None)

    threading.Thread(target=work, daemon=True, name="codeling-generate").start()
    yield from _drain(texts, cancel, start, outcome, limits)


def _drain(texts: queue.Queue, cancel: threading.Event, start: float, outcome: dict, limits: AppLimits):
    text, tokens, first = "", 0, None
    try:
        while (item := texts.get()) is not None:
            tokens += 1
            first = first if first is not None else time.monotonic() - start
            text = item
            yield Chunk(text, tokens, time.monotonic() - start, first)
    finally:
        cancel.set()  # the page went away (the generator was closed): stop the model too
    if "error" in outcome:
        error = outcome["error"]
        raise error if isinstance(error, CodelingError) else CodelingError(f"Generation failed: {error}")
    note = ""
    if outcome.get("stopped"):
        note = f"Stopped at the time limit of {limits.request_timeout_s:g} s; this is the text made so far."
    final = outcome.get("text", text)
    yield Chunk(final, tokens, time.monotonic() - start, first, done=True, note=note)
