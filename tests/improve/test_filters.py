"""What the loop keeps: real solutions, each once, a few per task."""

import pytest

from codeling.improve import filters

PROMPT = (
    "def add_tax(price: int, rate: int) -> int:\n"
    '    """Return price plus rate percent of it.\n\n    >>> add_tax(100, 5)\n    105\n    """\n'
)


def function(body: str):
    found = filters.parse_function(PROMPT + body, "add_tax")
    assert found is not None
    return found


def test_names_and_formatting_do_not_make_a_new_solution():
    a = function("    tax = price * rate // 100\n    return price + tax\n")
    b = function("    t=price*rate//100\n    return price+t  # the same\n")
    c = function("    extra = rate * price // 100\n    return price + extra\n")  # operands swapped: other code
    assert filters.normalised_hash(a) == filters.normalised_hash(b)
    assert filters.normalised_hash(a) != filters.normalised_hash(c)


def test_renaming_the_arguments_is_the_same_solution():
    other = filters.parse_function(PROMPT.replace("price", "p") + "    return p + p * rate // 100\n", "add_tax")
    assert filters.normalised_hash(other) == filters.normalised_hash(
        function("    return price + price * rate // 100\n")
    )


def test_a_literal_answer_is_hard_coded_and_never_scores():
    literal = filters.judge(1, 7, PROMPT + "    return 105\n", "add_tax", "passed", 0.01)
    real = filters.judge(2, 7, PROMPT + "    return price + price * rate // 100\n", "add_tax", "passed", 0.01)
    assert literal.hard_coded and literal.score == 0 and not literal.eligible
    assert (
        not real.hard_coded
        and real.eligible
        and real.score
        == pytest.approx(
            1 / (1 + filters.node_count(function("    return price + price * rate // 100\n")) / 50) + 1 / 1.1
        )
    )


def test_smaller_and_faster_scores_higher():
    small = function("    return price + price * rate // 100\n")
    big = function(
        "    total = 0\n    total = total + price\n    total = total + price * rate // 100\n    return total\n"
    )
    assert filters.quality(small, 0.01) > filters.quality(big, 0.01) > filters.quality(big, 0.5)


def test_unparsable_or_missing_function_is_not_eligible():
    broken = filters.judge(3, 7, PROMPT + "    return price +\n", "add_tax", "compile_error", 0.0)
    assert broken.ast_sha256 is None and not broken.eligible


def test_keep_takes_distinct_solutions_best_first_up_to_the_cap():
    def checked(sample, task, digest, score, outcome="passed"):
        return filters.Checked(sample, task, outcome, 0.01, digest, score, False)

    round_samples = [
        checked(1, 10, "a", 1.0),
        checked(2, 10, "a", 1.5),  # the same solution scored higher: this one stands for it
        checked(3, 10, "b", 1.2),
        checked(4, 10, "c", 1.9),
        checked(5, 11, "a", 0.5, outcome="failed_test"),
        checked(6, 12, "z", 1.0),  # task 12 already holds z from an earlier version
        checked(7, 12, "y", 1.0),
    ]
    assert filters.keep(round_samples, {12: {"z"}}, per_task=2) == {4, 2, 7}


def test_a_chain_solution_that_leaves_out_a_step_is_off_its_plan_even_when_it_passes():
    from codeling.evals.run import BenchmarkProblem, execute
    from codeling.evals.tasks.chains import STEPS, Step, build

    def step(i, k):
        words, code, fn = STEPS[i]
        return Step(words.format(k=k), code.format(k=k), lambda x, fn=fn, k=k: fn(x, k))

    # abs, max 7, max 8, negate, // 5: leaving out `max 8` changes no answer (-7 // 5 == -8 // 5).
    task = build([step(9, 0), step(5, 7), step(5, 8), step(8, 0), step(3, 5)], [-7, 0, 1, 4, 13, 20, 500])
    lines = task.reference.splitlines(keepends=True)
    short = "".join(lines[:4] + lines[6:])
    problem = BenchmarkProblem(task.task_id, task.prompt, task.tests, {})
    assert execute([problem], [[short]])[0].outcome == "passed"  # right, and of the wrong length
    row = {"family": task.family, "prompt": task.prompt}
    assert filters.off_plan({**row, "completion": short})
    assert not filters.off_plan({**row, "completion": task.reference})
    assert not filters.off_plan({"family": "strings", "prompt": PROMPT, "completion": "    return 1\n"})
    passing = [filters.Checked(1, 5, "passed", 0.01, "a", 1.0, False, off_plan=True)]
    assert filters.keep(passing, {}, per_task=2) == set()
