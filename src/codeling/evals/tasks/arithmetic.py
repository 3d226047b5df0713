"""Arithmetic and number properties: divisibility, digits, primes, divisors, gcd."""

from __future__ import annotations

import math
import random

from codeling.evals.tasks.base import Spec, kind


def _ints(rng: random.Random, lo: int, hi: int, count: int = 10) -> list[tuple]:
    return [(rng.randint(lo, hi),) for _ in range(count)]


def _in_base(n: int, base: int) -> str:
    digits = ""
    while n:
        n, d = divmod(n, base)
        digits = "0123456789"[d] + digits
    return digits or "0"


@kind("arithmetic", 1)
def is_multiple(rng: random.Random) -> Spec:
    k = rng.randint(2, 40)
    return Spec(
        f"is_multiple_of_{k}",
        "n: int",
        "bool",
        f"Return True if n is a multiple of {k}, otherwise False.",
        lambda n: n % k == 0,
        f"    return n % {k} == 0\n",
        edge=[(0,), (k,), (-k,), (1,), (k + 1,)],
        typical=_ints(rng, -100, 100),
    )


@kind("arithmetic", 1)
def linear(rng: random.Random) -> Spec:
    a, b = rng.randint(2, 9), rng.randint(-9, 9)
    return Spec(
        f"times_{a}_plus",
        "n: int",
        "int",
        f"Return {a} times n, plus {b}.",
        lambda n: a * n + b,
        f"    return {a} * n + {b}\n",
        edge=[(0,), (1,), (-1,)],
        typical=_ints(rng, -50, 50),
    )


@kind("arithmetic", 1)
def clamp(rng: random.Random) -> Spec:
    lo = rng.randint(-10, 5)
    hi = lo + rng.randint(1, 20)
    return Spec(
        "clamp",
        "n: int",
        "int",
        f"Return n if it lies between {lo} and {hi} (inclusive); return {lo} if n is smaller and {hi} if it is larger.",
        lambda n: max(lo, min(hi, n)),
        f"    if n < {lo}:\n        return {lo}\n    if n > {hi}:\n        return {hi}\n    return n\n",
        edge=[(lo,), (hi,), (lo - 1,), (hi + 1,), (0,)],
        typical=_ints(rng, lo - 15, hi + 15),
    )


@kind("arithmetic", 2)
def digit_sum(rng: random.Random) -> Spec:
    base = rng.randint(2, 10)
    where = "decimal digits" if base == 10 else f"digits in base {base}"
    return Spec(
        "digit_sum",
        "n: int",
        "int",
        f"Return the sum of the {where} of n, ignoring its sign.",
        lambda n: sum(int(d, base) for d in (_in_base(abs(n), base))),
        "    n = abs(n)\n    total = 0\n    while n > 0:\n"
        f"        total += n % {base}\n        n //= {base}\n    return total\n",
        edge=[(0,), (7,), (-7,), (10,), (-305,)],
        typical=_ints(rng, -99999, 99999),
    )


@kind("arithmetic", 2)
def count_divisors(rng: random.Random) -> Spec:
    return Spec(
        "count_divisors",
        "n: int",
        "int",
        "n is a positive whole number. Return how many positive whole numbers divide n exactly, 1 and n included.",
        lambda n: sum(n % d == 0 for d in range(1, n + 1)),
        "    count = 0\n    for d in range(1, n + 1):\n"
        "        if n % d == 0:\n            count += 1\n    return count\n",
        edge=[(1,), (2,), (12,), (13,), (36,)],
        typical=_ints(rng, 1, 200),
    )


@kind("arithmetic", 2)
def is_prime(rng: random.Random) -> Spec:
    return Spec(
        "is_prime",
        "n: int",
        "bool",
        "Return True if n is a prime number (a whole number above 1 whose only divisors are 1 and itself).",
        lambda n: n > 1 and all(n % d for d in range(2, math.isqrt(n) + 1)),
        "    if n < 2:\n        return False\n    d = 2\n    while d * d <= n:\n        if n % d == 0:\n"
        "            return False\n        d += 1\n    return True\n",
        edge=[(0,), (1,), (2,), (-7,), (4,), (9,), (97,)],
        typical=_ints(rng, 2, 300),
    )


@kind("arithmetic", 2)
def is_power(rng: random.Random) -> Spec:
    b = rng.randint(2, 5)
    return Spec(
        f"is_power_of_{b}",
        "n: int",
        "bool",
        f"Return True if n is a whole power of {b} (1, {b}, {b * b}, ...), otherwise False.",
        lambda n: any(b**i == n for i in range(64)),
        f"    if n < 1:\n        return False\n    while n % {b} == 0:\n        n //= {b}\n    return n == 1\n",
        edge=[(0,), (1,), (b,), (b**3,), (-b,), (b**2 + 1,)],
        typical=[(b ** rng.randint(0, 6) + rng.choice((0, 0, 1)),) for _ in range(10)],
    )


@kind("arithmetic", 3)
def gcd(rng: random.Random) -> Spec:
    return Spec(
        "greatest_common_divisor",
        "a: int, b: int",
        "int",
        "a and b are whole numbers, not both zero, and not negative. "
        "Return the largest whole number that divides both.",
        math.gcd,
        "    while b:\n        a, b = b, a % b\n    return a\n",
        edge=[(0, 5), (5, 0), (1, 1), (12, 18), (17, 5), (7, 7)],
        typical=[(rng.randint(1, 30) * m, rng.randint(1, 30) * m) for m in [rng.randint(1, 9) for _ in range(8)]],
    )


@kind("arithmetic", 3)
def sum_of_multiples(rng: random.Random) -> Spec:
    a, b = rng.sample(range(2, 10), 2)
    return Spec(
        f"sum_multiples_of_{a}_or_{b}",
        "n: int",
        "int",
        f"Return the sum of all whole numbers from 1 up to, but not including, n that are multiples of {a} or of {b}.",
        lambda n: sum(i for i in range(1, n) if i % a == 0 or i % b == 0),
        "    total = 0\n    for i in range(1, n):\n"
        f"        if i % {a} == 0 or i % {b} == 0:\n            total += i\n    return total\n",
        edge=[(0,), (1,), (a,), (b,), (a * b + 1,)],
        typical=_ints(rng, 2, 120),
    )


@kind("arithmetic", 3)
def collatz_steps(rng: random.Random) -> Spec:
    def oracle(n):
        steps = 0
        while n != 1:
            n, steps = (n // 2 if n % 2 == 0 else 3 * n + 1), steps + 1
        return steps

    return Spec(
        "collatz_steps",
        "n: int",
        "int",
        "n is a positive whole number. Repeatedly halve n if it is even, or replace it by 3 * n + 1 if it is odd, "
        "until it becomes 1. Return how many steps that takes.",
        oracle,
        "    steps = 0\n    while n != 1:\n        if n % 2 == 0:\n            n = n // 2\n        else:\n"
        "            n = 3 * n + 1\n        steps += 1\n    return steps\n",
        edge=[(1,), (2,), (3,), (27,)],
        typical=_ints(rng, 1, 100),
    )
