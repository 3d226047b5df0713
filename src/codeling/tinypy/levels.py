"""Which level a program belongs to, read off its text with one strict grammar per level.

The grammars are the level table of TINYPY.md written as regular expressions over whole programs,
independent of the generator's code, so the tests can hold the generator to them. Other tools'
whitespace quirks are normalised away first. A program fits several levels at times (a 1.2 program
without its chain looks like 1.1); `level_of` answers the lowest level that fits, None if none does.
"""

from __future__ import annotations

import re

from codeling.tinypy.builder import LEVELS
from codeling.tinypy.sample import normalise_program

_NUM = r"\d+"
_VAR = r"[a-z]"
_TERM = rf"(?:{_VAR}|{_NUM})"
_OP = r"[-+*/]"
_EXPR = rf"{_TERM} {_OP} {_TERM}"
_CHAIN = rf"\({_EXPR}\)(?:{_OP}\({_EXPR}\))*"
_INITS = rf"(?:{_VAR} = {_NUM}\n)+"
_SIMPLE_ASSIGN = rf"(?:{_VAR} = {_EXPR}\n)?"
_ADVANCED_ASSIGN = rf"(?:{_VAR} = (?:{_CHAIN}|{_EXPR})\n)?"
_DISPLAY = rf"print\({_VAR}\)"
_ADVANCED_DISPLAY = rf"print\({_VAR}(?: {_OP} {_TERM})?\)"
_REL = r"(?:<=|>=|!=|==|<|>)"
_COND = rf"(?:not )?{_VAR} {_REL} {_TERM}"
_CHAIN_COND = rf"(?:not )?\({_COND}\)(?: (?:and|or) \({_COND}\))*"
_RANGE = rf"range\({_NUM}, {_NUM}(?:, {_NUM})?\)"


def _if_block(cond: str, show: str) -> str:
    branch = rf" :\n\t{show}"
    return rf"if {cond}{branch}(?:\nelif {cond}{branch}\nelse :\n\t{show}|\nelse :\n\t{show})?"


def _while(rel: str, op: str, group: str) -> str:
    # The body steps the loop variable the way the condition needs: up for <, down for >.
    step = rf"(?P={group}) = (?P={group}) {op} {_NUM}"
    return rf"while (?P<{group}>{_VAR}) {rel} {_NUM} :\n\t{_DISPLAY}\n\t{step}"


GRAMMARS = {
    "1.1": _INITS + _SIMPLE_ASSIGN + _ADVANCED_DISPLAY,
    "1.2": _INITS + _ADVANCED_ASSIGN + _ADVANCED_DISPLAY,
    "2.1": _INITS + _if_block(_COND, _DISPLAY),
    "2.2": _INITS + _ADVANCED_ASSIGN + _if_block(_CHAIN_COND, _ADVANCED_DISPLAY),
    "3.1": _INITS + rf"for {_VAR} in {_RANGE} :\n\t{_DISPLAY}",
    "3.2": _INITS + _ADVANCED_ASSIGN + rf"for {_VAR} in {_RANGE} :\n\t{_ADVANCED_DISPLAY}",
    "4.1": _INITS + rf"(?:{_while('<', '[+]', 'up')}|{_while('>', '-', 'down')})",
}
_COMPILED = {level: re.compile(pattern + r"\Z") for level, pattern in GRAMMARS.items()}
assert tuple(GRAMMARS) == LEVELS


def conforms(program: str, level: str) -> bool:
    """Whether the program is one the level's grammar describes."""
    return _COMPILED[level].match(normalise_program(program)) is not None


def level_of(program: str) -> str | None:
    text = normalise_program(program)
    for level in LEVELS:
        if _COMPILED[level].match(text):
            return level
    return None
