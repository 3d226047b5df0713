"""Strings: count, reverse, transform and parse."""

from __future__ import annotations

import random
import string

from codeling.evals.tasks.base import Spec, kind, sentence, word


def _sentences(rng: random.Random, count: int = 10) -> list[tuple]:
    return [(sentence(rng),) for _ in range(count)]


@kind("strings", 1)
def count_char(rng: random.Random) -> Spec:
    c = rng.choice(string.ascii_lowercase)
    return Spec(
        f"count_{c}",
        "s: str",
        "int",
        f"Return how many times the letter '{c}' appears in s.",
        lambda s: s.count(c),
        f"    count = 0\n    for ch in s:\n        if ch == {c!r}:\n            count += 1\n    return count\n",
        edge=[("",), (c,), (c * 3,), (c.upper(),)],
        typical=_sentences(rng),
    )


@kind("strings", 1)
def surround(rng: random.Random) -> Spec:
    left, right = rng.choice(["()", "[]", "<>", "**", "{}", "__", "--", "''", "!!", "##"])
    times = rng.randint(1, 4)
    return Spec(
        "surround",
        "s: str",
        "str",
        f"Return s with {left * times!r} added in front and {right * times!r} added at the end.",
        lambda s: left * times + s + right * times,
        f"    return {left * times!r} + s + {right * times!r}\n",
        edge=[("",), (" ",), (left,)],
        typical=_sentences(rng),
    )


@kind("strings", 1)
def reverse_words(rng: random.Random) -> Spec:
    sep = rng.choice([" ", ", ", "-", "/"])
    return Spec(
        "reverse_words",
        "s: str",
        "str",
        f"s holds words separated by single spaces. Return the words in reverse order, joined by {sep!r}.",
        lambda s: sep.join(reversed(s.split())),
        f"    return {sep!r}.join(reversed(s.split()))\n",
        edge=[("",), ("one",), ("a b",)],
        typical=_sentences(rng),
    )


@kind("strings", 2)
def count_vowels(rng: random.Random) -> Spec:
    y = rng.random() < 0.3
    vowels = "aeiouy" if y else "aeiou"
    return Spec(
        "count_vowels",
        "s: str",
        "int",
        f"Return how many characters of s are vowels ({', '.join(vowels)}), in lower or upper case.",
        lambda s: sum(ch in vowels for ch in s.lower()),
        "    count = 0\n    for ch in s.lower():\n"
        f"        if ch in {vowels!r}:\n            count += 1\n    return count\n",
        edge=[("",), ("xyz",), ("AEIOU",), ("y",)],
        typical=_sentences(rng),
    )


@kind("strings", 2)
def is_palindrome(rng: random.Random) -> Spec:
    def make() -> str:
        half = "".join(rng.choice("abcd") for _ in range(rng.randint(1, 4)))
        return half + rng.choice(["", "x"]) + (half[::-1] if rng.random() < 0.6 else half)

    return Spec(
        "is_palindrome",
        "s: str",
        "bool",
        "Return True if s reads the same forwards and backwards, ignoring upper and lower case.",
        lambda s: s.lower() == s.lower()[::-1],
        "    s = s.lower()\n    return s == s[::-1]\n",
        edge=[("",), ("a",), ("Aa",), ("ab",)],
        typical=[(make(),) for _ in range(10)],
    )


@kind("strings", 2)
def shift_letters(rng: random.Random) -> Spec:
    k = rng.randint(1, 25)
    return Spec(
        f"shift_by_{k}",
        "s: str",
        "str",
        f"Replace each lower-case letter of s by the letter {k} places later in the alphabet, wrapping around "
        "from z to a; leave every other character as it is. Return the result.",
        lambda s: s.translate(
            str.maketrans(string.ascii_lowercase, string.ascii_lowercase[k:] + string.ascii_lowercase[:k])
        ),
        f"    result = ''\n    for ch in s:\n        if 'a' <= ch <= 'z':\n"
        f"            ch = chr((ord(ch) - ord('a') + {k}) % 26 + ord('a'))\n        result += ch\n    return result\n",
        edge=[("",), ("z",), ("A b!",)],
        typical=_sentences(rng),
    )


@kind("strings", 3)
def sum_of_numbers(rng: random.Random) -> Spec:
    sep = rng.choice([",", ";", " ", "+", "|"])
    return Spec(
        "sum_of_numbers",
        "s: str",
        "int",
        f"s holds whole numbers written in decimal and separated by {sep!r} (nothing else). "
        "Return their sum, or 0 if s is empty.",
        lambda s: sum(int(p) for p in s.split(sep)) if s else 0,
        "    if s == '':\n        return 0\n    total = 0\n"
        f"    for part in s.split({sep!r}):\n        total += int(part)\n    return total\n",
        edge=[("",), ("7",), (sep.join(["0", "0"]),), (sep.join(["-3", "3"]),)],
        typical=[(sep.join(str(rng.randint(-50, 99)) for _ in range(rng.randint(1, 6))),) for _ in range(10)],
    )


@kind("strings", 3)
def run_length(rng: random.Random) -> Spec:
    count_first = rng.random() < 0.5

    def oracle(s):
        out, i = "", 0
        while i < len(s):
            j = i
            while j < len(s) and s[j] == s[i]:
                j += 1
            out, i = out + (f"{j - i}{s[i]}" if count_first else f"{s[i]}{j - i}"), j
        return out

    piece, example = ("str(j - i) + s[i]", "'3a1b'") if count_first else ("s[i] + str(j - i)", "'a3b1'")
    stretch = (
        "the length of the stretch followed by that character"
        if count_first
        else "that character followed by the length of the stretch"
    )
    return Spec(
        "run_length",
        "s: str",
        "str",
        f"Replace every stretch of the same character in s by {stretch}, "
        f"e.g. 'aaab' becomes {example}. Return the result ('' for an empty s).",
        oracle,
        "    result = ''\n    i = 0\n    while i < len(s):\n        j = i\n        while j < len(s) and s[j] == s[i]:\n"
        f"            j += 1\n        result += {piece}\n        i = j\n    return result\n",
        edge=[("",), ("a",), ("aaaa",), ("abab",)],
        typical=[("".join(rng.choice("ab") * rng.randint(1, 4) for _ in range(rng.randint(1, 5))),) for _ in range(10)],
    )


@kind("strings", 3)
def longest_word(rng: random.Random) -> Spec:
    longest = rng.random() < 0.5
    which, better = ("longest", ">") if longest else ("shortest", "<")
    return Spec(
        f"{which}_word",
        "s: str",
        "str",
        f"s holds words separated by single spaces. Return the {which} word; if several are equally long, the first "
        "of them. Return '' if s is empty.",
        lambda s: (max if longest else min)(s.split(), key=len, default=""),
        "    best = None\n    for w in s.split():\n"
        f"        if best is None or len(w) {better} len(best):\n            best = w\n"
        "    if best is None:\n        return ''\n    return best\n",
        edge=[("",), (word(rng),), ("ab cd",), ("a bb cc",), ("bb a cc",)],
        typical=_sentences(rng),
    )
