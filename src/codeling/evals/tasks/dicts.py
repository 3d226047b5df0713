"""Simple dictionaries: look up, count, invert, group and merge."""

from __future__ import annotations

import random
from collections import Counter

from codeling.evals.tasks.base import Spec, kind, sentence, word

EMPTY = ({},)


def _scores(rng: random.Random, count: int = 10) -> list[tuple]:
    return [({word(rng): rng.randint(-5, 20) for _ in range(rng.randint(1, 5))},) for _ in range(count)]


@kind("dicts", 1)
def lookup(rng: random.Random) -> Spec:
    default = rng.randint(-20, 100)
    return Spec(
        "lookup",
        "d: dict[str, int], key: str",
        "int",
        f"Return the value stored under key in d, or {default} if key is not in d.",
        lambda d, key: d.get(key, default),
        f"    if key in d:\n        return d[key]\n    return {default}\n",
        edge=[({}, "a"), ({"a": 1}, "a"), ({"a": 1}, "b")],
        typical=[(d, rng.choice([*d, word(rng)])) for (d,) in _scores(rng)],
    )


@kind("dicts", 1)
def count_above(rng: random.Random) -> Spec:
    t = rng.randint(-5, 20)
    return Spec(
        "count_above",
        "d: dict[str, int]",
        "int",
        f"Return how many values in d are greater than {t}.",
        lambda d: sum(v > t for v in d.values()),
        f"    count = 0\n    for key in d:\n        if d[key] > {t}:\n            count += 1\n    return count\n",
        edge=[EMPTY, ({"x": t},), ({"x": t + 1},)],
        typical=_scores(rng),
    )


@kind("dicts", 2)
def letter_counts(rng: random.Random) -> Spec:
    skip_spaces = rng.random() < 0.5
    note = " Spaces are not counted." if skip_spaces else ""
    return Spec(
        "letter_counts",
        "s: str",
        "dict[str, int]",
        f"Return a dictionary that maps each character of s to how many times it appears in s.{note}",
        lambda s: dict(Counter(s.replace(" ", "") if skip_spaces else s)),
        "    counts = {}\n    for ch in s:\n"
        + ("        if ch == ' ':\n            continue\n" if skip_spaces else "")
        + "        counts[ch] = counts.get(ch, 0) + 1\n    return counts\n",
        edge=[("",), ("a",), ("aa a",)],
        typical=[(sentence(rng, 1, 3),) for _ in range(10)],
    )


@kind("dicts", 2)
def word_lengths(rng: random.Random) -> Spec:
    minimum = rng.randint(1, 7)
    return Spec(
        "word_lengths",
        "words: list[str]",
        "dict[str, int]",
        f"Return a dictionary that maps each word of words that has at least {minimum} letters to its length.",
        lambda words: {w: len(w) for w in words if len(w) >= minimum},
        "    result = {}\n    for w in words:\n"
        f"        if len(w) >= {minimum}:\n            result[w] = len(w)\n    return result\n",
        edge=[([],), (["a"],), (["abcd", "abcd"],)],
        typical=[(sentence(rng).split(),) for _ in range(10)],
    )


@kind("dicts", 2)
def total_of_values(rng: random.Random) -> Spec:
    scale = rng.randint(1, 9)
    what = "the sum of the values in d" if scale == 1 else f"{scale} times the sum of the values in d"
    return Spec(
        "total",
        "d: dict[str, int]",
        "int",
        f"Return {what} (0 for an empty dictionary).",
        lambda d: scale * sum(d.values()),
        f"    total = 0\n    for key in d:\n        total += d[key]\n    return {scale} * total\n",
        edge=[EMPTY, ({"a": 0},), ({"a": -4, "b": 4},)],
        typical=_scores(rng),
    )


@kind("dicts", 3)
def group_by_letter(rng: random.Random) -> Spec:
    first = rng.random() < 0.5
    which, verb, index = ("first", "start", 0) if first else ("last", "end", -1)
    return Spec(
        f"group_by_{which}_letter",
        "words: list[str]",
        "dict[str, list[str]]",
        f"Return a dictionary that maps each {which} letter of a word in words to the list of the words that "
        f"{verb} with it, in their original order. Words are never empty.",
        lambda words: {w[index]: [v for v in words if v[index] == w[index]] for w in words},
        f"    groups = {{}}\n    for w in words:\n        key = w[{index}]\n        if key not in groups:\n"
        "            groups[key] = []\n        groups[key].append(w)\n    return groups\n",
        edge=[([],), (["a"],), (["ab", "ac", "b"],), (["ba", "ca", "b"],)],
        typical=[(sentence(rng).split(),) for _ in range(10)],
    )


@kind("dicts", 3)
def most_common_word(rng: random.Random) -> Spec:
    def oracle(s):
        counts = Counter(s.split())
        return max(counts, key=counts.get, default="")  # Counter keeps first-seen order, so ties go to the first

    return Spec(
        "most_common_word",
        "s: str",
        "str",
        "s holds words separated by single spaces. Return the word that appears most often; if several appear "
        "equally often, the one that appears first in s. Return '' if s is empty.",
        oracle,
        "    counts = {}\n    for w in s.split():\n        counts[w] = counts.get(w, 0) + 1\n    best = ''\n"
        "    for w in counts:\n"
        "        if best == '' or counts[w] > counts[best]:\n            best = w\n    return best\n",
        edge=[("",), ("a",), ("a b",), ("b a a b",)],
        typical=[(sentence(rng, 3, 8),) for _ in range(10)],
    )


@kind("dicts", 3)
def merge_counts(rng: random.Random) -> Spec:
    both = rng.choice(["sum", "larger"])
    rule = "the sum of the two values" if both == "sum" else "the larger of the two values"
    return Spec(
        "merge",
        "a: dict[str, int], b: dict[str, int]",
        "dict[str, int]",
        f"Return a new dictionary with every key of a and of b. A key found in only one of them keeps its value; "
        f"a key found in both gets {rule}.",
        lambda a, b: {**a, **{k: (a[k] + v if both == "sum" else max(a[k], v)) if k in a else v for k, v in b.items()}},
        "    result = dict(a)\n    for key in b:\n        if key in result:\n"
        + (
            "            result[key] = result[key] + b[key]\n"
            if both == "sum"
            else "            if b[key] > result[key]:\n                result[key] = b[key]\n"
        )
        + "        else:\n            result[key] = b[key]\n    return result\n",
        edge=[({}, {}), ({"a": 1}, {}), ({}, {"a": 1}), ({"a": 1}, {"a": 2})],
        typical=[(x, y) for (x,), (y,) in zip(_scores(rng), _scores(rng))],
    )
