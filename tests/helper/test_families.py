"""Repair beyond the edit grammar: each family of changes fixes a program of its own (none from a
held-out set), the error's message picks the method a value's type really has, candidates are
ordered by what the error names, and a loop stopped by the clock gets its progress step."""

from __future__ import annotations

import pytest

from codeling.helper import Check, fix_program
from codeling.helper.explain.explain import Problem, diagnose
from codeling.helper.repair import families, messages, plausible, pool, search

pytestmark = pytest.mark.filterwarnings("ignore::codeling.sandbox.UnsafeSandboxWarning")

# family -> (broken program, what judges it, what the fixed program prints)
OWN = {
    "operator": (
        'sunny = True\nwarm = False\nif sunny and warm:\n    print("beach")\nelse:\n    print("home")\n',
        "beach\n",
        "beach\n",
    ),
    "f_string": ('age = 8\nprint("I am {age}")\n', "I am 8\n", "I am 8\n"),
    "result_kept": ('title = "robots"\ntitle.capitalize()\nprint(title)\n', "Robots\n", "Robots\n"),
    "result_dropped": ("bag = [1]\nbag = bag.extend([2, 3])\nprint(sum(bag))\n", None, "6\n"),
    "make_object": (
        "class Frog:\n    def jump(self, n):\n        return n * 2\n\n\nprint(Frog.jump(3))\n",
        None,
        "6\n",
    ),
    "after_loop": ("total = 1\nfor k in [2, 5]:\n    total = total * k\n    print(total)\n", "10\n", "10\n"),
    "before_loop": (
        "for t in range(4):\n    laps = 0\n    laps = laps + 2\nprint(laps)\n",
        "8\n",
        "8\n",
    ),
    "return_value": ("def cube(n):\n    c = n * n * n\n\n\nprint(cube(2))\n", "8\n", "8\n"),
    "after_definition": ('shout("hey")\n\n\ndef shout(s):\n    print(s.upper())\n', None, "HEY\n"),
    "copy": ("a = [1]\nb = a\nb.append(2)\nprint(len(a))\n", "1\n", "1\n"),
}


def run_pool(source: str, expect: str | None, mode: str):
    check = Check(expect=expect)
    problem, _ = diagnose(source, "", None, expect, mode)
    assert not problem.fine
    return pool.search(source, problem, search.sandbox_judge(check, mode), check.judges_logic, budget_s=30.0)


@pytest.mark.parametrize("family", sorted(OWN))
def test_each_family_fixes_a_program_of_its_own(family, mode):
    broken, expect, prints = OWN[family]
    found, tried, out_of_time = run_pool(broken, expect, mode)
    assert found is not None and found.rule == family and not out_of_time and tried >= 1
    assert found.note.endswith(".") and "{" not in found.note.replace("{ }", "")
    from codeling.helper.program import run

    assert run(found.source, "", None, mode).result.stdout == prints


def test_an_endless_loop_gets_its_progress_step_not_an_if(mode):
    fix = fix_program("score = 0\nwhile score < 10:\n    print(score)\n", mode=mode)
    assert fix.fixed == "score = 0\nwhile score < 10:\n    print(score)\n    score = score + 1\n"
    assert fix.note == "Add score = score + 1 inside the loop on line 2, so the loop can end."


def test_the_error_message_offers_the_methods_the_type_really_has():
    source = "names = ['x']\nnames.push('y')\nprint(names)\n"
    problem = Problem("attribute", 2, None, "AttributeError", "'list' object has no attribute 'push'")
    offered = [p.source.splitlines()[1] for p in messages.proposals(source, problem)]
    assert len(offered) == messages.NEAREST and all(line.startswith("names.") for line in offered)
    assert all(line.split(".")[1].split("(")[0] in dir(list) for line in offered)
    said = Problem(
        "attribute", 2, None, "AttributeError", "'str' object has no attribute 'uper'. Did you mean: 'upper'?"
    )
    assert messages.proposals("w = 'a'\nw.uper()\n", said)[0].source == "w = 'a'\nw.upper()\n"


def test_what_the_error_names_comes_before_smaller_changes():
    source = "class Owl:\n    def hoot(self):\n        return 1\n\n\nprint(Owl.hoot() + 1)\n"
    found = families.proposals(source)
    problem = Problem("type_error", 6, None, "TypeError", "Owl.hoot() missing 1 required positional argument: 'self'")
    assert plausible.order(source, found, problem)[0].family == "make_object"
    for liked in ("constant", "operator"):  # a code model's likelihood decides within a tier
        scores = {p.source: float(p.family == liked) for p in found}
        ranked = plausible.order(source, found, Problem("wrong_output"), scores)
        assert [p.family for p in ranked if p.family in plausible.LAST][0] == liked


def test_the_families_stop_at_their_budget():
    ticks = iter(range(0, 1000, 10))
    judge = lambda sources: [Problem("name_error", 1) for _ in sources]  # noqa: E731
    problem = Problem("wrong_output")
    found, tried, out_of_time = pool.search(
        "x = 1\nprint(x + 2)\n", problem, judge, True, None, 5.0, lambda: next(ticks)
    )
    assert found is None and out_of_time and tried == 0
