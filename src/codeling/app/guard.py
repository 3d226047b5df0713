"""The one way a page handler fails: a sentence on the page, never Gradio's bare "Error".

A CodelingError is the user's to fix and is shown as it is. Anything else is codeling's fault: its
traceback goes to the server's log, once, and the page says that it happened and where to look.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable

from codeling.errors import CodelingError

log = logging.getLogger("codeling.app")

# Every event listener takes its inputs raw (preprocess=False): Gradio's own preprocessing fails
# a value its widget would not send (a string for a Number) with a bare "Error" before the handler
# runs, so the handlers check every value themselves (inputs.py) and say what is wrong.
RAW = {"preprocess": False}


def sentence(error: Exception) -> str:
    """What the page says about `error`, as plain text (a Markdown output escapes it: it may quote a
    file or a typed value)."""
    if isinstance(error, CodelingError):
        return f"⚠️ {error}"
    log.error("a page handler failed", exc_info=error)
    return f"⚠️ Something went wrong inside codeling ({type(error).__name__}); the server's log has the details."


def guarded(fallback: Callable[[str], object]) -> Callable:
    """Decorate a handler (a function or a generator): any exception becomes `fallback(sentence)`,
    the handler's outputs for a failure."""

    def wrap(handler: Callable) -> Callable:
        if inspect.isgeneratorfunction(handler):

            @functools.wraps(handler)
            def stream(*args):
                try:
                    yield from handler(*args)
                except Exception as e:
                    yield fallback(sentence(e))

            return stream

        @functools.wraps(handler)
        def call(*args):
            try:
                return handler(*args)
            except Exception as e:
                return fallback(sentence(e))

        return call

    return wrap
