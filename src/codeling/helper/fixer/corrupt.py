"""Beginner mistakes, made on purpose: one named kind of corruption at a seeded random place.

The fixer model learns from these (helper/fixer/data.py) and benchmarks/helper_fix.py measures every
fixer on them. A corruption that does not break the program is dropped (None): for the syntax kinds
the broken program must fail to compile; for the name kinds the new name must be defined nowhere in
it (it raises NameError once that line runs). Logic kinds change what a program computes, which only
a run against tests or an expected output can tell, so they carry no error here.
"""

from __future__ import annotations

import ast
import builtins
import random
import re
from dataclasses import dataclass
from functools import lru_cache

from codeling.helper.explain.explain import compile_problem

SYNTAX_KINDS = (
    "missing_colon",
    "unclosed_bracket",
    "unclosed_quote",
    "bad_indent",
    "misspelled_keyword",
    "eq_for_assign",
    "python2_print",
    "extra_bracket",
    "extra_indent",
    "capital_keyword",
)
RUN_KINDS = ("misspelled_builtin", "missing_import", "misspelled_name")
LOGIC_KINDS = ("off_by_one_range", "flipped_comparison", "plus_for_minus")
KINDS = SYNTAX_KINDS + RUN_KINDS + LOGIC_KINDS

_COMPOUND = re.compile(r"^(\s*)(if|elif|else|for|while|def)\b.*:\s*$")
# A comparison operator, not an arrow (->) or a doctest prompt (>>>).
_COMPARISON = re.compile(r"(?<![-<>])(<=|>=|<|>)(?![<>])")
_KEYWORD_TYPOS = {"else": "esle", "while": "whlie", "return": "retrun", "for": "fro", "def": "deff", "elif": "elfi"}
_BUILTIN_TYPOS = {"print": ["pirnt", "Print", "prnt"], "range": ["rnage", "Range"], "len": ["lne", "Len"]}
_SITES = {
    "missing_colon": r"^\s*(if|elif|else|for|while|def)\b.*:\s*$",
    "unclosed_bracket": r"\)\s*$",
    "unclosed_quote": r"'[^'\n]+'",
    "misspelled_keyword": r"^\s*(else|while|return|for|def|elif)\b",
    "misspelled_builtin": r"\b(print|range|len)\(",
    "eq_for_assign": r"^\s*(if|elif|while)\b.*==",
    "python2_print": r"^\s*print\(.*\)\s*$",
    "missing_import": r"^import (random|math|time|pygame|sys|os)\s*$",
    "off_by_one_range": r"range\(",
    "flipped_comparison": _COMPARISON.pattern,
    "plus_for_minus": r" [-+] ",
    "extra_bracket": r"\)\s*$",
    "capital_keyword": r"^\s*(if|elif|else|for|while|def|return)\b",
}


@dataclass(frozen=True)
class Corruption:
    kind: str
    source: str  # the broken program
    line: int  # 1-based: the line that was changed, or where the removed line was
    original: str  # that line as it was, without its newline
    removed: bool  # the line was taken out (a missing import), not changed
    error: str | None  # "SyntaxError: expected ':'", "NameError: name 'x' is not defined"; None for logic kinds
    error_line: int | None  # where Python points at the mistake


def corrupt(source: str, kind: str, rng: random.Random) -> Corruption | None:
    """`source` with one mistake of `kind` at a random place where it fits, or None when there is no
    such place or the change does not break the program."""
    lines = source.splitlines(keepends=True)
    sites = _sites(source, lines, kind)
    if not sites:
        return None
    i = rng.choice(sites)
    original = lines[i].rstrip("\r\n")
    if kind == "missing_import":
        new = ""
    elif kind == "misspelled_name":
        new = _misspell_name(lines[i], [name for line, name in _renamable(source) if line == i + 1], rng)
    else:
        new = mutate_line(lines[i], kind, rng, _indent_unit(lines))
    if new == lines[i]:
        return None
    broken = "".join(lines[:i] + [new] + lines[i + 1 :])
    error, error_line = _error(source, broken, kind, original, i + 1)
    if error is None and kind not in LOGIC_KINDS:
        return None
    return Corruption(kind, broken, i + 1, original, kind == "missing_import", error, error_line)


def _sites(source: str, lines: list[str], kind: str) -> list[int]:
    if kind == "bad_indent":
        return [i for i in range(1, len(lines)) if _COMPOUND.match(lines[i - 1]) and lines[i].strip()]
    if kind == "extra_indent":
        return [i for i in range(1, len(lines)) if _simple(lines[i - 1]) and _simple(lines[i]) and _same(lines, i)]
    if kind == "misspelled_name":
        return sorted({line - 1 for line, _ in _renamable(source)})
    return [i for i, line in enumerate(source.splitlines()) if re.search(_SITES[kind], line)]


def _simple(line: str) -> bool:
    text = line.strip()
    return bool(text) and not text.startswith(("#", "@")) and not text.endswith((":", "\\", ",", "(", "[", "{"))


def _same(lines: list[str], i: int) -> bool:
    lead = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
    return lead == lines[i - 1][: len(lines[i - 1]) - len(lines[i - 1].lstrip())]


def _indent_unit(lines: list[str]) -> str:
    return "\t" if any(line.startswith("\t") for line in lines) else "    "


@lru_cache(maxsize=64)  # a program is broken many times over; parse it once
def _renamable(source: str) -> tuple[tuple[int, str], ...]:
    """(line, name) of each use of a name the program itself assigns, long enough for a believable typo."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ()
    stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return tuple(
        (n.lineno, n.id)
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in stored and len(n.id) >= 3
    )


@lru_cache(maxsize=64)
def _compiles(source: str) -> bool:
    return compile_problem(source) is None


def mutate_line(line: str, kind: str, rng: random.Random, unit: str = "    ") -> str:
    """The line with one mistake of `kind` (the kinds that need only the line itself)."""
    if kind in _EDITS:
        return _EDITS[kind](line, rng)
    if kind == "bad_indent":
        return line.lstrip(" \t")
    if kind == "extra_indent":
        return unit + line
    return line


def _unclosed_quote(line: str, rng: random.Random) -> str:
    m = rng.choice(list(re.finditer(r"'[^'\n]+'", line)))
    return line[: m.end() - 1] + line[m.end() :]


def _keyword_typo(line: str, rng: random.Random) -> str:
    word = re.match(r"\s*(\w+)", line).group(1)
    return line.replace(word, _KEYWORD_TYPOS[word], 1)


def _builtin_typo(line: str, rng: random.Random) -> str:
    word = rng.choice(re.findall(r"\b(print|range|len)\(", line))
    return line.replace(word + "(", rng.choice(_BUILTIN_TYPOS[word]) + "(", 1)


def _capital(line: str, rng: random.Random) -> str:
    return re.sub(r"^(\s*)(\w)", lambda m: m.group(1) + m.group(2).upper(), line, count=1)


def _flip(line: str, rng: random.Random) -> str:
    flip = {"<=": ">=", ">=": "<=", "<": ">", ">": "<"}
    return _COMPARISON.sub(lambda m: flip[m.group()], line, count=1)


_EDITS = {
    "missing_colon": lambda line, rng: re.sub(r":(\s*)$", r"\1", line),
    "unclosed_bracket": lambda line, rng: re.sub(r"\)(\s*)$", r"\1", line),
    "extra_bracket": lambda line, rng: re.sub(r"\)(\s*)$", r"))\1", line),
    "unclosed_quote": _unclosed_quote,
    "misspelled_keyword": _keyword_typo,
    "misspelled_builtin": _builtin_typo,
    "eq_for_assign": lambda line, rng: line.replace("==", "=", 1),
    "python2_print": lambda line, rng: re.sub(r"print\((.*)\)(\s*)$", r"print \1\2", line),
    "off_by_one_range": lambda line, rng: re.sub(
        r"range\(([^()]*(?:\([^()]*\))?[^()]*)\)", r"range(\1 - 1)", line, count=1
    ),
    "flipped_comparison": _flip,
    "plus_for_minus": lambda line, rng: re.sub(
        r" ([-+]) ", lambda m: " - " if m.group(1) == "+" else " + ", line, count=1
    ),
    "capital_keyword": _capital,
}


def _misspell_name(line: str, names: list[str], rng: random.Random) -> str:
    """One of `names` (assigned by the program, used on this line) with two letters swapped or one dropped."""
    spots = [m for m in re.finditer(r"\b[A-Za-z_]\w*\b", line) if m.group() in names]
    if not spots:
        return line
    m = rng.choice(spots)
    word = m.group()
    j = rng.randrange(1, len(word) - 1)
    typo = word[:j] + word[j + 1] + word[j] + word[j + 2 :] if rng.random() < 0.5 else word[:j] + word[j + 1 :]
    return line[: m.start()] + typo + line[m.end() :]


def _error(original: str, broken: str, kind: str, old_line: str, line: int) -> tuple[str | None, int | None]:
    """The error the broken program gives, found without running it; (None, None) when it gives none
    that can be known here."""
    if kind in LOGIC_KINDS:
        return None, None
    problem = compile_problem(broken)
    if kind in SYNTAX_KINDS:
        if problem is None or not _compiles(original):
            return None, None
        return f"{problem.exception}: {problem.message}", problem.line
    if problem is not None:
        return None, None
    return _undefined_name(broken, kind, old_line, line)


def _undefined_name(broken: str, kind: str, old_line: str, line: int) -> tuple[str | None, int | None]:
    """A name the corruption made that nothing defines: NameError where it is first used."""
    known, loads = set(dir(builtins)), []
    for node in ast.walk(ast.parse(broken)):
        if isinstance(node, ast.Name):
            (known.add(node.id) if isinstance(node.ctx, ast.Store) else loads.append(node))
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            known.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            known |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.arg):
            known.add(node.arg)
    if kind == "missing_import":
        module = old_line.split()[1]
        uses = sorted(n.lineno for n in loads if n.id == module)
        return (f"NameError: name '{module}' is not defined", uses[0]) if uses and module not in known else (None, None)
    new = [n for n in loads if n.lineno == line and n.id not in known]
    return (f"NameError: name '{new[0].id}' is not defined", line) if new else (None, None)
