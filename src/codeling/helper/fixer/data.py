"""What the fixer model learns from: beginner-style programs, broken on purpose, and the one line
that repairs each.

Programs come from four places: the task suite's reference solutions, TinyPy programs, the examples
the installed pygame wheel ships, and short programs written here. The split is by program family
(a task family, an example file, a TinyPy program, one of ours) AND by kind of mistake: the held-out
families and HELD_OUT_KINDS never reach training, so the benchmark can measure generalisation.

An example is a prompt (the error, then the lines around it with their numbers) and a completion
(one edit: `=N text` puts text on line N, `+N text` inserts it before line N). A tiny model cannot
rewrite a whole program, but it can write one line.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from codeling.digest import sha256_text
from codeling.helper.fixer.corrupt import RUN_KINDS, SYNTAX_KINDS, Corruption, corrupt

HELD_OUT_KINDS = ("eq_for_assign", "python2_print", "misspelled_builtin")
TRAIN_KINDS = tuple(k for k in SYNTAX_KINDS + RUN_KINDS if k not in HELD_OUT_KINDS)
HELD_OUT_SHARE = 5  # one family in five is held out
MAX_LINE = 100  # characters of a line shown in a prompt; longer repairs are not learned
MAX_REPEATS = 4
BEFORE, AFTER = 2, 1  # lines shown around the line Python points at: enough to see the indentation

OWN = [
    "name = 'Sam'\nage = 10\nprint('Hi ' + name)\nprint('Next year you are', age + 1)\n",
    "import random\nrandom.seed(1)\nroll = random.randint(1, 6)\nif roll > 3:\n    print('big')\nelse:\n"
    "    print('small')\n",
    "total = 0\nfor n in range(1, 11):\n    total = total + n\nprint(total)\n",
    "fruits = ['apple', 'pear', 'plum']\nfor fruit in fruits:\n    print(fruit.upper())\n",
    "def double(x):\n    return x * 2\n\nfor i in range(4):\n    print(double(i))\n",
    "import math\nr = 3\narea = math.pi * r * r\nprint(round(area, 2))\n",
    "count = 10\nwhile count > 0:\n    print(count)\n    count = count - 3\nprint('liftoff')\n",
    "scores = {'ann': 3, 'bob': 5}\nfor who in scores:\n    if scores[who] >= 4:\n        print(who, 'wins')\n",
    "word = 'banana'\nvowels = 0\nfor ch in word:\n    if ch in 'aeiou':\n        vowels += 1\nprint(vowels)\n",
    "import time\nstart = time.time()\nsteps = 0\nfor i in range(5):\n    steps = steps + i\nprint(steps)\n",
    "lives = 3\nscore = 0\nwhile lives > 0:\n    score = score + 10\n    lives = lives - 1\nprint('score', score)\n",
    "def greet(who):\n    print('Hello, ' + who + '!')\n\ngreet('Ada')\ngreet('Linus')\n",
    "numbers = [4, 8, 15, 16, 23, 42]\nbiggest = numbers[0]\nfor n in numbers:\n    if n > biggest:\n"
    "        biggest = n\nprint(biggest)\n",
    "import random\nrandom.seed(3)\ncoins = 0\nfor turn in range(6):\n    if random.random() < 0.5:\n"
    "        coins = coins + 1\nprint('coins:', coins)\n",
    "width = 8\nfor row in range(3):\n    print('*' * width)\n    width = width - 2\n",
    "pets = []\npets.append('cat')\npets.append('dog')\nprint(len(pets), 'pets')\nfor pet in pets:\n"
    "    print('I love my ' + pet)\n",
    "def area(w, h):\n    return w * h\n\nrooms = [(3, 4), (5, 2)]\ntotal = 0\nfor w, h in rooms:\n"
    "    total = total + area(w, h)\nprint(total)\n",
    "temperature = 25\nif temperature > 30:\n    print('hot')\nelif temperature > 15:\n    print('warm')\n"
    "else:\n    print('cold')\n",
    "import math\nfor n in range(1, 6):\n    print(n, math.sqrt(n))\n",
    "secret = 7\nguesses = [3, 9, 7]\nfor guess in guesses:\n    if guess == secret:\n        print('You got it!')\n"
    "        break\n    print('Try again')\n",
]


@dataclass(frozen=True)
class Program:
    name: str  # "task:gcd:3", "tinypy:12", "pygame:chimp.py", "own:4"
    family: str  # what the split is by
    text: str
    tests: str | None = None  # the task suite's tests, when it has them


def own_programs() -> list[Program]:
    return [Program(f"own:{i}", f"own:{i}", text) for i, text in enumerate(OWN)]


def task_programs() -> list[Program]:
    from codeling.evals.tasks.suite import generate_tasks

    return [
        Program(f"task:{t.kind}:{i}", f"task:{t.kind}", t.prompt + t.reference, t.tests)
        for i, t in enumerate(generate_tasks())
    ]


def tinypy_programs(n: int, seed: int = 0) -> list[Program]:
    """TinyPy programs of every level, each from its own seeded RNG."""
    from codeling.tinypy.builder import LEVELS, Knobs
    from codeling.tinypy.generator import draw_program

    out = []
    for i in range(n):
        text = draw_program(random.Random(f"{seed}:{i}"), LEVELS[i % len(LEVELS)], Knobs()).text + "\n"
        out.append(Program(f"tinypy:{seed}:{i}", f"tinypy:{seed}:{i}", text))
    return out


def pygame_programs() -> list[Program]:
    """The example programs of the installed pygame wheel; none when pygame is not installed."""
    from codeling.helper.ask.retrieve import pygame_root

    try:
        root, _ = pygame_root()
    except Exception:  # no pygame: the other sources still make a fixer
        return []
    files = [p for p in sorted((root / "examples").glob("*.py")) if p.name != "__init__.py"]
    return [Program(f"pygame:{p.name}", f"pygame:{p.name}", _read(p)) for p in files]


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def held_out(program: Program) -> bool:
    """Whether this program's family is kept out of training (a fixed hash, the same everywhere)."""
    return int(sha256_text(program.family)[:8], 16) % HELD_OUT_SHARE == 0


def error_text(exception: str | None, message: str) -> str:
    """The error as the prompt shows it; Python's runtime 'Did you mean' guess is dropped, because a
    corruption made here has none."""
    message = re.sub(r"\. Did you mean: '[^']*'\?$", "", message or "")
    return f"{exception or 'Error'}: {message}" if message else exception or "Error"


def prompt_for(source: str, error: str, line: int) -> str:
    lines = source.splitlines() or [""]
    line = min(max(1, line), len(lines))
    shown = "".join(
        f"{n}|{lines[n - 1][:MAX_LINE]}\n" for n in range(max(1, line - BEFORE), min(len(lines), line + AFTER) + 1)
    )
    return f"{error}\n{shown}FIX "


def completion_for(c: Corruption) -> str:
    return f"{'+' if c.removed else '='}{c.line} {c.original}\n"


_EDIT = re.compile(r"^([=+])(\d+) (.*)$")


def apply_edit(source: str, completion: str) -> str | None:
    """The program with the model's edit made, or None when the edit is not one."""
    m = _EDIT.match(completion.rstrip("\n"))
    if not m:
        return None
    lines = source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    n, text = int(m.group(2)), m.group(3) + "\n"
    if m.group(1) == "=" and 1 <= n <= len(lines):
        lines[n - 1] = text
    elif m.group(1) == "+" and 1 <= n <= len(lines) + 1:
        lines.insert(n - 1, text)
    else:
        return None
    return "".join(lines)


def examples(programs: list[Program], kinds: tuple[str, ...], per_kind: int, seed: int) -> list[tuple[str, str]]:
    """(prompt, completion) pairs: each program broken `per_kind` times by each kind for every 20
    lines it has, up to MAX_REPEATS times (a long example file has room for more mistakes, but each
    costs a compile of the whole file), deduplicated."""
    pairs: set[tuple[str, str]] = set()
    for program in programs:
        repeats = per_kind * min(MAX_REPEATS, max(1, program.text.count("\n") // 20))
        for kind in kinds:
            for r in range(repeats):
                c = corrupt(program.text, kind, random.Random(f"{seed}:{program.name}:{kind}:{r}"))
                if c is None or c.error is None or len(c.original) > MAX_LINE:
                    continue
                pairs.add((prompt_for(c.source, c.error, c.error_line or c.line), completion_for(c)))
    return sorted(pairs)


def split_programs(programs: list[Program]) -> tuple[list[Program], list[Program]]:
    """(training programs, held-out programs)."""
    return [p for p in programs if not held_out(p)], [p for p in programs if held_out(p)]
