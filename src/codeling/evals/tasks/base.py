"""What a procedural task is, how a task kind is declared, and how a task becomes a prompt and tests.

A *kind* is a template (e.g. "sum of the numbers above a threshold") registered with @kind under
one of the five families; called with a seeded random.Random it returns a `Spec`: the function's
name, parameters, plain-English description, edge-case and typical inputs, an `oracle` (idiomatic
Python that computes the expected answers) and a `reference` body written the beginner's way. The
two are separate on purpose: a reference solution that passes its tests agrees with an independent
implementation, which is a check, not a tautology.
"""

from __future__ import annotations

import copy
import random
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from codeling.digest import sha256_text
from codeling.evals.run import BenchmarkProblem

FAMILIES = ("arithmetic", "lists", "strings", "loops", "dicts")
LEVELS = (1, 2, 3)
MIN_TESTS = 10


@dataclass
class Spec:
    name: str
    params: str  # "xs: list[int], t: int"
    returns: str  # "int"
    doc: str  # plain English; says what to return, including the edge cases
    oracle: Callable[..., Any]
    reference: str  # the function body, indented by four spaces
    edge: list[tuple] = field(default_factory=list)  # empty, zero, negative, one element, ...
    typical: list[tuple] = field(default_factory=list)  # the docstring's examples come from here


@dataclass(frozen=True)
class Kind:
    name: str
    family: str
    level: int
    make: Callable[[random.Random], Spec]


KINDS: dict[str, Kind] = {}


def kind(family: str, level: int):
    """Register a task kind: `@kind("lists", 2)` on a function rng -> Spec."""
    assert family in FAMILIES and level in LEVELS

    def wrap(make: Callable[[random.Random], Spec]) -> Callable[[random.Random], Spec]:
        KINDS[make.__name__] = Kind(make.__name__, family, level, make)
        return make

    return wrap


@dataclass(frozen=True)
class Task:
    task_id: str  # family/kind/hash of the signature and description
    family: str
    kind: str
    level: int
    entry_point: str
    prompt: str  # signature + docstring with examples, what the model continues
    reference: str  # a body that passes the tests
    cases: tuple[tuple[str, str], ...]  # (repr of the argument tuple, repr of the expected value)

    @property
    def tests(self) -> str:
        lines = [f"    assert candidate(*{args}) == {expected}, {args!r}" for args, expected in self.cases]
        return "\n\ndef check(candidate):\n" + "\n".join(lines) + f"\n\n\ncheck({self.entry_point})\n"

    def problem(self) -> BenchmarkProblem:
        return BenchmarkProblem(
            self.task_id, self.prompt, self.tests, {"family": self.family, "level": str(self.level)}
        )

    def to_json(self) -> dict:
        return {
            "task_id": self.task_id,
            "family": self.family,
            "kind": self.kind,
            "level": self.level,
            "entry_point": self.entry_point,
            "prompt": self.prompt,
            "reference": self.reference,
            "tests": self.tests,
            "cases": [list(c) for c in self.cases],
        }


def _call(spec: Spec, args: tuple) -> str:
    return f"{spec.name}({', '.join(map(repr, args))})"


def _unique(inputs: list[tuple]) -> list[tuple]:
    seen, out = set(), []
    for args in inputs:
        if repr(args) not in seen:
            seen.add(repr(args))
            out.append(args)
    return out


def _examples(spec: Spec, count: int) -> list[tuple]:
    """Typical inputs to show, preferring ones with different answers (not three Trues)."""
    typical = _unique(spec.typical)
    shown, answers = [], set()
    for args in typical:
        answer = repr(spec.oracle(*copy.deepcopy(args)))
        if answer not in answers and len(shown) < count:
            shown.append(args)
            answers.add(answer)
    return shown + [a for a in typical if a not in shown][: count - len(shown)]


def build_task(k: Kind, spec: Spec, examples: int) -> Task | None:
    """The task a spec describes, or None when its inputs give fewer than MIN_TESTS distinct cases."""
    inputs = _unique(spec.edge + spec.typical)
    if len(inputs) < MIN_TESTS:
        return None
    # Deep copies, so an oracle that changes its input cannot change the recorded case.
    cases = tuple((repr(args), repr(spec.oracle(*copy.deepcopy(args)))) for args in inputs)
    header = f"def {spec.name}({spec.params}) -> {spec.returns}:"
    identity = sha256_text(f"{k.name}\n{header}\n{spec.doc}")[:12]
    shown = _examples(spec, examples)
    doc = textwrap.fill(spec.doc, width=88, initial_indent="    ", subsequent_indent="    ")
    lines = [header, '    """' + doc.lstrip(), ""]
    for args in shown:
        lines += [f"    >>> {_call(spec, args)}", f"    {spec.oracle(*copy.deepcopy(args))!r}"]
    prompt = "\n".join(lines) + '\n    """\n'
    return Task(f"{k.family}/{k.name}/{identity}", k.family, k.name, k.level, spec.name, prompt, spec.reference, cases)


# Input makers shared by the families.


def int_list(rng: random.Random, lo: int = -20, hi: int = 20, min_len: int = 3, max_len: int = 8) -> list[int]:
    return [rng.randint(lo, hi) for _ in range(rng.randint(min_len, max_len))]


WORDS = (
    "apple",
    "banana",
    "cat",
    "dog",
    "egg",
    "fish",
    "grape",
    "hat",
    "ice",
    "jam",
    "kite",
    "lemon",
    "moon",
    "nut",
    "owl",
    "pear",
    "queen",
    "rain",
    "sun",
    "tree",
    "umbrella",
    "van",
    "wolf",
    "yak",
    "zebra",
    "a",
    "an",
)


def sentence(rng: random.Random, min_words: int = 2, max_words: int = 6) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(min_words, max_words)))


def word(rng: random.Random) -> str:
    return rng.choice(WORDS)
