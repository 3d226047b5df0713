"""Explanations: the right kind of problem, at the right line and column, in short plain words."""

from __future__ import annotations

import pytest

from codeling.helper import words
from codeling.helper.explain import explain as explain_module
from codeling.helper.explain.explain import compile_problem, diagnose, explain, explain_program, render

pytestmark = pytest.mark.filterwarnings("ignore::codeling.sandbox.UnsafeSandboxWarning")

CASES = [
    ("for i in range(3)\n    print(i)\n", "missing_colon", 1, 18),
    ("x = [1, 2\nprint(x)\n", "unclosed_bracket", 1, 5),
    ("x = (1, 2]\n", "mismatched_bracket", 1, 10),
    ("x = 1)\n", "unmatched_bracket", 1, 6),
    ('print("hi)\n', "unclosed_quote", 1, 7),
    ("print 'hi'\n", "print_statement", 1, 1),
    ("x = 1\nif x = 1:\n    pass\n", "assign_not_equal", 2, 4),
    ("for i in range(3):\nprint(i)\n", "indent_expected", 2, 1),
    ("x = 1\n    y = 2\n", "indent_unexpected", 2, 5),
    ("x = \u201chi\u201d\n", "invalid_character", 1, 5),
    ("pirnt('hi')\n", "name_error", 1, 1),
    ("print(random.randint(1, 6))\n", "missing_import", 1, 7),
    ("age = input()\nprint(age + 1)\n", "type_text_number", 2, 7),
    ("xs = [1, 2]\nprint(xs[5])\n", "index_error", 2, 7),
    ("d = {'a': 1}\nprint(d['b'])\n", "key_error", 2, 7),
    ("x = 0\nprint(10 / x)\n", "zero_division", 2, 7),
    ("name = 'bob'\nprint(name.uper())\n", "attribute_error", 2, 7),
    ("n = int('ten')\n", "value_number", 1, 5),
    ("def f():\n    return f()\nf()\n", "recursion", 2, 12),
    ("x = input()\ny = input()\n", "eof", 2, 5),
    ("import numpyy\n", "module_not_found", 1, None),
    ("while True:\n    pass\n", "infinite_loop", None, None),
    ("print('hi')\n", "ok", None, None),
]


@pytest.mark.parametrize("source, kind, line, column", CASES)
def test_each_mistake_is_found_at_its_place(source, kind, line, column, mode):
    problem, _ = diagnose(source, stdin="7\n", mode=mode)
    assert (problem.kind, problem.line, problem.column) == (kind, line, column)


def test_the_explanation_points_at_the_column_and_offers_a_near_name(mode):
    text = render(explain_program("score = 1\nprint(scroe)\n", mode=mode))
    assert text.splitlines() == [
        "Line 2, column 7:",
        "    print(scroe)",
        "          ^",
        "Python does not know the name scroe.",
        "Hint: Did you mean score?",
    ]


def test_a_failed_test_points_into_the_tests(mode):
    problem, _ = diagnose("def double(x):\n    return x + 2\n", tests="\nassert double(3) == 6\n", mode=mode)
    assert (problem.kind, problem.line, problem.in_tests) == ("test_failed", 2, True)


def test_wrong_output_says_what_was_expected(mode):
    explanation = explain_program("print(1)\nprint(3)\n", expect="1\n2\n", mode=mode)
    assert explanation.problem.kind == "wrong_output"
    assert explanation.what == "Your program runs, but it printed '3' where '2' was expected."


GAME = (
    "import pygame\npygame.init()\nscreen = pygame.display.set_mode((64, 48))\nclock = pygame.time.Clock()\n"
    "while True:\n    for event in pygame.event.get():\n        pass\n    screen.fill((0, 0, 0))\n"
    "    pygame.display.flip()\n    clock.tick(30)\n"
)


def test_a_pygame_game_that_keeps_running_is_fine(mode):
    pytest.importorskip("pygame")
    problem, run = diagnose(GAME, mode=mode)
    assert problem.kind == "game_running" and run.result.status == "timeout"


def test_a_pygame_mistake_inside_the_game_is_explained(mode):
    pytest.importorskip("pygame")
    problem, _ = diagnose(
        GAME.replace("pygame.init()\n", "").replace("(64, 48))\n", "(64, 48))\npygame.font.Font(None, 9)\n"), mode=mode
    )
    assert (problem.kind, problem.line) == ("pygame_not_init", 3)


def test_friendly_traceback_adds_its_words_and_its_absence_changes_nothing(monkeypatch):
    source = "if x == 1\n    pass\n"
    problem = compile_problem(source)
    pytest.importorskip("friendly_traceback")
    assert "colon" in explain(source, problem).friendly
    monkeypatch.setattr(explain_module, "friendly_words", lambda source: None)
    plain = explain(source, problem)
    assert plain.friendly is None and plain.what == words.TEMPLATES["missing_colon"][0]


def test_every_template_fills_and_reads_at_grade_five_or_lower():
    textstat = pytest.importorskip("textstat")
    fields = {"name": "score", "bracket": "(", "module": "random", "got": "'3'", "expected": "'2'", "suggestion": "x"}
    for kind, (what, hint) in words.TEMPLATES.items():
        text = what.format(**fields) + " " + hint.format(**fields)
        assert textstat.flesch_kincaid_grade(text) <= 5, (kind, textstat.flesch_kincaid_grade(text))
