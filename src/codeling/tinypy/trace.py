"""Execution traces in the DataHack 2025 format (TINYPY.md section 2).

    # code
    <program>
    #STEP
    <program, the line about to run prefixed with @ and suffixed with $state|printed>
    ...
    #STEP
    <program>
    @^$<final state>|<everything printed>

A state is `name?value` pairs joined by `;` in order of first assignment; printed lines are
`# text` joined by `&`. "About to run" means what sys.settrace reports as a "line" event: every
statement, an `if`/`elif` test, and a `for`/`while` header before each iteration and once more
when the loop ends; never an `else :` line.
"""

from __future__ import annotations

from dataclasses import dataclass

from codeling.tinypy.interpreter import MAX_STEPS, ParsedProgram, execute

CODE_HEADER = "# code"
STEP_HEADER = "#STEP"
END_MARK = "@^"


@dataclass(frozen=True)
class Step:
    line: int  # 1-based line about to run
    state: str  # `a?5;b?1.5`
    printed: str  # `# 7&# 8`


def state_text(env: dict) -> str:
    return ";".join(f"{name}?{value}" for name, value in env.items())


def printed_text(printed: list[str]) -> str:
    return "&".join(f"# {line}" for line in printed)


def render(program_lines: list[str], steps: list[Step], final_state: str, final_printed: str) -> str:
    """The whole trace text (no trailing newline) from the line events of one run."""
    body = "\n".join(program_lines)
    parts = [CODE_HEADER, body]
    for step in steps:
        marked = list(program_lines)
        marked[step.line - 1] = f"@{marked[step.line - 1]}${step.state}|{step.printed}"
        parts.append(STEP_HEADER)
        parts.append("\n".join(marked))
    parts.append(STEP_HEADER)
    parts.append(body)
    parts.append(f"{END_MARK}${final_state}|{final_printed}")
    return "\n".join(parts)


def trace_steps(program: ParsedProgram, max_steps: int = MAX_STEPS) -> tuple[list[Step], str, str]:
    """The line events of a run, plus the final state and printed text."""
    steps: list[Step] = []

    def on_line(line: int, env: dict, printed: list[str]) -> None:
        steps.append(Step(line, state_text(env), printed_text(printed)))

    result = execute(program, on_line=on_line, max_steps=max_steps)
    return steps, state_text(result.env), printed_text(result.printed)


def trace_text(program: ParsedProgram, max_steps: int = MAX_STEPS) -> str:
    """The trace of a program; raises interpreter.RunError where the program fails."""
    steps, final_state, final_printed = trace_steps(program, max_steps)
    return render(program.lines, steps, final_state, final_printed)


def split_trace(trace: str) -> tuple[str, str]:
    """(`# code` + program part, the steps part starting at the first #STEP) of a trace."""
    head, sep, rest = trace.partition("\n" + STEP_HEADER + "\n")
    if not sep:
        raise ValueError("the text holds no #STEP line")
    return head, STEP_HEADER + "\n" + rest


def output_from_trace(trace: str) -> list[str] | None:
    """The printed lines read off a trace's final `@^$state|printed` line; None if it has none."""
    for line in reversed(trace.splitlines()):
        if line.startswith(END_MARK + "$"):
            _state, sep, printed = line.partition("|")
            if not sep:
                return None
            if not printed:
                return []
            items = printed.split("&")
            if not all(item.startswith("# ") for item in items):
                return None
            return [item[2:] for item in items]
    return None
