"""Tasks with a difficulty knob: a function that applies `d` elementary steps to an int, in order.

    def chain(x: int) -> int:
        \"\"\"Start from x, then:
        add 3
        keep the smaller of it and 7
        square it
        Return x.\"\"\"
        # add 3             <- the reference: each step's words as a comment, its line, then
        x = x + 3              the return
        # keep the smaller of it and 7
        x = min(x, 7)
        # square it
        x = x * x
        return x

The comments are a scratchpad for length generalisation: a model that copies the next step's
words before it writes the step's line finds its place in the docstring by what it last copied,
not by counting lines, and is never taught "a body has at most d0 lines". Measured on the CPU
recipe's base (0.43M parameters, seed set d <= 4, held-out greedy pass@1): without comments d4 78%,
d5 9%, d6 3%; with them d4 100%, d5 12%, d6 12% (docs/RESULTS.md). The tests and the task's id
depend on the steps alone, so the held-out set is the same either way.

The difficulty `d` is the number of steps. Every step is drawn from STEPS with a constant 2..9, so
each `d` has tens of thousands of distinct instances and the self-improvement loop always has a next,
slightly harder step to climb (longer chains: the length-generalisation ladder of Lee et al., ICML
2025). A task's split (train or test) follows from a hash of its steps, never from how it was drawn,
so a held-out instance can never be drawn as a training task, at any seed.

Hidden tests: the reference's answers on TEST_INPUTS plus two drawn inputs. Every step is drawn to
change some answer where it stands, so a body that skips a step fails them, but for the few chains
where a later step undoes the skipped one's effect (`min(x, 5)` then `min(x, 3)`): tested in
tests/evals/test_chains.py.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from codeling.digest import sha256_text
from codeling.evals.tasks.base import Task

FAMILY = "chains"
TEST_FRACTION = 0.2  # share of all instances (by hash) that only the held-out measurement sees
TEST_INPUTS = (-7, 0, 1, 4, 13)

# (what the docstring says, the line of code it means, what it computes); {k} is the step's constant.
STEPS = (
    ("add {k}", "x = x + {k}", lambda x, k: x + k),
    ("subtract {k}", "x = x - {k}", lambda x, k: x - k),
    ("multiply by {k}", "x = x * {k}", lambda x, k: x * k),
    ("divide by {k}, rounding down", "x = x // {k}", lambda x, k: x // k),
    ("take the remainder after dividing by {k}", "x = x % {k}", lambda x, k: x % k),
    ("keep the larger of it and {k}", "x = max(x, {k})", lambda x, k: max(x, k)),
    ("keep the smaller of it and {k}", "x = min(x, {k})", lambda x, k: min(x, k)),
    ("square it", "x = x * x", lambda x, k: x * x),
    ("negate it", "x = -x", lambda x, k: -x),
    ("take its absolute value", "x = abs(x)", lambda x, k: abs(x)),
)
CONSTANTS = range(2, 10)
MAX_ANSWER = 10**9
MIN_DISTINCT = 4  # distinct answers among the test inputs


@dataclass(frozen=True)
class Step:
    words: str
    code: str
    apply: Callable[[int], int]


def _draw_steps(rng: random.Random, d: int, inputs: list[int]) -> list[Step]:
    """d steps, each drawn until it changes some answer, keeps every answer within MAX_ANSWER and
    leaves MIN_DISTINCT answers, so long chains stay readable and exist in numbers at every d."""
    values = list(inputs)
    steps = []
    for _ in range(d):
        for _attempt in range(100):
            words, code, fn = rng.choice(STEPS)
            k = rng.choice(CONSTANTS)
            step = Step(words.format(k=k), code.format(k=k), lambda x, fn=fn, k=k: fn(x, k))
            after = [step.apply(x) for x in values]
            if after != values and max(map(abs, after)) <= MAX_ANSWER and len(set(after)) >= MIN_DISTINCT:
                break
        steps.append(step)
        values = after
    return steps


def _run(steps: list[Step], x: int) -> int:
    for step in steps:
        x = step.apply(x)
    return x


def follows_steps(prompt: str, completion: str) -> bool:
    """Whether a completion restates its docstring's steps as comments, all of them and in order, as
    the references do. A body that leaves a step out can still pass when the step changes nothing
    (`min(x, 8)` after `max(x, 7)` before `// 5`): right, but of the wrong length, and the model
    that learns from it learns to stop early (Lee et al.'s length filter drops such outputs).
    Measured in the first rounds: such passes were a fifth of what a round kept at d0 + 1 and all
    of it at d0 + 2."""
    if '"""Start from x, then:\n' not in prompt or "Return x." not in prompt:
        return True  # not a chain's prompt: nothing to follow
    listed = prompt.split("then:\n", 1)[1].split("Return x.", 1)[0]
    steps = [line.strip() for line in listed.splitlines() if line.strip()]
    comments = [line.strip()[1:].strip() for line in completion.splitlines() if line.strip().startswith("#")]
    return comments == steps


def split_of(task_id: str) -> str:
    """train or test, from the hash in the task's id alone."""
    return "test" if int(task_id.rsplit("/", 1)[1], 16) / 16**12 < TEST_FRACTION else "train"


def build(steps: list[Step], inputs: list[int]) -> Task | None:
    """The task of these steps, or None when an answer grows past MAX_ANSWER (repeated squaring) or
    the steps give fewer than MIN_DISTINCT answers (`x % 4` then `x // 4` is always 0)."""
    codes = [step.code for step in steps]
    doc = "\n".join(f"    {step.words}" for step in steps)
    prompt = f'def chain(x: int) -> int:\n    """Start from x, then:\n{doc}\n    Return x."""\n'
    reference = "".join(f"    # {step.words}\n    {step.code}\n" for step in steps) + "    return x\n"
    answers = {x: _run(steps, x) for x in inputs}
    if any(abs(a) > MAX_ANSWER for a in answers.values()) or len(set(answers.values())) < MIN_DISTINCT:
        return None
    cases = tuple((repr((x,)), repr(a)) for x, a in answers.items())
    identity = sha256_text("\n".join(codes))[:12]
    return Task(f"{FAMILY}/d{len(steps)}/{identity}", FAMILY, "chain", len(steps), "chain", prompt, reference, cases)


def chain_tasks(d: int, count: int, split: str, seed: int = 0) -> list[Task]:
    """`count` distinct tasks of difficulty `d` from `split` (train or test), the same for the same
    (d, count, split, seed). Draws until enough land in the split; d=1 has only len(STEPS) * 8 - 2
    instances in all, so fewer come back when fewer exist."""
    rng = random.Random(f"chains:{seed}:{split}:{d}")
    tasks: dict[str, Task] = {}
    attempts = 0
    while len(tasks) < count and attempts < 50 * count + 1000:
        attempts += 1
        inputs = list(dict.fromkeys([*TEST_INPUTS, rng.randint(-50, 50), rng.randint(100, 999)]))
        task = build(_draw_steps(rng, d, inputs), inputs)
        if task is not None and split_of(task.task_id) == split and task.task_id not in tasks:
            tasks[task.task_id] = task
    return list(tasks.values())
