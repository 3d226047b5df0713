"""Each tab of `codeling serve` end to end in a headless Chromium: type, click, wait for the result,
read what the page shows."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import open_tab

LONG = 60_000  # ms: generous for a shared 2-core machine; most steps take well under a second


def pick(page, dropdown_id: str, option: str) -> None:
    page.locator(f"#{dropdown_id} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def watch_values(page, selector: str) -> None:
    """Remember every distinct value the element shows, sampled every 5 ms, in window.seenValues."""
    page.evaluate(
        """selector => {
            window.seenValues = [];
            setInterval(() => {
                const v = document.querySelector(selector).value;
                if (v && window.seenValues[window.seenValues.length - 1] !== v) window.seenValues.push(v);
            }, 5);
        }""",
        selector,
    )


def test_write_code_streams_a_completion_and_runs_it_in_the_sandbox(page, shoot):
    open_tab(page, "Write code")
    page.locator("#write-prompt textarea").fill("print(6 * 7)\n#")
    page.locator("#write-stop textarea").fill("\\n")
    watch_values(page, "#write-completion textarea")
    page.locator("#write-go").click()
    status = page.locator("#write-status")
    expect(status).to_contain_text(re.compile(r"done: \d+ tokens"), timeout=LONG)
    completion = page.locator("#write-completion textarea").input_value()
    assert completion and "\n" not in completion  # stopped before the first newline
    seen = page.evaluate("window.seenValues")
    assert len(seen) >= 3 and all(completion.startswith(v) for v in seen)  # it grew, token by token
    page.locator("#write-run").click()
    output = page.locator("#write-output textarea")
    expect(output).to_have_value(re.compile(r"^\[ok, .*\]\n42$"), timeout=LONG)
    shoot(page, "write-code")
    assert page.outside == []  # nothing left loopback: no fonts, scripts or analytics from elsewhere


def test_a_prompt_over_the_input_limit_is_refused_with_a_message(page):
    open_tab(page, "Write code")
    page.locator("#write-prompt textarea").fill("x" * 500)
    page.locator("#write-go").click()
    expect(page.locator("#write-status")).to_contain_text("the limit is 400", timeout=LONG)
    assert page.locator("#write-completion textarea").input_value() == ""


def test_a_model_that_failed_to_load_says_why(page):
    open_tab(page, "Write code")
    pick(page, "write-model", "broken")
    page.locator("#write-prompt textarea").fill("print(1)")
    page.locator("#write-go").click()
    expect(page.locator("#write-status")).to_contain_text("could not be loaded", timeout=LONG)


def test_tinypy_draws_a_program_and_marks_the_lines_the_model_got_wrong(page, shoot):
    open_tab(page, "TinyPy")
    pick(page, "tinypy-level", "2.1")
    page.locator("#tinypy-draw").click()
    program = page.locator("#tinypy-program textarea")
    expect(program).not_to_have_value("", timeout=LONG)
    text = program.input_value()
    assert "if" in text  # level 2.1 is the if-statement level
    page.locator("#tinypy-go").click()
    verdict = page.locator("#tinypy-verdict")
    expect(verdict).to_contain_text(re.compile("right|differ"), timeout=LONG)
    from codeling.tinypy.interpreter import run
    from codeling.tinypy.parser import parse

    truth = run(parse(text))
    table = page.locator("#tinypy-lines")
    for line in truth:
        expect(table).to_contain_text(line)
    # An untrained model decodes greedily, so it is wrong the same way every time: marked as such.
    assert "differ" in verdict.inner_text()
    expect(table).to_contain_text("✗ differs")
    report = page.locator("#tinypy-report")  # the run's last evaluation report, per level
    expect(page.locator("#tinypy-report-caption")).to_contain_text("report.json", timeout=LONG)
    for cell in ("1.1", "75.0%", "2.1", "25.0%", "overall", "50.0%"):
        expect(report).to_contain_text(cell)
    shoot(page, "tinypy")


def test_tinypy_says_when_a_typed_program_is_not_tinypy(page):
    open_tab(page, "TinyPy")
    page.locator("#tinypy-program textarea").fill("import os")
    page.locator("#tinypy-go").click()
    expect(page.locator("#tinypy-verdict")).to_contain_text("not a TinyPy program", timeout=LONG)


def test_fix_my_code_explains_and_shows_the_verified_diff(page, shoot):
    open_tab(page, "Fix my code")
    page.locator("#fix-program textarea").fill("pirnt('hello')\n")
    page.locator("#fix-go").click()
    diff = page.locator("#fix-diff textarea")
    expect(diff).to_have_value(re.compile(r"\+print\('hello'\)"), timeout=LONG)
    assert "-pirnt('hello')" in diff.input_value()
    assert "pirnt" in page.locator("#fix-explanation textarea").input_value()
    shoot(page, "fix")


def test_ask_pygame_answers_from_pygame_documents(page, shoot):
    # The first question on a fresh machine embeds pygame's whole index (about a minute on two
    # cores), once per pygame version; build it here so the page's answer is timed, not the cache.
    from codeling.helper import ask

    ask("how do I draw a circle", k=3)
    open_tab(page, "Ask Pygame")
    page.locator("#ask-question textarea").fill("how do I draw a circle")
    page.locator("#ask-go").click()
    answer = page.locator("#ask-answer")
    expect(answer).to_contain_text("pygame/", timeout=LONG)
    expect(answer).to_contain_text("circle")
    shoot(page, "ask-pygame")


def test_runs_shows_a_run_refreshes_while_it_trains_and_compares_two(page, app_dirs, shoot):
    open_tab(page, "Runs")
    pick(page, "runs-run", "small")
    summary = page.locator("#runs-summary")
    expect(summary).to_contain_text("train loss 2.5000 at step 50", timeout=LONG)
    metrics = app_dirs["runs"] / "small" / "metrics.jsonl"
    with metrics.open("a") as f:  # the run trains on: the page must show the new row by itself
        f.write('{"step": 60, "split": "val", "loss": 2.25, "lr": 0.001, "tokens": 3840, "time": 6.0}\n')
    expect(summary).to_contain_text("val loss 2.2500 at step 60", timeout=LONG)
    pick(page, "runs-other", "wide")
    expect(summary).to_contain_text("wide", timeout=LONG)
    expect(page.locator("#runs-plot img, #runs-plot svg, #runs-plot canvas").first).to_be_visible()
    shoot(page, "runs")
    pick(page, "runs-run", "pop")
    expect(page.locator("#runs-lineage")).to_contain_text("keep", timeout=LONG)
    pick(page, "runs-run", "selfimprove")
    expect(page.locator("#runs-rounds")).to_contain_text("test.pass@1", timeout=LONG)
