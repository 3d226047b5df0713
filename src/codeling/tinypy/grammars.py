"""The two TinyPy grammars and the knobs each takes: `levels` (the 2024 levels, tinypy/builder.py)
and `codetracing` (the 2025 challenge's random programs, tinypy/codetracing.py).

The verbs that draw programs (`tinypy generate`, `tinypy data`, the recipes) take the same options
for both; which of them a grammar accepts, and what its defaults are, is decided here once.
"""

from __future__ import annotations

from dataclasses import dataclass

from codeling.errors import CodelingError
from codeling.tinypy.builder import Knobs
from codeling.tinypy.codetracing import CodeTracingKnobs

NAMES = ("levels", "codetracing")


def check(grammar: str) -> None:
    if grammar not in NAMES:
        raise CodelingError(f"Unknown grammar {grammar!r}; choose levels or codetracing.")


def parse_range(text: str | None, option: str) -> tuple[int, int] | None:
    """'3' -> (3, 3); '1-5' -> (1, 5); None stays None."""
    if text is None:
        return None
    try:
        low, _, high = text.partition("-")
        return (int(low), int(high or low))
    except ValueError:
        raise CodelingError(f"{option} {text!r} is not a range; write it as LOW-HIGH, e.g. 1-5.") from None


@dataclass(frozen=True)
class KnobOptions:
    """The knob options as a verb received them: ranges as LOW-HIGH text, None where not given."""

    levels: str = "ALL"
    literals: str | None = "0-255"
    loop_iterations: str | None = None
    inits: str | None = None
    extra_statements: str = "0"
    depth: int | None = None
    variables: int = 26
    statements: str | None = None


def knobs(grammar: str, given: KnobOptions) -> Knobs | CodeTracingKnobs:
    """The knobs of `grammar` from the options, refusing those only the other grammar takes."""
    check(grammar)
    if grammar == "codetracing":
        return _codetracing_knobs(given)
    if given.statements is not None:
        raise CodelingError("--statements applies to --grammar codetracing; the levels take --extra-statements.")
    return Knobs(
        literals=parse_range(given.literals, "--literals"),
        loop_iterations=parse_range(given.loop_iterations, "--loop-iterations"),
        initialisations=parse_range(given.inits, "--inits"),
        extra_statements=parse_range(given.extra_statements, "--extra-statements"),
        depth=1 if given.depth is None else given.depth,
        variables=given.variables,
    )


def _codetracing_knobs(given: KnobOptions) -> CodeTracingKnobs:
    if given.inits is not None or given.extra_statements != "0" or given.levels.upper() != "ALL":
        raise CodelingError(
            "--levels, --inits and --extra-statements shape the 2024 levels; "
            "with --grammar codetracing use --statements and --depth."
        )
    default = CodeTracingKnobs()
    return CodeTracingKnobs(
        statements=parse_range(given.statements, "--statements") or default.statements,
        depth=default.depth if given.depth is None else given.depth,
        loop_iterations=parse_range(given.loop_iterations, "--loop-iterations") or default.loop_iterations,
        literals=parse_range(given.literals, "--literals"),
        variables=given.variables,
    )
