"""CPython as the reference: what `exec` prints and what `sys.settrace` sees.

Used only to verify the interpreter and tracer (tests, benchmarks) and as the benchmark's baseline
generator. It executes the program, so give it TinyPy programs only: they run with no builtins but
`print` (captured) and `range`.
"""

from __future__ import annotations

import sys

from codeling.tinypy.trace import Step, printed_text, render, state_text


def _namespace(printed: list[str]) -> dict:
    def capture(*args):
        printed.append(" ".join(str(a) for a in args))

    return {"__builtins__": {"print": capture, "range": range}}


def _variables(namespace: dict) -> dict:
    return {k: v for k, v in namespace.items() if k != "__builtins__"}


def cpython_output(text: str) -> list[str]:
    """The lines CPython prints running `text` (exceptions propagate)."""
    printed: list[str] = []
    exec(compile(text, "<tinypy>", "exec"), _namespace(printed))
    return printed


def settrace_trace(text: str) -> str:
    """The trace of `text` built from CPython's own line events."""
    code = compile(text, "<tinypy>", "exec")
    printed: list[str] = []
    namespace = _namespace(printed)
    steps: list[Step] = []

    def tracer(frame, event, arg):
        if frame.f_code is not code:
            return None
        if event == "line":
            steps.append(Step(frame.f_lineno, state_text(_variables(namespace)), printed_text(printed)))
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        exec(code, namespace)
    finally:
        sys.settrace(previous)
    return render(text.split("\n"), steps, state_text(_variables(namespace)), printed_text(printed))
