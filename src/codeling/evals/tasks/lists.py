"""List processing: filter, map, reduce, search, and sort-based tasks on lists of whole numbers."""

from __future__ import annotations

import random
from collections.abc import Callable

from codeling.evals.tasks.base import Spec, int_list, kind

EMPTY = ([],)


def _lists(rng: random.Random, count: int = 10, **bounds) -> list[tuple]:
    return [(int_list(rng, **bounds),) for _ in range(count)]


def _predicate(rng: random.Random) -> tuple[str, str, Callable[[int], bool]]:
    """(English, the same test as Python on x, an independent callable)."""
    t, k = rng.randint(-10, 30), rng.randint(2, 9)
    lo = rng.randint(-10, 10)
    hi = lo + rng.randint(0, 15)
    return rng.choice(
        [
            ("even", "x % 2 == 0", lambda x: x % 2 == 0),
            ("odd", "x % 2 == 1", lambda x: x % 2 != 0),
            ("negative", "x < 0", lambda x: x < 0),
            (f"greater than {t}", f"x > {t}", lambda x: x > t),
            (f"less than {t}", f"x < {t}", lambda x: x < t),
            (f"multiples of {k}", f"x % {k} == 0", lambda x: x % k == 0),
            (f"between {lo} and {hi} (both included)", f"{lo} <= x <= {hi}", lambda x: lo <= x <= hi),
        ]
    )


def _mapping(rng: random.Random) -> tuple[str, str, Callable[[int], int]]:
    k = rng.randint(2, 10)
    return rng.choice(
        [
            (f"multiplied by {k}", f"{k} * x", lambda x: x * k),
            (f"increased by {k}", f"x + {k}", lambda x: k + x),
            (f"decreased by {k}", f"x - {k}", lambda x: x - k),
            ("squared", "x * x", lambda x: x**2),
            ("made non-negative (its absolute value)", "abs(x)", lambda x: x if x >= 0 else -x),
            (f"replaced by its remainder after division by {k}", f"x % {k}", lambda x: x - k * (x // k)),
        ]
    )


WIDE = dict(lo=-20, hi=40)


@kind("lists", 1)
def count_where(rng: random.Random) -> Spec:
    words, test, pred = _predicate(rng)
    return Spec(
        "count_matching",
        "xs: list[int]",
        "int",
        f"Return how many numbers in xs are {words}.",
        lambda xs: len(list(filter(pred, xs))),
        f"    count = 0\n    for x in xs:\n        if {test}:\n            count += 1\n    return count\n",
        edge=[EMPTY, ([0],), ([1],), ([-3, -2],)],
        typical=_lists(rng, **WIDE),
    )


@kind("lists", 1)
def map_each(rng: random.Random) -> Spec:
    words, expr, f = _mapping(rng)
    return Spec(
        "transform",
        "xs: list[int]",
        "list[int]",
        f"Return a new list holding every number of xs {words}, in the same order.",
        lambda xs: list(map(f, xs)),
        f"    result = []\n    for x in xs:\n        result.append({expr})\n    return result\n",
        edge=[EMPTY, ([0],), ([1, -1],)],
        typical=_lists(rng),
    )


@kind("lists", 1)
def largest_or_default(rng: random.Random) -> Spec:
    d = rng.randint(-20, 20)
    return Spec(
        "largest",
        "xs: list[int]",
        "int",
        f"Return the largest number in xs, or {d} if xs is empty.",
        lambda xs: max(xs, default=d),
        f"    if not xs:\n        return {d}\n    best = xs[0]\n    for x in xs:\n        if x > best:\n"
        "            best = x\n    return best\n",
        edge=[EMPTY, ([-7],), ([-3, -9],), ([2, 2],)],
        typical=_lists(rng),
    )


@kind("lists", 2)
def sum_where(rng: random.Random) -> Spec:
    words, test, pred = _predicate(rng)
    return Spec(
        "sum_matching",
        "xs: list[int]",
        "int",
        f"Return the sum of the numbers in xs that are {words} (0 if there are none).",
        lambda xs: sum(filter(pred, xs)),
        f"    total = 0\n    for x in xs:\n        if {test}:\n            total += x\n    return total\n",
        edge=[EMPTY, ([0],), ([1],), ([-3, -2, 5],)],
        typical=_lists(rng, **WIDE),
    )


@kind("lists", 2)
def keep_where(rng: random.Random) -> Spec:
    words, test, pred = _predicate(rng)
    return Spec(
        "keep_matching",
        "xs: list[int]",
        "list[int]",
        f"Return the numbers of xs that are {words}, in their original order.",
        lambda xs: list(filter(pred, xs)),
        f"    return [x for x in xs if {test}]\n",
        edge=[EMPTY, ([0],), ([1],), ([-3, -2, 5],)],
        typical=_lists(rng, **WIDE),
    )


@kind("lists", 2)
def first_index_where(rng: random.Random) -> Spec:
    words, test, pred = _predicate(rng)
    return Spec(
        "first_index",
        "xs: list[int]",
        "int",
        f"Return the position (counting from 0) of the first number in xs that is {words}, or -1 if there is none.",
        lambda xs: next((i for i, x in enumerate(xs) if pred(x)), -1),
        f"    for i in range(len(xs)):\n        x = xs[i]\n        if {test}:\n            return i\n    return -1\n",
        edge=[EMPTY, ([0],), ([1],), ([-3, -2, 5],)],
        typical=_lists(rng, **WIDE),
    )


@kind("lists", 3)
def map_where(rng: random.Random) -> Spec:
    words, test, pred = _predicate(rng)
    change, expr, f = _mapping(rng)
    return Spec(
        "transform_matching",
        "xs: list[int]",
        "list[int]",
        f"Take the numbers of xs that are {words}, in their original order, and return them each {change}.",
        lambda xs: [f(x) for x in filter(pred, xs)],
        "    result = []\n    for x in xs:\n"
        f"        if {test}:\n            result.append({expr})\n    return result\n",
        edge=[EMPTY, ([0],), ([1],), ([-3, -2, 5],)],
        typical=_lists(rng, **WIDE),
    )


@kind("lists", 2)
def second_largest(rng: random.Random) -> Spec:
    return Spec(
        "second_largest",
        "xs: list[int]",
        "int | None",
        "Return the second largest distinct value in xs, or None if xs holds fewer than two distinct values.",
        lambda xs: sorted(set(xs))[-2] if len(set(xs)) >= 2 else None,
        "    values = sorted(set(xs))\n    if len(values) < 2:\n        return None\n    return values[-2]\n",
        edge=[EMPTY, ([5],), ([5, 5],), ([1, 2],), ([3, 3, 1],)],
        typical=_lists(rng),
    )


@kind("lists", 3)
def running_total(rng: random.Random) -> Spec:
    start = rng.randint(-10, 100)
    return Spec(
        "running_totals",
        "xs: list[int]",
        "list[int]",
        f"Start a total at {start}. For each number of xs in order, add it to the total and record the total. "
        "Return the recorded totals.",
        lambda xs: [start + sum(xs[: i + 1]) for i in range(len(xs))],
        f"    total = {start}\n    result = []\n    for x in xs:\n"
        "        total += x\n        result.append(total)\n    return result\n",
        edge=[EMPTY, ([0],), ([-1, 1],)],
        typical=_lists(rng),
    )


@kind("lists", 3)
def k_smallest(rng: random.Random) -> Spec:
    k = rng.randint(1, 6)
    return Spec(
        f"smallest_{k}",
        "xs: list[int]",
        "list[int]",
        f"Return the {k} smallest numbers of xs (repeats count) in increasing order; if xs has fewer than {k} "
        "numbers, return all of them in increasing order.",
        lambda xs: sorted(xs)[:k],
        f"    return sorted(xs)[:{k}]\n",
        edge=[EMPTY, ([3],), ([2, 2, 2, 2, 2],), ([5, -5],)],
        typical=_lists(rng),
    )


@kind("lists", 3)
def longest_run(rng: random.Random) -> Spec:
    def oracle(xs):
        best = run = 0
        for i, x in enumerate(xs):
            run = run + 1 if i and xs[i - 1] == x else 1
            best = max(best, run)
        return best

    return Spec(
        "longest_run",
        "xs: list[int]",
        "int",
        "Return the length of the longest stretch of equal numbers standing next to "
        "each other in xs (0 if xs is empty).",
        oracle,
        "    best = 0\n    run = 0\n    previous = None\n    for x in xs:\n        if run > 0 and x == previous:\n"
        "            run += 1\n        else:\n            run = 1\n        previous = x\n        if run > best:\n"
        "            best = run\n    return best\n",
        edge=[EMPTY, ([4],), ([1, 1, 1],), ([1, 2, 1],)],
        typical=_lists(rng, lo=0, hi=2),
    )
