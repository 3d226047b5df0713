"""Conditionals and loops in the TinyPy spirit: branch on values, count, repeat, simulate a process."""

from __future__ import annotations

import math
import random

from codeling.evals.tasks.base import Spec, kind


def _ints(rng: random.Random, lo: int, hi: int, count: int = 10) -> list[tuple]:
    return [(rng.randint(lo, hi),) for _ in range(count)]


@kind("loops", 1)
def fizzbuzz(rng: random.Random) -> Spec:
    a, b = rng.sample(range(2, 8), 2)
    return Spec(
        "fizz_buzz",
        "n: int",
        "str",
        f"Return 'FizzBuzz' if n is divisible by both {a} and {b}, 'Fizz' if only by {a}, 'Buzz' if only by {b}, "
        "and otherwise n written as a string.",
        lambda n: "Fizz" * (n % a == 0) + "Buzz" * (n % b == 0) or str(n),
        f"    if n % {a} == 0 and n % {b} == 0:\n        return 'FizzBuzz'\n"
        f"    if n % {a} == 0:\n        return 'Fizz'\n"
        f"    if n % {b} == 0:\n        return 'Buzz'\n    return str(n)\n",
        edge=[(0,), (1,), (a,), (b,), (a * b,)],
        typical=_ints(rng, 1, 60),
    )


@kind("loops", 1)
def sign_word(rng: random.Random) -> Spec:
    words = rng.choice([("positive", "negative", "zero"), ("up", "down", "flat"), ("plus", "minus", "none")])
    return Spec(
        "sign_word",
        "n: int",
        "str",
        f"Return {words[0]!r} if n is above 0, {words[1]!r} if it is below 0, and {words[2]!r} if it is 0.",
        lambda n: words[0] if n > 0 else words[1] if n < 0 else words[2],
        f"    if n > 0:\n        return {words[0]!r}\n"
        f"    elif n < 0:\n        return {words[1]!r}\n    else:\n        return {words[2]!r}\n",
        edge=[(0,), (1,), (-1,)],
        typical=_ints(rng, -100, 100),
    )


@kind("loops", 2)
def grade(rng: random.Random) -> Spec:
    cuts = sorted(rng.sample(range(40, 95), 3), reverse=True)
    letters = "ABCD"
    rules = ", ".join(f"{letters[i]!r} if it is at least {c}" for i, c in enumerate(cuts))

    def oracle(score):
        return next((letters[i] for i, c in enumerate(cuts) if score >= c), "D")

    body = "".join(
        f"    {'if' if i == 0 else 'elif'} score >= {c}:\n        return {letters[i]!r}\n" for i, c in enumerate(cuts)
    )
    return Spec(
        "grade",
        "score: int",
        "str",
        f"Return the grade for a score: {rules}, and 'D' otherwise (checked in that order).",
        oracle,
        body + "    return 'D'\n",
        edge=[(c,) for c in cuts] + [(c - 1,) for c in cuts] + [(0,), (100,)],
        typical=_ints(rng, 0, 100),
    )


@kind("loops", 2)
def multiply_range(rng: random.Random) -> Spec:
    start = rng.randint(1, 3)
    return Spec(
        "product_up_to",
        "n: int",
        "int",
        f"Return the product of the whole numbers from {start} up to n, inclusive; return 1 if n is less than {start}.",
        lambda n: math.prod(range(start, n + 1)),
        f"    result = 1\n    for i in range({start}, n + 1):\n        result *= i\n    return result\n",
        edge=[(0,), (start,), (start - 1,), (-3,)],
        typical=_ints(rng, 1, 15),
    )


@kind("loops", 2)
def steps_to_exceed(rng: random.Random) -> Spec:
    start, factor = rng.randint(1, 5), rng.randint(2, 4)

    def oracle(limit):
        value, steps = start, 0
        while value <= limit:
            value, steps = value * factor, steps + 1
        return steps

    return Spec(
        "steps_to_exceed",
        "limit: int",
        "int",
        f"Start with the value {start} and multiply it by {factor} again and again until it is greater than limit. "
        "Return how many multiplications that takes (0 if it already is).",
        oracle,
        f"    value = {start}\n    steps = 0\n    while value <= limit:\n        value = value * {factor}\n"
        "        steps += 1\n    return steps\n",
        edge=[(0,), (start - 1,), (start,), (start * factor,)],
        typical=_ints(rng, 0, 5000),
    )


@kind("loops", 3)
def simulate(rng: random.Random) -> Spec:
    m, c = rng.randint(2, 5), rng.randint(-3, 5)

    def oracle(x, times):
        for _ in range(times):
            x = x // 2 if x % 2 == 0 else m * x + c
        return x

    return Spec(
        "simulate",
        "x: int, times: int",
        "int",
        f"Repeat the following `times` times: if x is even, halve it; otherwise replace it by {m} * x + {c}. "
        "Return the final x.",
        oracle,
        f"    for _ in range(times):\n        if x % 2 == 0:\n            x = x // 2\n        else:\n"
        f"            x = {m} * x + {c}\n    return x\n",
        edge=[(0, 5), (7, 0), (1, 1), (-3, 2)],
        typical=[(rng.randint(-20, 50), rng.randint(1, 8)) for _ in range(10)],
    )


@kind("loops", 3)
def fibonacci_like(rng: random.Random) -> Spec:
    a, b = rng.randint(0, 3), rng.randint(1, 4)

    def oracle(n):
        x, y = a, b
        for _ in range(n):
            x, y = y, x + y
        return x

    return Spec(
        "sequence_term",
        "n: int",
        "int",
        f"A sequence starts {a}, {b}, and every later term is the sum of the two before it. Return the term at "
        "position n, counting from 0.",
        oracle,
        f"    x = {a}\n    y = {b}\n    for _ in range(n):\n        x, y = y, x + y\n    return x\n",
        edge=[(0,), (1,), (2,)],
        typical=_ints(rng, 0, 30),
    )


@kind("loops", 3)
def reverse_digits(rng: random.Random) -> Spec:
    return Spec(
        "reverse_digits",
        "n: int",
        "int",
        "n is a whole number, not negative. Return the number whose decimal digits are those of n in reverse "
        "order (leading zeros disappear, so 120 gives 21).",
        lambda n: int(str(n)[::-1]),
        "    result = 0\n    while n > 0:\n"
        "        result = result * 10 + n % 10\n        n //= 10\n    return result\n",
        edge=[(0,), (5,), (10,), (1200,)],
        typical=_ints(rng, 0, 99999),
    )
