"""Every value a request brings, checked before any work starts.

Gradio's widgets send only what they allow, but its HTTP API takes whatever a client sends: a
string where a slider sends a number, NaN, 1e30, a lone surrogate. Each check here turns such a
value into one sentence saying which input is wrong and what it may be.
"""

from __future__ import annotations

from codeling.errors import CodelingError


def check_input(text, limits, what: str = "input") -> str:
    """`text` as typed, when it is text within the length limit."""
    if not isinstance(text, str):
        raise CodelingError(f"The {what} must be text; type it into the box.")
    if len(text) > limits.max_input_chars:
        raise CodelingError(
            f"The {what} is {len(text):,} characters long; the limit is {limits.max_input_chars:,}, so shorten it."
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CodelingError(f"The {what} holds a lone surrogate, which is not text; retype that character.") from None
    return text


def number(value, what: str, low: float, high: float, whole: bool = False) -> float | int:
    """`value` as a float (an int when `whole`), when it is a finite number from low to high."""
    span = f"{low:,} to {high:,}" if whole else f"{low:g} to {high:g}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CodelingError(f"{what} must be a number from {span}.")
    # Compared before any conversion: an int of 400 digits has no float, and NaN compares false.
    if not low <= value <= high:
        shown = f"{value:.6g}" if isinstance(value, float) else _whole(value)
        raise CodelingError(f"{what} must be a number from {span}, not {shown}.")
    if whole:
        if value != int(value):
            raise CodelingError(f"{what} must be a whole number, not {value!r}.")
        return int(value)
    return float(value)


def _whole(value: int) -> str:
    """A whole number as a child reads it: its digits when they fit on a line, else no digits at all
    (printing a 5,000-digit int is slow and says nothing)."""
    return f"{value:,}" if abs(value) < 10**15 else "a number that large"
