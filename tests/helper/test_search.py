"""The repair search: each edit kind fixes a case no other kind fixes, nothing unverified is ever
offered, the time budget ends the search with a clear answer, and a model's ranking decides ties."""

from __future__ import annotations

import itertools

import pytest

from codeling.helper import Check, fix_program, words
from codeling.helper.explain.explain import Problem, diagnose
from codeling.helper.repair import edits, search

pytestmark = pytest.mark.filterwarnings("ignore::codeling.sandbox.UnsafeSandboxWarning")

# kind -> (broken program, what judges it, the fixed program): the kind's edit fixes it, and no
# single edit of any other kind does.
ALONE = {
    "replace": ("if 4 > 3;\n    print('big')\n", Check(), "if 4 > 3:\n    print('big')\n"),
    "insert": ("up = 1\ndown = 2\nprint(up down)\n", Check(), "up = 1\ndown = 2\nprint(up, down)\n"),
    "delete": ("print(6 -* 2)\n", Check(expect="4\n"), "print(6 - 2)\n"),
    "case": ("If 2 > 1:\n    print('yes')\n", Check(), "if 2 > 1:\n    print('yes')\n"),
    "name": ("speed = 2\nprint(sped * 3)\n", Check(expect="6\n"), "speed = 2\nprint(speed * 3)\n"),
    "quote": ("food = pizza\nprint(food)\n", Check(expect="pizza\n"), 'food = "pizza"\nprint(food)\n'),
    "call": (
        "def seven():\n    return 7\n\n\nprint(seven - 1)\n",
        Check(expect="6\n"),
        "def seven():\n    return 7\n\n\nprint(seven() - 1)\n",
    ),
    "wrap": (
        "days = ['mon', 'tue', 'wed']\nfor d in range(days):\n    print(d)\n",
        Check(expect="0\n1\n2\n"),
        "days = ['mon', 'tue', 'wed']\nfor d in range(len(days)):\n    print(d)\n",
    ),
    "brackets": ("nums = [8, 9, 10]\nprint(nums(2))\n", Check(expect="10\n"), "nums = [8, 9, 10]\nprint(nums[2])\n"),
    "keyword": (
        "def half(n):\n    print(n / 2)\n",
        Check(tests="assert half(8) == 4\n"),
        "def half(n):\n    return (n / 2)\n",
    ),
    "self": (
        "class Owl:\n    def hoot():\n        return 'hoo'\n\n\nprint(Owl().hoot())\n",
        Check(expect="hoo\n"),
        "class Owl:\n    def hoot(self):\n        return 'hoo'\n\n\nprint(Owl().hoot())\n",
    ),
    "global": (
        "hits = 0\n\n\ndef bump():\n    hits = hits + 2\n\n\nbump()\nprint(hits)\n",
        Check(expect="2\n"),
        "hits = 0\n\n\ndef bump():\n    global hits\n    hits = hits + 2\n\n\nbump()\nprint(hits)\n",
    ),
    "start": (
        "for step in range(4):\n    walked = walked + step\nprint(walked)\n",
        Check(expect="6\n"),
        "walked = 0\nfor step in range(4):\n    walked = walked + step\nprint(walked)\n",
    ),
}


def run_search(source: str, check: Check, mode: str, **options) -> search.Searched:
    problem, _ = diagnose(source, check.stdin, check.tests, check.expect, mode)
    assert not problem.fine
    return search.search(source, problem, search.sandbox_judge(check, mode), check.judges_logic, **options)


def test_every_kind_of_the_grammar_has_a_case():
    assert set(ALONE) == set(edits.KINDS)


@pytest.mark.parametrize("kind", sorted(ALONE))
def test_each_edit_kind_fixes_a_case_no_other_kind_fixes(kind, mode):
    broken, check, fixed = ALONE[kind]
    found = run_search(broken, check, mode, pairs=False)
    assert found.candidate is not None and found.candidate.source == fixed
    assert [e.kind for e in found.edits] == [kind]
    assert found.candidate.note == search.note_for(found.edits) and found.candidate.note.endswith(".")
    others = tuple(k for k in edits.KINDS if k != kind)
    assert run_search(broken, check, mode, pairs=False, kinds=others).candidate is None


def test_a_mistake_made_twice_is_fixed_by_a_pair(mode):
    broken = "def sign(n):\n    if n < 0:\n        print('minus')\n    else:\n        print('plus')\n"
    tests = "assert sign(-2) == 'minus'\nassert sign(4) == 'plus'\n"
    found = run_search(broken, Check(tests=tests), mode)
    assert found.candidate is not None and found.candidate.source.count("return") == 2
    assert len(found.edits) == 2 and found.candidate.note == "Write return instead of print on line 3 and 5."


def test_two_commas_missing_are_fixed_by_a_syntax_pair(mode):
    found = run_search("a = 'sun'\nprint('The' a 'is hot')\n", Check(), mode)
    assert found.candidate.source == "a = 'sun'\nprint('The', a, 'is hot')\n"


class Recorder:
    """A judge that says every program is still wrong, and keeps what it was asked about."""

    def __init__(self):
        self.seen: list[str] = []

    def __call__(self, sources):
        self.seen += sources
        return [Problem("name_error", 1, None, "NameError") for _ in sources]


def test_no_unverified_candidate_is_returned_and_only_compiling_ones_are_run():
    broken = "print(x y)\n"
    problem = Problem("missing_comma", 1, 7, "SyntaxError", "invalid syntax. Perhaps you forgot a comma?")
    judge = Recorder()
    found = search.search(broken, problem, judge)
    assert found.candidate is None and found.edits == () and found.tried == len(judge.seen) > 0
    assert all(compile(s, "p", "exec") for s in judge.seen)  # raises on the first that does not compile
    assert found.compiled > found.tried  # most candidates never got past compile()


def test_an_unverified_fix_is_never_shown_by_fix_program(mode):
    # Every edit near line 1 leaves the program raising (the division by zero stays).
    fix = fix_program("total = 1 / 0\nprint(totl)\n", mode=mode)
    assert (fix.fixed, fix.diff) == (None, "") and fix.note in (words.NO_FIX, words.OUT_OF_TIME)


def test_the_time_budget_ends_the_search_and_says_so(mode):
    ticks = itertools.count(0, 5.0)  # a clock that moves 5 s each time it is read
    found = search.search(
        "print(x y)\n", Problem("syntax", 1, 7, "SyntaxError"), Recorder(), budget_s=1.0, clock=lambda: next(ticks)
    )
    assert found.candidate is None and found.out_of_time and found.tried == 0
    fix = fix_program("food = pizza\nprint(food)\n", Check(expect="pizza\n"), mode=mode, budget_s=0.0)
    assert fix.fixed is None and fix.note == words.OUT_OF_TIME
    assert fix.explanation.what == "Python does not know the name pizza."  # the explanation is still there


class PreferStars:
    """A stand-in code model that finds x * y more natural than anything else."""

    def logprobs(self, sources):
        return [float("*" in s) for s in sources]


def test_a_model_ranking_decides_between_equal_edits(mode):
    broken = "x = 5\ny = 3\nprint(x y)\n"
    assert run_search(broken, Check(), mode).candidate.source.endswith("print(x, y)\n")  # the grammar's order
    ranked = run_search(broken, Check(), mode, ranker=PreferStars())
    assert ranked.candidate.source.endswith("print(x * y)\n")


def test_fix_program_explains_a_search_fix_in_a_childs_words(mode):
    fix = fix_program("birds = ['owl', 'jay']\nprint(birds(1))\n", mode=mode)
    assert fix.rule == "search" and fix.fixed == "birds = ['owl', 'jay']\nprint(birds[1])\n"
    assert fix.note == words.EDIT_NOTES["square"].format(line=2, old="", new="")
    assert "+print(birds[1])" in fix.diff


def test_edit_notes_read_at_grade_5_or_below():
    textstat = pytest.importorskip("textstat")
    fields = {"old": "pets", "new": "len(pets)", "line": 3}
    grades = {k: textstat.flesch_kincaid_grade(v.format(**fields)) for k, v in words.EDIT_NOTES.items()}
    grades["out_of_time"] = textstat.flesch_kincaid_grade(words.OUT_OF_TIME)
    assert max(grades.values()) <= 5, grades


def test_a_program_without_a_final_newline_is_searched_to_its_last_character():
    # `pass` ends the file: the keyword edit looked one character past its end (an IndexError in the app).
    prog = edits.Program("while True:\n    pass")
    assert {e.text for e in edits.single_edits(prog, [2])} >= {"return", "while"}
