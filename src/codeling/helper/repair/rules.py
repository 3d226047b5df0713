"""Repairs for the mistakes that have one obvious fix. Each rule proposes candidate programs for a
Problem; none is trusted: verify.py keeps only those that really run, and the smallest of those.

Rules may propose several places for one repair (a bracket closed at the end of this line or of the
next): proposing is cheap, and the sandbox decides.
"""

from __future__ import annotations

import builtins
import difflib
import importlib
import keyword
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from codeling.helper.explain.explain import Problem, near_names

# Keywords a child types wrong (esle, whlie, retrun, improt, Def...), with the values among them.
KEYWORDS = sorted(set(keyword.kwlist) - {"async", "await", "nonlocal", "yield", "assert", "del", "is"})
_COMPOUND = re.compile(r"^\s*(if|elif|else|for|while|def|class|try|except|finally|with)\b")
_WORD = re.compile(r"[A-Za-z_]\w*")
_CLOSER = {"(": ")", "[": "]", "{": "}"}


@dataclass(frozen=True)
class Candidate:
    rule: str  # which repair
    source: str
    note: str  # one short sentence for the learner


def code_end(line: str) -> int:
    """Where the code of a line ends: before a trailing comment (outside quotes) and whitespace."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return len(line[:i].rstrip())
    return len(line.rstrip())


def _lines(source: str) -> list[str]:
    return source.splitlines(keepends=True)


def _edit(source: str, line: int, start: int, end: int, text: str) -> str | None:
    """`source` with columns [start, end) (0-based) of `line` (1-based) replaced by `text`."""
    lines = _lines(source)
    if not 1 <= line <= len(lines):
        return None
    old = lines[line - 1]
    lines[line - 1] = old[:start] + text + old[end:]
    return "".join(lines)


def _line(source: str, n: int) -> str:
    lines = _lines(source)
    return lines[n - 1] if 1 <= n <= len(lines) else ""


def near_lines(p: Problem) -> list[int]:
    """The error line and the one before: Python often notices a mistake one line late."""
    return [n for n in (p.line, (p.line or 0) - 1) if n and n >= 1]


def add_colon(source: str, p: Problem) -> list[Candidate]:
    out = []
    for n in near_lines(p):
        text = _line(source, n)
        end = code_end(text)
        if _COMPOUND.match(text) and not text[:end].endswith(":"):
            out.append(
                Candidate("missing_colon", _edit(source, n, end, end, ":"), f"Add a colon at the end of line {n}.")
            )
    return out


def close_bracket(source: str, p: Problem) -> list[Candidate]:
    if not p.line or p.name not in _CLOSER:
        return []
    closer, out = _CLOSER[p.name], []
    for n in range(p.line, p.line + 3):
        text = _line(source, n)
        end = code_end(text)
        spots = {end} | ({end - 1} if text[:end].endswith(":") else set())
        for spot in sorted(spots):
            edited = _edit(source, n, spot, spot, closer)
            if edited:
                out.append(Candidate("unclosed_bracket", edited, f"Close the bracket {p.name} with {closer}."))
    return out


def fix_closer(source: str, p: Problem) -> list[Candidate]:
    if not p.line or not p.column:
        return []
    col = p.column - 1
    if p.kind == "unmatched_bracket":
        return [Candidate("unmatched_bracket", _edit(source, p.line, col, col + 1, ""), "Take out the extra bracket.")]
    opener = re.search(r"opening parenthesis '(.)'", p.message)
    if not opener:
        return []
    right = _CLOSER[opener.group(1)]
    return [Candidate("mismatched_bracket", _edit(source, p.line, col, col + 1, right), f"Use {right} to close it.")]


def close_quote(source: str, p: Problem) -> list[Candidate]:
    if not p.line or not p.column:
        return []
    text = _line(source, p.line)
    start = p.column - 1
    quote = next((ch for ch in text[start:] if ch in "'\""), None)
    if quote is None:
        return []
    body = text.rstrip("\r\n")
    spots = {len(body.rstrip()), len(body.rstrip().rstrip(")]}:,"))}
    # Or where the text most likely ended: before a comma or closing bracket it swallowed.
    spots |= {i for i, ch in enumerate(body) if i > start + 1 and ch in ",)]}"}
    note = f"End the text with {quote}."
    return [Candidate("unclosed_quote", _edit(source, p.line, s, s, quote), note) for s in sorted(spots) if s > start]


def _indent(text: str) -> str:
    return text[: len(text) - len(text.lstrip(" \t"))]


def _block(source: str, first: int) -> list[int]:
    """Line numbers from `first` on that share its indentation (blank lines skipped), up to 10."""
    lines, width = _lines(source), _indent(_line(source, first))
    found = []
    for n in range(first, len(lines) + 1):
        text = lines[n - 1]
        if not text.strip():
            continue
        if _indent(text) != width or len(found) == 10:
            break
        found.append(n)
    return found


def _reindent(source: str, numbers: list[int], width: str) -> str:
    lines = _lines(source)
    for n in numbers:
        lines[n - 1] = width + lines[n - 1].lstrip(" \t")
    return "".join(lines)


def fix_indent(source: str, p: Problem) -> list[Candidate]:
    if not p.line:
        return []
    if p.kind == "tabs":
        return [Candidate("tabs", source.expandtabs(4), "Use spaces, not tabs.")]
    lines, block = _lines(source), _block(source, p.line)
    above = [_indent(t) for t in lines[: p.line - 1] if t.strip()]
    if p.kind == "indent_expected":
        width = (above[-1] if above else "") + "    "
        note = f"Push line {p.line} in by 4 spaces."
    elif p.kind == "indent_unexpected":
        width = above[-1] if above else ""
        note = f"Line {p.line} up with the line above."
    else:
        widths = sorted(set(above), key=len, reverse=True)
        return [
            Candidate("indent_mismatch", _reindent(source, [p.line], w), f"Line {p.line} up with the lines above.")
            for w in widths
        ]
    return [Candidate(p.kind, _reindent(source, block[:k], width), note) for k in range(1, len(block) + 1)]


def fix_keyword(source: str, p: Problem) -> list[Candidate]:
    """A misspelled keyword on the error line (esle, whlie, Def, improt)."""
    out = []
    known = set(keyword.kwlist) | set(dir(builtins))
    for n in near_lines(p):
        text = _line(source, n)
        for m in _WORD.finditer(text[: code_end(text)]):
            word = m.group()
            if word in known:
                continue
            # Short keywords leave little to compare (fro/for), so the cutoff is low: verify decides.
            close = [k for k in KEYWORDS if k.lower() == word.lower()] or _close(word, KEYWORDS, 0.6)
            for k in close[:3]:
                edited = _edit(source, n, m.start(), m.end(), k)
                out.append(Candidate("misspelled_keyword", edited, f"Write {k} instead of {word}."))
    return out


def _close(word: str, pool: list[str], cutoff: float) -> list[str]:
    return difflib.get_close_matches(word, pool, n=3, cutoff=cutoff)


def fix_name(source: str, p: Problem) -> list[Candidate]:
    """An unknown name: a near-miss of a defined name, a built-in or a keyword value (Print, pirnt,
    true, scroe), or a module used without its import."""
    if not p.name or not p.line:
        return []
    out = []
    if p.kind == "missing_import":
        out.append(add_import(source, p.name, p.module or p.name))
    for better in near_names(p.name, source, {"True", "False", "None"}):
        pattern = re.compile(rf"\b{re.escape(p.name)}\b")
        text = _line(source, p.line)
        at = [m for m in pattern.finditer(text) if not p.column or m.start() >= p.column - 1][:1]
        for m in at:
            note = f"Write {better} instead of {p.name}."
            out.append(Candidate("near_name", _edit(source, p.line, m.start(), m.end(), better), note))
        out.append(Candidate("near_name", pattern.sub(better, source), f"Write {better} instead of {p.name}."))
    return out


def add_import(source: str, name: str, module: str) -> Candidate:
    """`import module` (or `from module import name`) after any opening comments and docstring."""
    lines = _lines(source)
    at = 0
    while at < len(lines) and (lines[at].startswith(("#", "from __future__")) or not lines[at].strip()):
        at += 1
    statement = f"import {module}" if name == module else f"from {module} import {name}"
    lines.insert(at, statement + "\n")
    return Candidate("missing_import", "".join(lines), f"Add {statement} at the top.")


def fix_equals(source: str, p: Problem) -> list[Candidate]:
    out = []
    for n in near_lines(p):
        text = _line(source, n)
        for m in re.finditer(r"(?<![=!<>+\-*/%&|^:])=(?!=)", text[: code_end(text)]):
            edited = _edit(source, n, m.start(), m.end(), "==")
            out.append(Candidate("assign_not_equal", edited, f"Use == to compare on line {n}."))
    return out


def fix_print(source: str, p: Problem) -> list[Candidate]:
    if not p.line:
        return []
    text = _line(source, p.line)
    end = code_end(text)
    m = re.match(r"(\s*)print\b\s*(.*)$", text[:end])
    if not m:
        return []
    args = m.group(2).strip()
    call = f"print({args[:-1]}, end=' ')" if args.endswith(",") else f"print({args})"
    edited = _edit(source, p.line, 0, end, m.group(1) + call)
    return [Candidate("print_statement", edited, "Put round brackets around what print shows.")]


def fix_text_number(source: str, p: Problem) -> list[Candidate]:
    """input() gives text: wrap it in int(); or turn a number into text with str() where it is joined."""
    out = []
    calls = list(re.finditer(r"\binput\((?:[^()]|\([^()]*\))*\)", source))
    for m in calls:
        edited = source[: m.start()] + f"int({m.group()})" + source[m.end() :]
        out.append(Candidate("input_to_int", edited, "Turn what input() gives into a number with int()."))
    if p.line:
        text = _line(source, p.line)
        for m in re.finditer(r"(?<=\+)\s*([A-Za-z_]\w*)\b(?!\s*\()|\b([A-Za-z_]\w*)(?=\s*\+)", text[: code_end(text)]):
            word = m.group(1) or m.group(2)
            start = m.start(1) if m.group(1) else m.start(2)
            edited = _edit(source, p.line, start, start + len(word), f"str({word})")
            out.append(Candidate("number_to_text", edited, f"Turn {word} into text with str()."))
    return out


def fix_pygame_init(source: str, p: Problem) -> list[Candidate]:
    m = re.search(r"^(\s*)import pygame\b.*\n", source, re.MULTILINE)
    if not m or "pygame.init()" in source:
        return []
    edited = source[: m.end()] + m.group(1) + "pygame.init()\n" + source[m.end() :]
    return [Candidate("pygame_init", edited, "Start pygame with pygame.init() after you import it.")]


def fix_attribute(source: str, p: Problem) -> list[Candidate]:
    """A misspelled word after a dot (name.uper(), random.randnt), for modules and types a
    beginner meets; their names come from importing them here, which runs none of the program."""
    if not p.line or not p.name or not p.module:
        return []
    owner = _owner(p.module)
    if owner is None:
        return []
    attrs = [a for a in dir(owner) if not a.startswith("_")]
    better = [a for a in attrs if a.lower() == p.name.lower()] or _close(p.name, attrs, 0.7)
    text, out = _line(source, p.line), []
    for word in better:
        for m in re.finditer(rf"\.{re.escape(p.name)}\b", text):
            edited = _edit(source, p.line, m.start() + 1, m.end(), word)
            out.append(Candidate("attribute", edited, f"Write {word} instead of {p.name}."))
    return out


_TYPES = {"str": str, "list": list, "dict": dict, "int": int, "float": float, "tuple": tuple, "set": set}
_MODULES = ("random", "math", "time", "string")


def _owner(described: str):
    if described.startswith("A "):
        return _TYPES.get(described[2:])
    if described in _MODULES or described.split(".")[0] == "pygame":
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        try:
            return importlib.import_module(described)
        except ImportError:
            return None
    return None


RULES: dict[str, list[Callable[[str, Problem], list[Candidate]]]] = {
    "missing_colon": [add_colon],
    "unclosed_bracket": [close_bracket],
    "unmatched_bracket": [fix_closer],
    "mismatched_bracket": [fix_closer],
    "unclosed_quote": [close_quote],
    "print_statement": [fix_print],
    "assign_not_equal": [fix_equals],
    "bad_assign": [fix_equals],
    "syntax": [add_colon, fix_keyword, fix_equals],
    "indent_expected": [fix_indent],
    "indent_unexpected": [fix_indent],
    "indent_mismatch": [fix_indent],
    "tabs": [fix_indent],
    "name_error": [fix_name],
    "missing_import": [fix_name],
    "type_text_number": [fix_text_number],
    "attribute_error": [fix_attribute],
    "pygame_not_init": [fix_pygame_init],
}


def candidates(source: str, problem: Problem) -> list[Candidate]:
    """Every repair the rules propose for `problem`, without duplicates or no-ops."""
    seen, out = {source}, []
    for rule in RULES.get(problem.kind, []):
        for c in rule(source, problem):
            if c.source is not None and c.source not in seen:
                seen.add(c.source)
                out.append(c)
    return out
