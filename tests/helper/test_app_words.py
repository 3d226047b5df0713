"""What a child reads in the web app: messages shown as their characters (escaped once), numbers
out of range said plainly, and hints that name the app's own boxes instead of the CLI's flags."""

from __future__ import annotations

import re

import pytest

from codeling.errors import CodelingError
from codeling.helper.explain.explain import Explanation, Problem, render

pytest.importorskip("gradio")
from codeling.app.inputs import number  # noqa: E402
from codeling.app.markup import plain  # noqa: E402


@pytest.mark.parametrize(
    "text", ["The program fails when it runs: too many loop iterations", "the question '' has no words", "<img src=x>"]
)
def test_markdown_shows_a_message_as_its_characters(text):
    shown = plain(text)
    assert "&#" not in shown  # no entity for the renderer to escape a second time
    assert re.sub(r"\\(.)", r"\1", shown) == text  # Markdown's backslash escapes give the text back


@pytest.mark.parametrize(
    "value, said", [(0, "not 0."), (-5, "not -5."), (10**400, "not a number that large."), (2.5e30, "not 2.5e+30.")]
)
def test_a_number_out_of_range_is_said_by_its_value_not_its_bits(value, said):
    with pytest.raises(CodelingError) as e:
        number(value, "Max tokens", 1, 512, whole=True)
    assert str(e.value) == f"Max tokens must be a number from 1 to 512, {said}" and "bits" not in str(e.value)


def test_the_apps_hint_names_its_own_box_and_the_clis_names_the_flag():
    explanation = Explanation(Problem("eof", 1, None, "EOFError"), "nothing to read", "with --stdin", "input()", "")
    assert "--stdin" in render(explanation) and "--" not in render(explanation, face="app")
    assert "'What you type in'" in render(explanation, face="app")
