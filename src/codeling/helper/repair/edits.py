"""The repair search's edit grammar: small, general changes a child's mistake may need, with no
knowledge of any one mistake. Each edit is a span of the program and its new text, so two edits can
be applied together. Kinds, in the grammar's own order (the search's tie-break without a model):

  replace   one operator or bracket by a close one (; :, / //, == =, + +=, ( [ ...), or two
            touching operators swapped (=- -=)
  insert    one token between two others (, : ( ) [ ] * + -)
  delete    one token
  case      a keyword's or a name's case (For for, true True), to a name Python knows
  name      a name replaced by a defined one, by self.name inside a method, or by module.name
  quote     a name turned into text ("yes"), or text of digits into a number ("3" 3)
  call      round brackets added to call what was only named (name.upper -> name.upper())
  wrap      a value wrapped in int(...), str(...) or len(...)
  brackets  a call's ( ) turned into [ ], or loose values grouped in ( ) (set_mode(4, 3) -> ((4, 3)))
  keyword   a line's first words replaced by a keyword (print( -> return(, else if -> elif)
  self      self added as a method's first parameter
  global    global NAME at the top of a function that changes NAME
  start     NAME = 0 (or "" or []) before the line, or the loop, that first uses NAME
"""

from __future__ import annotations

import ast
import builtins
import difflib
import keyword
import re
from collections.abc import Iterator
from dataclasses import dataclass

from codeling.helper.repair.rules import code_end

KINDS = ("replace", "insert", "delete", "case", "name", "quote", "call", "wrap", "brackets", "keyword", "self")
KINDS += ("global", "start")

TOKEN = re.compile(
    r"""(?P<string>[rRbBfF]?(?:"[^"\n]*"|'[^'\n]*'))"""
    r"|(?P<number>\d+(?:\.\d*)?)"
    r"|(?P<name>[A-Za-z_]\w*)"
    r"|(?P<op>\*\*=?|//=?|==|!=|<=|>=|->|[-+*/%]=|[-+*/%<>=!.,:;()\[\]{}@&|^~])"
)
REPLACE = {
    ";": [":", ","],
    ":": [";"],
    "/": ["//"],
    "//": ["/"],
    "==": ["="],
    "=": ["==", "+=", "-="],
    "+": ["+=", "-"],
    "-": ["-=", "+"],
    "(": ["["],
    ")": ["]"],
    "[": ["("],
    "]": [")"],
    ",": [".", ":"],
    ".": [","],
}
INSERT = (",", ":", ")", "(", "]", "[", "*", "+", "-")
WRAPPERS = ("int", "str", "len")
STARTS = ("0", '""', "[]")
LINE_KEYWORDS = ("return", "elif", "if", "else", "while", "for")
MODULES = ("pygame", "random", "math", "time")
_CLOSE = {"(": ")", "[": "]", "{": "}"}
_VALUES = {"True", "False", "None"}


@dataclass(frozen=True)
class Edit:
    kind: str  # one of KINDS
    start: int  # offsets into the program
    end: int
    text: str  # what [start, end) becomes
    old: str  # what it was, for the learner's sentence
    line: int  # 1-based, for the learner's sentence

    def apply(self, source: str) -> str:
        return source[: self.start] + self.text + source[self.end :]


def apply_all(source: str, edits: tuple[Edit, ...]) -> str | None:
    """`source` with every edit made, or None when two of them overlap."""
    ordered = sorted(edits, key=lambda e: e.start, reverse=True)
    for later, earlier in zip(ordered, ordered[1:]):
        if earlier.end > later.start or (earlier.start == later.start):
            return None
    for edit in ordered:
        source = edit.apply(source)
    return source


@dataclass(frozen=True)
class Token:
    kind: str  # string | number | name | op
    text: str
    start: int  # offsets into the program
    end: int


class Program:
    """The program as lines, with its tokens per line and what it defines (when it parses)."""

    def __init__(self, source: str):
        self.source = source
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        try:
            self.tree: ast.AST | None = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            self.tree = None
        self.defined = _defined(self.tree, source)
        self.imported = {m for m in MODULES if re.search(rf"^\s*import {m}\b", source, re.MULTILINE)}

    def tokens(self, n: int) -> list[Token]:
        if not 1 <= n <= len(self.lines):
            return []
        text, base = self.lines[n - 1], self.starts[n - 1]
        code = text[: code_end(text)]
        return [Token(m.lastgroup, m.group(), base + m.start(), base + m.end()) for m in TOKEN.finditer(code)]

    def line_of(self, offset: int) -> int:
        return next(n for n in range(len(self.lines), 0, -1) if self.starts[n - 1] <= offset)

    def indent(self, n: int) -> str:
        text = self.lines[n - 1]
        return text[: len(text) - len(text.lstrip(" \t"))]


def _defined(tree: ast.AST | None, source: str) -> list[str]:
    if tree is None:
        return sorted(set(re.findall(r"^\s*(?:def\s+|class\s+)?([A-Za-z_]\w*)\s*[=(:]", source, re.MULTILINE)))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return sorted(names)


def single_edits(
    program: Program, lines: list[int], name: str | None = None, kinds: tuple[str, ...] = KINDS
) -> Iterator[Edit]:
    """Every edit of the grammar on `lines`, kind by kind in KINDS order (only `kinds`); `name` is
    the name the error is about (a NameError's, an UnboundLocalError's), for the edits that start or
    declare it."""
    for kind in (k for k in KINDS if k in kinds):
        for n in lines:
            yield from _BY_KIND[kind](program, n, name)


def _token_edit(kind: str, program: Program, token: Token, text: str) -> Edit:
    return Edit(kind, token.start, token.end, text, token.text, program.line_of(token.start))


def _replace(program: Program, n: int, name: str | None) -> Iterator[Edit]:
    tokens = program.tokens(n)
    for t in tokens:
        for new in REPLACE.get(t.text, []) if t.kind == "op" else []:
            if new == "." and program.source[t.start - 1 : t.start].isdigit():
                continue  # a dot after a digit is a decimal point, a different thing
            yield _token_edit("replace", program, t, new)
    for a, b in zip(tokens, tokens[1:]):  # =- for -=: two operators typed the wrong way round
        if a.kind == b.kind == "op" and a.end == b.start and len(a.text) == len(b.text) == 1:
            yield Edit("replace", a.start, b.end, b.text + a.text, a.text + b.text, n)


def _insert(program: Program, n: int, name: str | None) -> Iterator[Edit]:
    tokens = program.tokens(n)
    for a, b in zip(tokens, tokens[1:] + [None]):
        spaced = b is not None and b.start > a.end  # a space between: "a b" becomes "a, b" or "a * b"
        for new in INSERT:
            if spaced and new in ",*+-":
                yield Edit("insert", a.end, b.start, ", " if new == "," else f" {new} ", "", n)
            else:
                yield Edit("insert", a.end, a.end, new, "", n)


def _delete(program: Program, n: int, name: str | None) -> Iterator[Edit]:
    """One token too many: an operator, a bracket, a comma, a colon, a keyword (not a name or a value,
    which a child rarely types by accident)."""
    for t in program.tokens(n):
        if t.kind != "op" and not keyword.iskeyword(t.text):
            continue
        end = t.end
        if program.source[end : end + 1] == " " and program.source[t.start - 1 : t.start] in (" ", "("):
            end += 1  # take one of the spaces around it too
        yield Edit("delete", t.start, end, "", t.text, n)


def _known() -> set[str]:
    return set(keyword.kwlist) | {b for b in dir(builtins) if not b.startswith("_")}


def _case(program: Program, n: int, name: str | None) -> Iterator[Edit]:
    known = _known() | set(program.defined)
    for t in program.tokens(n):
        if t.kind != "name" or t.text in known:
            continue
        for new in dict.fromkeys((t.text.lower(), t.text.capitalize(), t.text.upper())):
            if new != t.text and new in known:
                yield _token_edit("case", program, t, new)


def _name(program: Program, n: int, name: str | None) -> Iterator[Edit]:
    known = _known() | set(program.defined)
    attributes = _self_attributes(program)
    for t in program.tokens(n):
        if t.kind != "name" or keyword.iskeyword(t.text) or program.source[t.start - 1 : t.start] == ".":
            continue
        if t.text in attributes and _in_method(program, n):
            yield _token_edit("name", program, t, f"self.{t.text}")
        for module in sorted(program.imported):
            if t.text in _module_names(module):
                yield _token_edit("name", program, t, f"{module}.{t.text}")
        if t.text not in known:
            for other in difflib.get_close_matches(t.text, program.defined, n=3, cutoff=0.6):
                yield _token_edit("name", program, t, other)


def _self_attributes(program: Program) -> set[str]:
    return set(re.findall(r"\bself\.([A-Za-z_]\w*)\s*=", program.source))


def _in_method(program: Program, n: int) -> bool:
    """Whether line n is inside a def that takes self."""
    width = len(program.indent(n))
    for m in range(n - 1, 0, -1):
        text = program.lines[m - 1]
        if text.strip() and len(program.indent(m)) < width:
            if re.match(r"\s*def\s+\w+\s*\(\s*self\b", text):
                return True
            width = len(program.indent(m))
            if width == 0:
                return False
    return False


def _module_names(module: str) -> set[str]:
    """The public names of a module a child imports (importing it runs none of the program)."""
    import importlib
    import os

    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        return {a for a in dir(importlib.import_module(module)) if not a.startswith("_")}
    except ImportError:
        return set()


def _quote(program: Program, n: int, name: str | None) -> Iterator[Edit]:
    known = _known() | set(program.defined)
    for t in program.tokens(n):
        if t.kind == "name" and t.text not in known and program.source[t.start - 1 : t.start] != ".":
            yield _token_edit("quote", program, t, f'"{t.text}"')
        elif t.kind == "string" and re.fullmatch(r"""["']-?\d+(\.\d+)?["']""", t.text):
            yield _token_edit("quote", program, t, t.text[1:-1])


def _atoms(program: Program, n: int) -> Iterator[tuple[int, int, bool]]:
    """(start, end, called) of each name or dotted name on line n with the brackets that follow it."""
    tokens = program.tokens(n)
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.kind != "name" or keyword.iskeyword(t.text) or (i and tokens[i - 1].text in (".", "def", "class")):
            i += 1
            continue
        j = i
        while j + 2 < len(tokens) and tokens[j + 1].text == "." and tokens[j + 2].kind == "name":
            j += 2
        end, called = tokens[j].end, False
        k = j + 1
        while k < len(tokens) and tokens[k].text in "([" and tokens[k].start == end:
            close = _matching(tokens, k)
            if close is None:
                break
            called, end, k = tokens[k].text == "(", tokens[close].end, close + 1
        yield t.start, end, called
        i = j + 1


def _matching(tokens: list[Token], k: int) -> int | None:
    depth = 0
    for m in range(k, len(tokens)):
        if tokens[m].text in _CLOSE:
            depth += 1
        elif tokens[m].text in _CLOSE.values():
            depth -= 1
            if depth == 0:
                return m
    return None


def _call(program: Program, n: int, name: str | None) -> Iterator[Edit]:
    for start, end, called in _atoms(program, n):
        if not called:
            yield Edit("call", end, end, "()", program.source[start:end], n)


def _wrap(program: Program, n: int, name: str | None) -> Iterator[Edit]:
    for start, end, _ in _atoms(program, n):
        old = program.source[start:end]
        for wrapper in WRAPPERS:
            if not old.startswith(wrapper + "("):
                yield Edit("wrap", start, end, f"{wrapper}({old})", old, n)


def _brackets(program: Program, n: int, name: str | None) -> Iterator[Edit]:
    tokens = program.tokens(n)
    for k, t in enumerate(tokens):
        if t.text != "(" or not k or tokens[k - 1].end != t.start or tokens[k - 1].kind not in ("name", "op"):
            continue
        close = _matching(tokens, k)
        if close is None:
            continue
        inside = program.source[t.end : tokens[close].start]
        if tokens[k - 1].kind == "name" and not keyword.iskeyword(tokens[k - 1].text):
            yield Edit("brackets", t.start, tokens[close].end, f"[{inside}]", f"({inside})", n)
        yield from _groups(program, n, tokens, k, close)


def _groups(program: Program, n: int, tokens: list[Token], k: int, close: int) -> Iterator[Edit]:
    """Loose values inside a call's brackets grouped in round brackets: f(a, b, c) -> f((a, b), c)."""
    commas, depth = [k], 0
    for m in range(k + 1, close):
        depth += tokens[m].text in _CLOSE
        depth -= tokens[m].text in _CLOSE.values()
        if depth == 0 and tokens[m].text == ",":
            commas.append(m)
    commas.append(close)
    args = [(tokens[a + 1].start, tokens[b - 1].end) for a, b in zip(commas, commas[1:]) if b > a + 1]
    for i in range(len(args)):
        for j in range(i + 1, min(len(args), i + 4)):
            start, end = args[i][0], args[j][1]
            old = program.source[start:end]
            yield Edit("brackets", start, end, f"({old})", old, n)


def _keyword(program: Program, n: int, name: str | None) -> Iterator[Edit]:
    tokens = program.tokens(n)
    if not tokens or tokens[0].kind != "name":
        return
    first = tokens[0]
    for new in LINE_KEYWORDS:
        if new != first.text and (keyword.iskeyword(first.text) or tokens[1:2] and tokens[1].text == "("):
            yield _token_edit(
                "keyword", program, first, new + (" " if program.source[first.end : first.end + 1] == "(" else "")
            )
    if len(tokens) > 1 and tokens[1].kind == "name":  # two words that are one keyword: else if -> elif
        joined = first.text + tokens[1].text
        for new in difflib.get_close_matches(joined, LINE_KEYWORDS, n=3, cutoff=0.75):
            old = program.source[first.start : tokens[1].end]
            yield Edit("keyword", first.start, tokens[1].end, new, old, n)
    if first.kind == "name" and not keyword.iskeyword(first.text) and not re.match(r"\s*\w+\s*[=:]", _text(program, n)):
        yield Edit("keyword", first.start, first.start, "return ", "", n)


def _text(program: Program, n: int) -> str:
    return program.lines[n - 1] if 1 <= n <= len(program.lines) else ""


def _self(program: Program, n: int, name: str | None) -> Iterator[Edit]:
    for line in _def_lines(program, n, name):
        m = re.match(r"(\s+)def\s+\w+\s*\(", _text(program, line))
        if m and not re.match(r"\s*self\b", _text(program, line)[m.end() :]):
            at = program.starts[line - 1] + m.end()
            rest = _text(program, line)[m.end() :]
            yield Edit("self", at, at, "self" if rest.lstrip().startswith(")") else "self, ", "", line)


def _def_lines(program: Program, n: int, name: str | None) -> list[int]:
    """The def line of the function line n is in, and of functions the error names."""
    found = []
    for m in range(n, 0, -1):
        if re.match(r"\s*def\s", _text(program, m)):
            found.append(m)
            break
    if name:
        found += [
            m for m in range(1, len(program.lines) + 1) if re.match(rf"\s*def\s+{re.escape(name)}\b", _text(program, m))
        ]
    return list(dict.fromkeys(found))


def _global(program: Program, n: int, name: str | None) -> Iterator[Edit]:
    if not name or not re.search(rf"^{re.escape(name)}\s*=", program.source, re.MULTILINE):
        return
    for line in _def_lines(program, n, None):
        body = line + 1
        if body <= len(program.lines):
            width = program.indent(body)
            yield Edit(
                "global", program.starts[body - 1], program.starts[body - 1], f"{width}global {name}\n", "", body
            )


def _start(program: Program, n: int, name: str | None) -> Iterator[Edit]:
    if not name or not re.fullmatch(r"[A-Za-z_]\w*", name):
        return
    for line in dict.fromkeys((_outermost(program, n), n)):
        at, width = program.starts[line - 1], program.indent(line)
        for value in STARTS:
            yield Edit("start", at, at, f"{width}{name} = {value}\n", "", line)


def _outermost(program: Program, n: int) -> int:
    """The first line of the outermost statement (a loop, an if) that line n belongs to."""
    width = len(program.indent(n))
    for m in range(n - 1, 0, -1):
        text = _text(program, m)
        if text.strip() and len(program.indent(m)) < width:
            if re.match(r"\s*(def|class)\b", text):
                return n
            n, width = m, len(program.indent(m))
    return n


_BY_KIND = {
    "replace": _replace,
    "insert": _insert,
    "delete": _delete,
    "case": _case,
    "name": _name,
    "quote": _quote,
    "call": _call,
    "wrap": _wrap,
    "brackets": _brackets,
    "keyword": _keyword,
    "self": _self,
    "global": _global,
    "start": _start,
}
