"""A coding helper for learners: explain what went wrong in a child's words, fix it with a change
that is verified in the sandbox, and answer pygame questions from pygame's own docs and examples.

    from codeling.helper import explain_program, fix_program, ask
    explain_program(source).what          # "Python does not know the name pirnt."
    fix_program(source).diff              # a unified diff, or "" when nothing verified
    ask("how do I move a sprite with the arrow keys")[0].path   # "examples/..."
"""

from codeling.helper.ask.retrieve import Hit, ask
from codeling.helper.explain.explain import Explanation, Problem, explain_program, render
from codeling.helper.program import read_text
from codeling.helper.repair.verify import Check, Fix, fix_program

__all__ = [
    "Check",
    "Explanation",
    "Fix",
    "Hit",
    "Problem",
    "ask",
    "explain_program",
    "fix_program",
    "read_text",
    "render",
]
