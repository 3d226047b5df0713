"""Find what went wrong in a learner's program and say it in a child's words.

The program is compiled here (compiling runs nothing) and, if it compiles, run only in the sandbox.
The problem is pinned to a line and column of the program and explained with words.TEMPLATES; for
syntax mistakes friendly-traceback's own analysis is added as `friendly` when it is installed.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import keyword
import re
import sys
import warnings
from dataclasses import asdict, dataclass

from codeling.helper import program, words
from codeling.helper.program import Run

PROGRAM_FILE = "/sandbox/main.py"  # the name the sandbox gives the program in tracebacks
KNOWN_MODULES = ("pygame", "random", "math", "time", "sys", "os", "string", "json", "turtle")

# SyntaxError and IndentationError messages (Python 3.10+) -> template kind
_SYNTAX_KINDS = [
    ("expected ':'", "missing_colon"),
    ("was never closed", "unclosed_bracket"),
    ("unterminated", "unclosed_quote"),
    ("unmatched", "unmatched_bracket"),
    ("does not match opening parenthesis", "mismatched_bracket"),
    ("Missing parentheses in call to 'print'", "print_statement"),
    ("instead of '='", "assign_not_equal"),
    ("forgot a comma", "missing_comma"),
    ("invalid character", "invalid_character"),
    ("invalid decimal literal", "bad_number"),
    ("cannot assign to", "bad_assign"),
    ("expected an indented block", "indent_expected"),
    ("unexpected indent", "indent_unexpected"),
    ("unindent does not match", "indent_mismatch"),
    ("inconsistent use of tabs", "tabs"),
]


@dataclass(frozen=True)
class Problem:
    kind: str  # a key of words.TEMPLATES
    line: int | None = None  # 1-based, in the program (or in the tests, for a failed test)
    column: int | None = None  # 1-based
    exception: str | None = None
    message: str = ""
    name: str | None = None  # the name, key, bracket... the explanation talks about
    module: str | None = None
    in_tests: bool = False

    @property
    def fine(self) -> bool:
        return self.kind in ("ok", "game_running")


@dataclass(frozen=True)
class Explanation:
    problem: Problem
    what: str
    hint: str
    code: str | None  # the program's line the problem is on
    output: str  # what the program printed (cut short)
    friendly: str | None = None  # friendly-traceback's own words, for syntax mistakes

    def to_dict(self) -> dict:
        return {**asdict(self), "text": render(self)}


def compile_problem(source: str) -> Problem | None:
    """The syntax mistake in `source`, or None when it compiles."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings are not mistakes
            compile(source, "main.py", "exec")
    except SyntaxError as e:
        kind = next((k for text, k in _SYNTAX_KINDS if text in e.msg), "syntax")
        if kind == "syntax" and isinstance(e, IndentationError):
            kind = "indent_mismatch"
        name = re.search(r"'(.)'", e.msg)
        column = e.offset
        if isinstance(e, IndentationError) and e.lineno:  # point at the line's first character
            text = (source.splitlines() + [""] * e.lineno)[e.lineno - 1]
            column = len(text) - len(text.lstrip(" \t")) + 1
        return Problem(kind, e.lineno, column, type(e).__name__, e.msg, name.group(1) if name else None)
    except (ValueError, RecursionError, MemoryError) as e:  # NUL bytes; absurd nesting
        return Problem("syntax", None, None, type(e).__name__, str(e))
    return None


def diagnose(
    source: str, stdin: str = "", tests: str | None = None, expect: str | None = None, mode: str = "bwrap"
) -> tuple[Problem, Run | None]:
    """What is wrong with `source` (kind "ok"/"game_running" when nothing is), and the sandboxed run."""
    problem = compile_problem(source)
    if problem is not None:
        return problem, None
    run = program.run(source, stdin, tests, mode)
    return problem_of_run(run, source, tests, expect), run


def problem_of_run(run: Run, source: str, tests: str | None, expect: str | None) -> Problem:
    r = run.result
    if run.still_running:
        return Problem("game_running")
    if r.status == "ok":
        return output_problem(r.stdout, expect) if expect is not None else Problem("ok")
    if r.status in ("timeout", "memory", "output_limit", "killed"):
        return Problem("infinite_loop" if r.status == "timeout" else r.status)
    return exception_problem(r.stderr, r.exception, source, tests)


def output_problem(stdout: str, expect: str) -> Problem:
    got, want = _lines(stdout), _lines(expect)
    if got == want:
        return Problem("ok")
    i = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    shown = [repr(lines[i]) if i < len(lines) else "nothing" for lines in (got, want)]
    return Problem("wrong_output", message=f"got {shown[0]}, expected {shown[1]}", name=f"{shown[0]}|{shown[1]}")


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.rstrip().splitlines()]


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(: .*)?$")
_FRAME = re.compile(r'^  File "(?P<file>[^"]+)", line (?P<line>\d+)')


def exception_problem(stderr: str, exception: str | None, source: str, tests: str | None) -> Problem:
    lines = stderr.rstrip().splitlines()
    message = next((ln for ln in reversed(lines) if _EXCEPTION_LINE.match(ln) and not ln.startswith("Traceback")), "")
    # The traceback's last line names the exception; the sandbox's verdict is the fallback (a
    # program's forked copies may each have added theirs to it).
    named = message.split(":")[0].split(".")[-1]
    exception = named if re.fullmatch(r"[A-Za-z_]\w*", named) else (exception or "Exception").split()[0]
    detail = message.split(": ", 1)[1] if ": " in message else ""
    line, column, in_tests = _where(lines, source, tests)
    kind, name, module = classify_exception(exception, detail, source)
    if exception == "AssertionError" and in_tests:
        kind = "test_failed"
    return Problem(kind, line, column, exception, detail, name, module, in_tests)


def _where(lines: list[str], source: str, tests: str | None) -> tuple[int | None, int | None, bool]:
    """The deepest frame in the program (or else in the tests), and the column its carets mark."""
    found: tuple[int | None, int | None, bool] = (None, None, False)
    for i, text in enumerate(lines):
        m = _FRAME.match(text)
        if not m or not m["file"].startswith("/sandbox/"):
            continue
        number, column = int(m["line"]), None
        in_tests = m["file"] != PROGRAM_FILE
        if i + 2 < len(lines) and lines[i + 2].strip() and set(lines[i + 2].strip()) <= set("^~"):
            # The traceback shows the line stripped and indented by 4; the carets count from there.
            code = ((tests or "") if in_tests else source).splitlines()
            original = code[number - 1] if 0 < number <= len(code) else ""
            column = len(lines[i + 2]) - len(lines[i + 2].lstrip()) - 4 + 1
            column += len(original) - len(original.lstrip())
        if not in_tests or found[0] is None or found[2]:
            found = (number, column, in_tests)
    return found


def classify_exception(exception: str, detail: str, source: str) -> tuple[str, str | None, str | None]:
    """(template kind, name, module) for an uncaught exception and its message."""
    quoted = re.findall(r"'([^']*)'", detail)
    first = quoted[0] if quoted else None
    if exception == "NameError" and first:
        module = missing_module(first)
        return ("missing_import" if module else "name_error"), first, module
    if exception == "UnboundLocalError":
        return "unbound_local", first, None
    if exception in ("ModuleNotFoundError", "ImportError"):
        return ("pygame_missing" if first == "pygame" else "module_not_found"), first, None
    if exception == "TypeError":
        return type_kind(detail), first, None
    if exception == "AttributeError" and len(quoted) >= 2:
        owner = quoted[0] if detail.startswith("module") else f"A {quoted[0]}"
        return "attribute_error", quoted[1], owner
    if exception == "ValueError" and "invalid literal" in detail:
        return "value_number", repr(detail.split(": ", 1)[-1].strip("'")), None
    if exception == "KeyError":
        return "key_error", detail or None, None
    if exception == "error" or "pygame" in exception:
        if "not initialized" in detail or "not init" in detail:
            return "pygame_not_init", None, None
        return ("pygame_closed" if "Surface quit" in detail else "pygame_error"), None, None
    simple = {
        "IndexError": "index_error",
        "ZeroDivisionError": "zero_division",
        "ValueError": "value_error",
        "RecursionError": "recursion",
        "EOFError": "eof",
        "MemoryError": "memory",
        "BlockingIOError": "too_many_programs",
    }
    return simple.get(exception, "error"), (None if exception in simple else exception), None


def type_kind(detail: str) -> str:
    if re.search(r"concatenate str|'str' and 'int'|'int' and 'str'|'str' and 'float'|'float' and 'str'", detail):
        return "type_text_number"
    if "not callable" in detail:
        return "type_not_callable"
    if re.search(r"positional argument|required .*argument|takes \d+", detail):
        return "type_arguments"
    return "type_error"


# Names a beginner uses without importing them, and the module to import for each.
_FROM_MODULE = {"randint": "random", "choice": "random", "sqrt": "math", "pi": "math", "sleep": "time"}


def missing_module(name: str) -> str | None:
    if name in KNOWN_MODULES:
        return name
    return _FROM_MODULE.get(name)


def defined_names(source: str) -> set[str]:
    """Every name the program defines (assignments, functions, classes, parameters, imports)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set(re.findall(r"^\s*(?:def|class)?\s*([A-Za-z_]\w*)\s*[=(:]", source, re.MULTILINE))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def near_names(name: str, source: str, extra: set[str] | None = None, n: int = 3) -> list[str]:
    """Names close to `name`: the program's own, Python's built-ins, and `extra`; same letters in
    another case come first (Print -> print)."""
    pool = (defined_names(source) | set(dir(builtins)) | (extra or set())) - {name}
    pool = {p for p in pool if not p.startswith("_")}
    same_case = [p for p in sorted(pool) if p.lower() == name.lower()]
    close = difflib.get_close_matches(name, sorted(pool), n=n, cutoff=0.7)
    return list(dict.fromkeys(same_case + close))[:n]


def explain(source: str, problem: Problem, run: Run | None = None, tests: str | None = None) -> Explanation:
    what, hint = words.TEMPLATES[problem.kind]
    fields = {"name": problem.name or "", "bracket": problem.name or "", "module": problem.module or ""}
    if problem.kind == "wrong_output" and problem.name:
        fields["got"], fields["expected"] = problem.name.split("|", 1)
    suggestion = None
    if problem.kind == "name_error" and problem.name:
        suggestion = next(iter(near_names(problem.name, source, set(keyword.kwlist))), None)
    if suggestion:
        hint = words.SUGGEST.format(suggestion=suggestion)
    lines = (tests if problem.in_tests and tests else source).splitlines()
    code = lines[problem.line - 1] if problem.line and 0 < problem.line <= len(lines) else None
    output = run.result.stdout[-2000:] if run else ""
    friendly = friendly_words(source) if problem.exception in ("SyntaxError", "IndentationError", "TabError") else None
    return Explanation(problem, what.format(**fields), hint.format(**fields), code, output, friendly)


def friendly_words(source: str) -> str | None:
    """friendly-traceback's explanation of the syntax mistake, or None when it is not installed or
    cannot say (codeling's own words stand either way)."""
    try:
        from friendly_traceback import source_cache
        from friendly_traceback.core import FriendlyTraceback

        source_cache.cache.add("main.py", source)
        try:
            compile(source, "main.py", "exec")
        except SyntaxError:
            report = FriendlyTraceback(*sys.exc_info())
            report.compile_info()
            cause = report.info.get("cause")
            return cause.strip() if cause else None
    except Exception:  # an optional helper may fail in any way; our words stand
        return None
    return None


def render(explanation: Explanation, face: str = "cli") -> str:
    """The explanation as a child reads it: where, the line with an arrow, what happened, a hint
    (`face` "app" names the web app's boxes where the command line's hint names a flag)."""
    p, out = explanation.problem, []
    if p.line:
        where = f"Line {p.line}" + (f", column {p.column}" if p.column else "")
        out.append(where + (" of the tests:" if p.in_tests else ":"))
    if explanation.code is not None:
        code = explanation.code.expandtabs(4)
        indent = len(code) - len(code.lstrip())
        out.append("    " + code.strip())
        if p.column and p.column - 1 >= indent:
            out.append("    " + " " * (p.column - 1 - indent) + "^")
    hint = words.APP_HINTS.get(p.kind, explanation.hint) if face == "app" else explanation.hint
    out += [explanation.what, f"Hint: {hint}"]
    return "\n".join(out)


def explain_program(
    source: str, stdin: str = "", tests: str | None = None, expect: str | None = None, mode: str = "bwrap"
) -> Explanation:
    """Compile, run in the sandbox, and explain: the whole of `codeling explain`."""
    problem, run = diagnose(source, stdin, tests, expect, mode)
    return explain(source, problem, run, tests)
