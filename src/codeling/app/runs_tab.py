"""The Runs tab, and the TinyPy tab's part that shows a run's newest evaluation report: what files
in a runs folder say, drawn on the page. Every handler is guarded (guard.py) and every text from a
file reaches the page's Markdown through markup.plain."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from codeling import rundir
from codeling.app import reports
from codeling.app.guard import RAW, guarded
from codeling.app.markup import plain
from codeling.app.runs import find_runs, loss_figure, read_run, signature, table
from codeling.errors import CodelingError


def run_names(root: Path | None) -> list[str]:
    try:
        return find_runs(root) if root is not None else []
    except CodelingError:
        return []


def _known(root: Path, name) -> str:
    """name, when it is one of the runs listed under root (a client may send anything)."""
    if not isinstance(name, str) or name not in run_names(root):
        raise CodelingError("There is no such run under the runs folder; pick one from the list.")
    return name


def tinypy_report_part(root: Path, demo: gr.Blocks) -> None:
    """The newest TinyPy evaluation report of a run under --runs, per level."""
    gr.Markdown("### The last evaluation report of a run")
    with gr.Row():
        run = gr.Dropdown(label="Run", elem_id="tinypy-report-run", scale=3)
        reload = gr.Button("Look for new reports", elem_id="tinypy-report-reload", scale=1)
    caption = gr.Markdown(elem_id="tinypy-report-caption")
    levels = gr.Dataframe(label="Per level", elem_id="tinypy-report", visible=False, interactive=False)

    @guarded(lambda message: gr.update())
    def runs_with_reports(name=None):
        found = [r for r in run_names(root) if reports.latest_tinypy(root / r) is not None]
        keep = name if name in found else (found[0] if found else None)
        return gr.update(choices=found, value=keep)

    @guarded(lambda message: (plain(message, 600), gr.update(visible=False)))
    def show(name):
        report = reports.latest_tinypy(root / _known(root, name)) if name else None
        if report is None:
            return f"No TinyPy evaluation report under {plain(root)} yet.", gr.update(visible=False)
        headers, rows = reports.tinypy_levels(report.data)
        return reports.tinypy_caption(report), gr.update(value={"headers": headers, "data": rows}, visible=True)

    run.change(show, run, [caption, levels], show_progress="hidden", api_name="report_show", **RAW)
    reload.click(runs_with_reports, run, run, **RAW).then(show, run, [caption, levels], show_progress="hidden", **RAW)
    demo.load(runs_with_reports, None, run, **RAW).then(show, run, [caption, levels], show_progress="hidden", **RAW)


def runs_tab(root: Path, refresh_s: float, demo: gr.Blocks) -> None:
    names = run_names(root)
    with gr.Row():
        run = gr.Dropdown(names, value=names[0] if names else None, label="Run", elem_id="runs-run", scale=2)
        other = gr.Dropdown(["(none)", *names], value="(none)", label="Compare with", elem_id="runs-other", scale=2)
        reload = gr.Button("Look for new runs", elem_id="runs-reload", scale=1)
    summary = gr.Markdown(elem_id="runs-summary")
    plot = gr.Plot(label="Loss (refreshes while the run trains)", elem_id="runs-plot")
    with gr.Accordion("Config", open=False):
        config = gr.Code(language="yaml", label=rundir.CONFIG_YAML, elem_id="runs-config", interactive=False)
    lineage = gr.Dataframe(label="Population lineage", elem_id="runs-lineage", visible=False, interactive=False)
    rounds = gr.Dataframe(label="Self-improvement rounds", elem_id="runs-rounds", visible=False, interactive=False)
    evals = gr.Dataframe(label="Evaluation results", elem_id="runs-evals", visible=False, interactive=False)
    timer = gr.Timer(refresh_s)
    drawn = gr.State(None)  # the logs' signature when last drawn, so an idle run is not redrawn
    hidden = gr.update(visible=False)

    def failed(message: str):
        return plain(message, 600), None, "", hidden, hidden, hidden, None

    @guarded(failed)
    def show(name, versus):
        if not name:
            return f"No runs under {plain(root)} yet.", None, "", hidden, hidden, hidden, None
        view = read_run(root, _known(root, name))
        views = [view] + ([read_run(root, _known(root, versus))] if versus not in (None, "(none)", name) else [])
        text = "\n\n".join(v.summary() for v in views)
        figure = loss_figure(views)
        found = reports.eval_rows(reports.find_reports(root / name))
        results = gr.update(value={"headers": reports.EVAL_HEADERS, "data": found}, visible=True) if found else hidden
        frames = _frame(view.lineage), _frame(view.rounds), results
        return text, figure, view.config, *frames, signature(root, [name, versus])

    @guarded(failed)
    def tick(name, versus, last):
        if last is not None and signature(root, [_known(root, name), versus]) == last:
            return (gr.skip(),) * 7
        return show(name, versus)

    @guarded(lambda message: (gr.update(), gr.update()))
    def rescan(name):
        found = run_names(root)
        keep = name if name in found else (found[0] if found else None)
        return gr.update(choices=found, value=keep), gr.update(choices=["(none)", *found])

    outputs = [summary, plot, config, lineage, rounds, evals, drawn]
    run.change(show, [run, other], outputs, show_progress="hidden", api_name="run_show", **RAW)
    other.change(show, [run, other], outputs, show_progress="hidden", **RAW)
    timer.tick(tick, [run, other, drawn], outputs, show_progress="hidden", api_name="run_tick", **RAW)
    reload.click(rescan, run, [run, other], **RAW)
    demo.load(show, [run, other], outputs, **RAW)


def _frame(rows: list[dict]):
    if not rows:
        return gr.update(visible=False)
    columns, data = table(rows)
    return gr.update(value={"headers": columns, "data": data}, visible=True)
