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
    "replace": ("for i in range(3);\n    print(i)\n", Check(), "for i in range(3):\n    print(i)\n"),
    "insert": ("x = 5\ny = 3\nprint(x y)\n", Check(), "x = 5\ny = 3\nprint(x, y)\n"),
    "delete": ("print(1 +* 2)\n", Check(expect="3\n"), "print(1 + 2)\n"),
    "case": ("For i in range(2):\n    print(i)\n", Check(), "for i in range(2):\n    print(i)\n"),
    "name": ("score = 3\nprint(scroe + 1)\n", Check(expect="4\n"), "score = 3\nprint(score + 1)\n"),
    "quote": ("color = red\nprint(color)\n", Check(expect="red\n"), 'color = "red"\nprint(color)\n'),
    "call": (
        "def five():\n    return 5\n\n\nprint(five + 1)\n",
        Check(expect="6\n"),
        "def five():\n    return 5\n\n\nprint(five() + 1)\n",
    ),
    "wrap": (
        "pets = ['cat', 'dog']\nfor i in range(pets):\n    print(i)\n",
        Check(expect="0\n1\n"),
        "pets = ['cat', 'dog']\nfor i in range(len(pets)):\n    print(i)\n",
    ),
    "brackets": ("xs = [4, 5]\nprint(xs(1))\n", Check(expect="5\n"), "xs = [4, 5]\nprint(xs[1])\n"),
    "keyword": (
        "def double(n):\n    print(n * 2)\n",
        Check(tests="assert double(2) == 4\n"),
        "def double(n):\n    return (n * 2)\n",
    ),
    "self": (
        "class Cat:\n    def meow():\n        return 'meow'\n\n\nprint(Cat().meow())\n",
        Check(expect="meow\n"),
        "class Cat:\n    def meow(self):\n        return 'meow'\n\n\nprint(Cat().meow())\n",
    ),
    "global": (
        "n = 0\n\n\ndef add():\n    n = n + 1\n\n\nadd()\nprint(n)\n",
        Check(expect="1\n"),
        "n = 0\n\n\ndef add():\n    global n\n    n = n + 1\n\n\nadd()\nprint(n)\n",
    ),
    "start": (
        "for x in [1, 2]:\n    total = total + x\nprint(total)\n",
        Check(expect="3\n"),
        "total = 0\nfor x in [1, 2]:\n    total = total + x\nprint(total)\n",
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
    broken = "def biggest(a, b):\n    if a > b:\n        print(a)\n    else:\n        print(b)\n"
    tests = "assert biggest(3, 9) == 9\nassert biggest(5, 1) == 5\n"
    found = run_search(broken, Check(tests=tests), mode)
    assert found.candidate is not None and found.candidate.source.count("return") == 2
    assert len(found.edits) == 2 and found.candidate.note == "Write return instead of print on line 3 and 5."


def test_two_commas_missing_are_fixed_by_a_syntax_pair(mode):
    found = run_search('lives = 3\nprint("You have" lives "lives")\n', Check(), mode)
    assert found.candidate.source == 'lives = 3\nprint("You have", lives, "lives")\n'


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
    fix = fix_program("color = red\nprint(color)\n", Check(expect="red\n"), mode=mode, budget_s=0.0)
    assert fix.fixed is None and fix.note == words.OUT_OF_TIME
    assert fix.explanation.what == "Python does not know the name red."  # the explanation is still there


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
    fix = fix_program("fruits = ['apple', 'pear']\nprint(fruits(0))\n", mode=mode)
    assert fix.rule == "search" and fix.fixed == "fruits = ['apple', 'pear']\nprint(fruits[0])\n"
    assert fix.note == words.EDIT_NOTES["square"].format(line=2, old="", new="")
    assert "+print(fruits[0])" in fix.diff


def test_edit_notes_read_at_grade_5_or_below():
    textstat = pytest.importorskip("textstat")
    fields = {"old": "pets", "new": "len(pets)", "line": 3}
    grades = {k: textstat.flesch_kincaid_grade(v.format(**fields)) for k, v in words.EDIT_NOTES.items()}
    grades["out_of_time"] = textstat.flesch_kincaid_grade(words.OUT_OF_TIME)
    assert max(grades.values()) <= 5, grades
