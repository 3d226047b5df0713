"""Property tests of what the app reads and runs: any log row, report, typed program or request value
ends in a valid result or one CodelingError sentence, never another exception."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codeling.app import reports
from codeling.app.inputs import check_input, number
from codeling.app.markup import plain
from codeling.app.models import AppLimits
from codeling.app.runs import loss_figure, read_run, table
from codeling.app.runs import number as runs_number
from codeling.errors import CodelingError
from codeling.tinypy.bounded import Bounds, output_of

SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
KEYS = st.sampled_from(["step", "split", "loss", "member", "generation", "kept", "test", "mode"]) | st.text(max_size=5)
ROW = st.dictionaries(KEYS, JSON | st.sampled_from(["train", "val"]), max_size=6)
SOME = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SOME
@given(metrics=st.lists(ROW, max_size=5), lineage=st.lists(ROW, max_size=3), rounds=st.lists(ROW, max_size=3))
def test_any_log_rows_are_shown_without_failing(tmp_path, metrics, lineage, rounds):
    run = tmp_path / "run"
    run.mkdir(exist_ok=True)
    for name, rows in (("metrics.jsonl", metrics), ("lineage.jsonl", lineage), ("rounds.jsonl", rounds)):
        (run / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    view = read_run(tmp_path, "run")
    assert view.summary().startswith("**run**")
    for rows in (view.metrics, view.lineage, view.rounds):
        columns, data = table(rows)
        assert all(len(r) == len(columns) for r in data)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(metrics=st.lists(ROW, max_size=6))
def test_any_log_rows_are_drawn_without_failing(tmp_path, metrics):
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in metrics))
    view = read_run(tmp_path, ".")
    figure = loss_figure([view])
    # Every row with a numeric step and loss on the train or val split is one plotted point, and
    # only those: a row of any other shape is passed over, never drawn and never an exception.
    drawable = [
        r
        for r in view.metrics
        if runs_number(r.get("step")) is not None
        and runs_number(r.get("loss")) is not None
        and r.get("split") in ("train", "val")
    ]
    (ax,) = figure.axes
    assert sum(len(line.get_xdata()) for line in ax.lines) == len(drawable)
    assert {line.get_label().split()[1] for line in ax.lines} == {r["split"] for r in drawable}
    if not drawable:
        assert ax.get_title() == "no loss logged yet"


@SOME
@given(data=st.dictionaries(st.sampled_from(["overall", "levels", "features", "rounds", "mode", "data"]), JSON))
def test_any_report_shape_is_tabled_or_passed_over(tmp_path, data):
    data.setdefault("overall", {"n": 1, "pass_at_k": {"1": 0.5}} if len(data) % 2 else {"n": 1})
    (tmp_path / "report.json").write_text(json.dumps(data))
    found = reports.find_reports(tmp_path)
    rows = reports.eval_rows(found)
    assert all(isinstance(cell, str) for row in rows for cell in row)
    for report in found:
        if report.kind == "tinypy":
            headers, levels = reports.tinypy_levels(report.data)
            assert all(len(r) == len(headers) for r in levels)
            assert "<" not in reports.tinypy_caption(report)


@SOME
@given(text=st.text(alphabet=st.sampled_from("xy019+-*/%() =:\nprintfoahwile<>\ud800"), max_size=200))
def test_any_typed_program_prints_or_gets_a_sentence(text):
    try:
        assert isinstance(output_of(text, Bounds(time_s=0.5)), list)
    except CodelingError as e:
        assert "\n" not in str(e)


@SOME
@given(value=JSON)
def test_any_request_value_is_a_number_or_a_sentence(value):
    try:
        assert 0 <= number(value, "Temperature", 0, 2) <= 2
    except CodelingError as e:
        assert str(e).startswith("Temperature must be")
    try:
        assert isinstance(check_input(value, AppLimits(max_input_chars=10), "prompt"), str)
    except CodelingError as e:
        assert str(e).startswith("The prompt")


@SOME
@given(text=st.text())
def test_markup_from_files_is_shown_as_its_characters(text):
    shown = plain(text, 10_000)
    # Every markup character is escaped by a backslash (Markdown shows it as the character), none bare.
    bare = shown.replace("\\\\", "")
    assert "\n" not in shown and not any(c in bare.replace("\\" + c, "") for c in "<>[]()`*_!&")


def test_a_product_past_the_bound_is_refused_before_it_is_computed():
    with pytest.raises(CodelingError, match="past 14,000 bits"):
        output_of("x = 2\nfor i in range(40):\n    x = x * x\nprint(x)")
    assert output_of("x = 2\nfor i in range(10):\n    x = x * x\nprint(x % 1000)") == [str(2**1024 % 1000)]
