"""The learners' helper, measured: verified fix rate per kind of mistake, median time to a verified
fix, reading level of every explanation template and of real explanations, and pygame retrieval
recall@5.

Programs: reference solutions of the procedural task suite (codeling.evals.tasks, checked by their
own tests) and short beginner programs written here (checked by their expected output). Each is
corrupted once per kind at a random place (seeded); a corruption that does not break the program is
skipped. None of these programs or corruptions were used to write the rules: all are held out.

    .venv/bin/python benchmarks/helper_fix.py [--programs 40] [--seed 0] [--sandbox bwrap]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from _common import save  # noqa: E402
from codeling.evals.tasks.suite import generate_tasks  # noqa: E402
from codeling.helper import Check, explain_program, fix_program, retrieve, words  # noqa: E402
from codeling.helper.explain import compile_problem  # noqa: E402
from codeling.helper.program import run  # noqa: E402

OWN = [
    ("name = 'Sam'\nage = 10\nprint('Hi ' + name)\nprint('Next year you are', age + 1)\n", None),
    (
        "import random\nrandom.seed(1)\nroll = random.randint(1, 6)\nif roll > 3:\n    print('big')\nelse:\n"
        "    print('small')\n",
        None,
    ),
    ("total = 0\nfor n in range(1, 11):\n    total = total + n\nprint(total)\n", None),
    ("fruits = ['apple', 'pear', 'plum']\nfor fruit in fruits:\n    print(fruit.upper())\n", None),
    ("def double(x):\n    return x * 2\n\nfor i in range(4):\n    print(double(i))\n", None),
    ("import math\nr = 3\narea = math.pi * r * r\nprint(round(area, 2))\n", None),
    ("count = 10\nwhile count > 0:\n    print(count)\n    count = count - 3\nprint('liftoff')\n", None),
    ("scores = {'ann': 3, 'bob': 5}\nfor who in scores:\n    if scores[who] >= 4:\n        print(who, 'wins')\n", None),
    ("word = 'banana'\nvowels = 0\nfor ch in word:\n    if ch in 'aeiou':\n        vowels += 1\nprint(vowels)\n", None),
    ("import time\nstart = time.time()\nsteps = 0\nfor i in range(5):\n    steps = steps + i\nprint(steps)\n", None),
]

_COMPOUND = re.compile(r"^(\s*)(if|elif|else|for|while|def)\b.*:\s*$")
# A comparison operator, not an arrow (->) or a doctest prompt (>>>).
_COMPARISON = re.compile(r"(?<![-<>])(<=|>=|<|>)(?![<>])")
_KEYWORD_TYPOS = {"else": "esle", "while": "whlie", "return": "retrun", "for": "fro", "def": "deff", "elif": "elfi"}
_BUILTIN_TYPOS = {"print": ["pirnt", "Print", "prnt"], "range": ["rnage", "Range"], "len": ["lne", "Len"]}


def lines_where(source: str, pattern: str) -> list[int]:
    return [i for i, line in enumerate(source.splitlines()) if re.search(pattern, line)]


def corrupt(source: str, kind: str, rng: random.Random) -> str | None:
    """`source` with one mistake of `kind` at a random place where it fits, or None."""
    lines = source.splitlines(keepends=True)
    sites = {
        "missing_colon": lines_where(source, r"^\s*(if|elif|else|for|while|def)\b.*:\s*$"),
        "unclosed_bracket": lines_where(source, r"\)\s*$"),
        "unclosed_quote": lines_where(source, r"'[^'\n]+'"),
        "bad_indent": [i for i in range(1, len(lines)) if _COMPOUND.match(lines[i - 1])],
        "misspelled_keyword": lines_where(source, r"^\s*(else|while|return|for|def|elif)\b"),
        "misspelled_builtin": lines_where(source, r"\b(print|range|len)\("),
        "eq_for_assign": lines_where(source, r"^\s*(if|elif|while)\b.*=="),
        "python2_print": lines_where(source, r"^\s*print\(.*\)\s*$"),
        "missing_import": lines_where(source, r"^import (random|math|time)\s*$"),
        "off_by_one_range": lines_where(source, r"range\("),
        "flipped_comparison": lines_where(source, _COMPARISON.pattern),
        "plus_for_minus": lines_where(source, r" [-+] "),
    }[kind]
    if not sites:
        return None
    i = rng.choice(sites)
    lines[i] = mutate_line(lines[i], kind, rng)
    if kind == "missing_import":
        lines[i] = ""
    if kind == "bad_indent":
        lines[i] = lines[i].lstrip(" ")
    return "".join(lines)


def mutate_line(line: str, kind: str, rng: random.Random) -> str:
    if kind == "missing_colon":
        return re.sub(r":(\s*)$", r"\1", line)
    if kind == "unclosed_bracket":
        return re.sub(r"\)(\s*)$", r"\1", line)
    if kind == "unclosed_quote":
        m = rng.choice(list(re.finditer(r"'[^'\n]+'", line)))
        return line[: m.end() - 1] + line[m.end() :]
    if kind == "misspelled_keyword":
        word = re.match(r"\s*(\w+)", line).group(1)
        return line.replace(word, _KEYWORD_TYPOS[word], 1)
    if kind == "misspelled_builtin":
        word = rng.choice(re.findall(r"\b(print|range|len)\(", line))
        return line.replace(word + "(", rng.choice(_BUILTIN_TYPOS[word]) + "(", 1)
    if kind == "eq_for_assign":
        return line.replace("==", "=", 1)
    if kind == "python2_print":
        return re.sub(r"print\((.*)\)(\s*)$", r"print \1\2", line)
    if kind == "off_by_one_range":
        return re.sub(r"range\(([^()]*(?:\([^()]*\))?[^()]*)\)", r"range(\1 - 1)", line, count=1)
    if kind == "flipped_comparison":
        flip = {"<=": ">=", ">=": "<=", "<": ">", ">": "<"}
        return _COMPARISON.sub(lambda m: flip[m.group()], line, count=1)
    if kind == "plus_for_minus":
        return re.sub(r" ([-+]) ", lambda m: " - " if m.group(1) == "+" else " + ", line, count=1)
    return line


SYNTAX_KINDS = [
    "missing_colon",
    "unclosed_bracket",
    "unclosed_quote",
    "bad_indent",
    "misspelled_keyword",
    "eq_for_assign",
    "python2_print",
]
RUN_KINDS = ["misspelled_builtin", "missing_import"]
LOGIC_KINDS = ["off_by_one_range", "flipped_comparison", "plus_for_minus"]


def programs(count: int, seed: int) -> list[tuple[str, Check, str]]:
    tasks = generate_tasks()
    rng = random.Random(seed)
    chosen = rng.sample(tasks, min(count, len(tasks)))
    out = [(t.prompt + t.reference, Check(tests=t.tests), f"task:{t.kind}") for t in chosen]
    for i, (source, _) in enumerate(OWN):
        expected = run(source).result.stdout
        out.append((source, Check(expect=expected), f"own:{i}"))
    return out


def broken(source: str, check: Check, mode: str) -> bool:
    if compile_problem(source) is not None:
        return True
    return not explain_program(source, check.stdin, check.tests, check.expect, mode).problem.fine


def measure_fixes(progs, seed: int, mode: str) -> tuple[dict, list[float], list[str]]:
    rng = random.Random(seed)
    per_kind: dict[str, dict[str, int]] = {}
    seconds, samples = [], []
    for kind in SYNTAX_KINDS + RUN_KINDS + LOGIC_KINDS:
        counts = per_kind.setdefault(kind, {"cases": 0, "verified": 0, "restored": 0})
        for source, check, _ in progs:
            bad = corrupt(source, kind, rng)
            if bad is None or bad == source or not broken(bad, check, mode):
                continue
            fix = fix_program(bad, check, mode=mode)
            counts["cases"] += 1
            counts["verified"] += fix.fixed is not None
            counts["restored"] += fix.fixed == source
            if fix.fixed is not None:
                seconds.append(fix.seconds)
            if len(samples) < 60 and rng.random() < 0.25:
                samples.append(f"{fix.explanation.what} {fix.explanation.hint}")
        print(f"{kind:20s} {counts}", flush=True)
    return per_kind, seconds, samples


def reading_levels(samples: list[str]) -> dict:
    import textstat

    fields = {"name": "score", "bracket": "(", "module": "random", "got": "'3'", "expected": "'2'"}
    templates = {
        k: textstat.flesch_kincaid_grade(f"{w.format(**fields)} {h.format(**fields)}")
        for k, (w, h) in words.TEMPLATES.items()
    }
    real = [textstat.flesch_kincaid_grade(s) for s in samples]
    return {
        "templates": templates,
        "templates_max": max(templates.values()),
        "templates_median": statistics.median(templates.values()),
        "templates_over_5": sorted(k for k, g in templates.items() if g > 5),
        "real_outputs": len(real),
        "real_median": statistics.median(real) if real else None,
        "real_max": max(real) if real else None,
    }


def recall_at_5() -> dict:
    sys.path.insert(0, str(Path(__file__).parent.parent / "tests" / "helper"))
    from questions import QUESTIONS

    answered = [q for q, files in QUESTIONS if {h.path for h in retrieve.ask(q, 5)} & set(files)]
    return {"questions": len(QUESTIONS), "answered": len(answered), "recall_at_5": len(answered) / len(QUESTIONS)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--programs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sandbox", default="bwrap")
    args = parser.parse_args()
    started = time.monotonic()
    progs = programs(args.programs, args.seed)
    per_kind, seconds, samples = measure_fixes(progs, args.seed, args.sandbox)
    total = {k: sum(c[k] for c in per_kind.values()) for k in ("cases", "verified", "restored")}
    syntax = [per_kind[k] for k in SYNTAX_KINDS]
    payload = {
        "programs": len(progs),
        "per_kind": {k: {**c, "rate": c["verified"] / c["cases"] if c["cases"] else None} for k, c in per_kind.items()},
        "syntax_rate": sum(c["verified"] for c in syntax) / max(1, sum(c["cases"] for c in syntax)),
        "overall_rate": total["verified"] / max(1, total["cases"]),
        "median_seconds_to_verified_fix": statistics.median(seconds) if seconds else None,
        "reading_level": reading_levels(samples),
        "retrieval": recall_at_5(),
        "wall_s": time.monotonic() - started,
        "command": " ".join(sys.argv),
    }
    path = save("helper_fix", payload)
    print(f"reading level: {payload['reading_level']}")
    print(f"retrieval: {payload['retrieval']}")
    print(f"saved {path}")
    print(
        f"verified fix rate {payload['overall_rate']:.1%} overall, {payload['syntax_rate']:.1%} on syntax mistakes, "
        f"median {payload['median_seconds_to_verified_fix']:.2f} s to a verified fix"
    )


if __name__ == "__main__":
    main()
