"""`codeling serve`: one local page in front of every capability codeling has, built with Gradio
Blocks, one function per tab. A tab appears only where its capability exists: Write code with a
model, TinyPy with a TinyPy model, Fix my code and Ask Pygame with the helper's packages, Runs with a
runs folder.

Offline by construction: analytics off and system fonts only (no Google Fonts link), set before
Gradio is imported. Every handler turns a CodelingError into one sentence on the page. User code runs
only in codeling's sandbox.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

# Gradio reads these when imported; setdefault lets a user who knows better override them.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import gradio as gr  # noqa: E402

from codeling.app import reports  # noqa: E402
from codeling.app.models import AppLimits, ServedModel, check_input  # noqa: E402
from codeling.app.runs import find_runs, loss_figure, read_run, signature, table  # noqa: E402
from codeling.app.streaming import stream_completion  # noqa: E402
from codeling.app.tinypy_view import LEVELS, compare, random_program  # noqa: E402
from codeling.errors import CodelingError  # noqa: E402
from codeling.generate import Sampling  # noqa: E402
from codeling.sandbox import Limits, SandboxConfig, run_program  # noqa: E402

SYSTEM_FONTS = ["ui-sans-serif", "system-ui", "sans-serif"]
MONO_FONTS = ["ui-monospace", "DejaVu Sans Mono", "monospace"]
CSS = "textarea { font-family: ui-monospace, 'DejaVu Sans Mono', monospace !important; }"


@dataclass
class AppSettings:
    models: dict[str, ServedModel] = field(default_factory=dict)
    runs: Path | None = None
    limits: AppLimits = field(default_factory=AppLimits)
    sandbox: str = "bwrap"  # the sandbox mode user code runs in
    refresh_s: float = 3.0  # how often the Runs tab rereads a run's logs
    tabs: tuple[str, ...] | None = None  # the tabs to offer (write, tinypy, fix, ask, runs); None: all there are

    def offers(self, tab: str) -> bool:
        return self.tabs is None or tab in self.tabs


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS says is free now (another process may still take it before we bind)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def helper_available() -> bool:
    return find_spec("friendly_traceback") is not None


def pygame_available() -> bool:
    return find_spec("pygame") is not None


def say(error: Exception) -> str:
    return f"⚠️ {error}"


def available_tabs(settings: AppSettings) -> list[str]:
    """The tabs whose capability exists here (and that the settings offer)."""
    exists = {
        "write": bool(settings.models),
        "tinypy": any(m.is_tinypy for m in settings.models.values()),
        "fix": helper_available(),
        "ask": pygame_available(),
        "runs": settings.runs is not None,
    }
    return [tab for tab, there in exists.items() if there and settings.offers(tab)]


def build_app(settings: AppSettings) -> gr.Blocks:
    """The page: a tab for each capability that exists here."""
    with gr.Blocks(title="codeling", analytics_enabled=False) as demo:
        gr.Markdown("# codeling\nPlay with your models and watch them train. Everything runs on this machine.")
        shown = available_tabs(settings)
        with gr.Tabs():
            if "write" in shown:
                with gr.Tab("Write code", id="write"):
                    write_code_tab(settings)
            if "tinypy" in shown:
                with gr.Tab("TinyPy", id="tinypy"):
                    tinypy_tab(settings, demo)
            if "fix" in shown:
                with gr.Tab("Fix my code", id="fix"):
                    fix_tab(settings)
            if "ask" in shown:
                with gr.Tab("Ask Pygame", id="ask"):
                    ask_tab(settings)
            if "runs" in shown:
                with gr.Tab("Runs", id="runs"):
                    runs_tab(settings, demo)
        if not shown:
            gr.Markdown("Nothing to show: pass --model CHECKPOINT or --runs DIR.")
    demo.queue(default_concurrency_limit=settings.limits.concurrency, max_size=settings.limits.queue_size)
    return demo


def _stops(text: str) -> list[str]:
    # One stop string a line; \n and \t typed as two characters mean the control characters.
    return [s.replace("\\n", "\n").replace("\\t", "\t") for s in text.splitlines() if s]


def write_code_tab(settings: AppSettings) -> None:
    names = list(settings.models)
    with gr.Row():
        model = gr.Dropdown(names, value=names[0], label="Model", elem_id="write-model", scale=2)
        top = settings.limits.max_new_tokens
        max_tokens = gr.Slider(1, top, value=min(128, top), step=1, label="Max tokens", elem_id="write-max-tokens")
    with gr.Row():
        temperature = gr.Slider(0, 2, value=0.8, step=0.05, label="Temperature (0: greedy)")
        top_k = gr.Slider(0, 200, value=0, step=1, label="Top-k (0: off)")
        top_p = gr.Slider(0.05, 1, value=1, step=0.05, label="Top-p (1: off)")
    prompt = gr.Textbox(label="Prompt", lines=6, elem_id="write-prompt", placeholder="def fib(n):")
    stop = gr.Textbox(label="Stop strings (one a line; \\n for a newline)", lines=1, elem_id="write-stop")
    with gr.Row():
        go = gr.Button("Generate", variant="primary", elem_id="write-go")
        run = gr.Button("Run in the sandbox", elem_id="write-run")
    completion = gr.Textbox(label="Completion", lines=10, elem_id="write-completion", interactive=False)
    status = gr.Markdown(elem_id="write-status")
    output = gr.Textbox(label="Program output", lines=6, elem_id="write-output", interactive=False)

    def generate(name, text, temp, k, p, tokens, stops):
        try:
            loaded = settings.models[name].get()
            sampling = Sampling(
                int(tokens), float(temp), int(k) or None, None if p >= 1 else float(p), 0, _stops(stops)
            )
            for chunk in stream_completion(loaded, text, sampling, settings.limits):
                yield chunk.text, _speed(chunk)
        except CodelingError as e:
            yield "", say(e)

    def execute(text, done):
        try:
            return _run_text(text + done, settings)
        except CodelingError as e:
            return say(e)

    inputs = [model, prompt, temperature, top_k, top_p, max_tokens, stop]
    go.click(generate, inputs, [completion, status], concurrency_id="model")
    run.click(execute, [prompt, completion], output, concurrency_id="sandbox")


def _speed(chunk) -> str:
    if chunk.first_token_s is None:
        return chunk.note or "No tokens came out."
    rate = chunk.tokens / chunk.seconds if chunk.seconds > 0 else 0.0
    state = "done" if chunk.done else "writing"
    line = (
        f"{state}: {chunk.tokens} tokens in {chunk.seconds:.2f} s, "
        f"first after {chunk.first_token_s:.2f} s, {rate:.1f} tokens/s"
    )
    return line + (f"\n\n⚠️ {chunk.note}" if chunk.note else "")


def _run_text(source: str, settings: AppSettings) -> str:
    check_input(source, settings.limits, "program")
    result = run_program(
        source, limits=Limits(timeout_s=settings.limits.run_timeout_s), config=SandboxConfig(mode=settings.sandbox)
    )
    head = f"[{result.status}" + (f", limit: {result.limit}" if result.limit else "") + f", {result.duration_s:.2f} s]"
    return "\n".join(part for part in (head, result.stdout.rstrip("\n"), result.stderr.rstrip("\n")) if part)


def tinypy_tab(settings: AppSettings, demo: gr.Blocks) -> None:
    names = [name for name, m in settings.models.items() if m.is_tinypy]
    with gr.Row():
        model = gr.Dropdown(names, value=names[0], label="TinyPy model", elem_id="tinypy-model")
        level = gr.Dropdown(list(LEVELS), value=LEVELS[0], label="Level", elem_id="tinypy-level")
        seed = gr.Number(0, label="Seed", precision=0, elem_id="tinypy-seed")
        draw = gr.Button("Draw a random program", elem_id="tinypy-draw")
    program = gr.Textbox(label="TinyPy program", lines=8, elem_id="tinypy-program")
    go = gr.Button("Predict and check", variant="primary", elem_id="tinypy-go")
    verdict = gr.Markdown(elem_id="tinypy-verdict")
    headers = ["line", "true output", "model's output", "match"]
    lines = gr.Dataframe(headers=headers, elem_id="tinypy-lines", interactive=False, wrap=True)
    raw = gr.Textbox(label="The model's raw continuation", lines=4, elem_id="tinypy-raw", interactive=False)

    def drawn(lvl, number):
        try:
            return random_program(lvl, int(number or 0)), int(number or 0) + 1
        except CodelingError as e:
            return say(e), number

    def check(name, text):
        try:
            result = compare(settings.models[name].get(), text, settings.limits)
        except CodelingError as e:
            return say(e), None, ""
        wrong = sum(row[3] != "ok" for row in result.rows)
        words = "✓ The model's output is right." if result.correct else f"✗ {wrong} line(s) differ."
        if result.predicted is None:
            words = "✗ The model wrote no `# output` block, so every line differs."
        return words, result.rows, result.generated

    draw.click(drawn, [level, seed], [program, seed])
    go.click(check, [model, program], [verdict, lines, raw], concurrency_id="model")
    if settings.runs is not None:
        tinypy_report_part(settings.runs, demo)


def tinypy_report_part(root: Path, demo: gr.Blocks) -> None:
    """The newest TinyPy evaluation report of a run under --runs, per level."""
    gr.Markdown("### The last evaluation report of a run")
    with gr.Row():
        run = gr.Dropdown(label="Run", elem_id="tinypy-report-run", scale=3)
        reload = gr.Button("Look for new reports", elem_id="tinypy-report-reload", scale=1)
    caption = gr.Markdown(elem_id="tinypy-report-caption")
    levels = gr.Dataframe(label="Per level", elem_id="tinypy-report", visible=False, interactive=False)

    def runs_with_reports(name=None):
        found = [r for r in _run_names(root) if reports.latest_tinypy(root / r) is not None]
        keep = name if name in found else (found[0] if found else None)
        return gr.update(choices=found, value=keep)

    def show(name):
        report = reports.latest_tinypy(root / name) if name in _run_names(root) else None
        if report is None:
            return f"No TinyPy evaluation report under {root} yet.", gr.update(visible=False)
        headers, rows = reports.tinypy_levels(report.data)
        return reports.tinypy_caption(report), gr.update(value={"headers": headers, "data": rows}, visible=True)

    run.change(show, run, [caption, levels], show_progress="hidden")
    reload.click(runs_with_reports, run, run).then(show, run, [caption, levels], show_progress="hidden")
    demo.load(runs_with_reports, None, run).then(show, run, [caption, levels], show_progress="hidden")


def fix_tab(settings: AppSettings) -> None:
    from codeling.helper import Check, fix_program, render

    program = gr.Textbox(label="Your program", lines=10, elem_id="fix-program", placeholder="pirnt('hello')")
    expect = gr.Textbox(label="What it should print (optional)", lines=2, elem_id="fix-expect")
    go = gr.Button("Explain and fix", variant="primary", elem_id="fix-go")
    explanation = gr.Textbox(label="What went wrong", lines=6, elem_id="fix-explanation", interactive=False)
    diff = gr.Textbox(label="The fix (a diff, checked in the sandbox)", lines=8, elem_id="fix-diff", interactive=False)

    def fix(text, expected):
        try:
            check_input(text, settings.limits, "program")
            found = fix_program(text, Check(expect=expected or None), mode=settings.sandbox)
        except CodelingError as e:
            return say(e), ""
        return render(found.explanation), f"{found.note}\n\n{found.diff}".rstrip()

    go.click(fix, [program, expect], [explanation, diff], concurrency_id="sandbox")


def ask_tab(settings: AppSettings) -> None:
    from codeling.helper import ask

    question = gr.Textbox(label="Your pygame question", elem_id="ask-question", placeholder="how do I draw a circle")
    go = gr.Button("Ask", variant="primary", elem_id="ask-go")
    answer = gr.Markdown(elem_id="ask-answer")

    def answer_it(text):
        try:
            check_input(text, settings.limits, "question")
            hits = ask(text, k=3)
        except CodelingError as e:
            return say(e)
        if not hits:
            return "I found nothing about that in pygame's documents. Try other words."
        return "\n\n".join(
            f"**{rank}. pygame/{h.path}**, lines {h.start_line}-{h.end_line} ({h.title})\n"
            f"```{'python' if h.path.endswith('.py') else 'text'}\n{_cut(h.text)}\n```"
            for rank, h in enumerate(hits, 1)
        )

    go.click(answer_it, question, answer)


def _cut(text: str, lines: int = 30) -> str:
    kept = text.splitlines()
    return "\n".join(kept[:lines] + ([f"# ... {len(kept) - lines} more lines"] if len(kept) > lines else []))


def runs_tab(settings: AppSettings, demo: gr.Blocks) -> None:
    root = settings.runs
    names = _run_names(root)
    with gr.Row():
        run = gr.Dropdown(names, value=names[0] if names else None, label="Run", elem_id="runs-run", scale=2)
        other = gr.Dropdown(["(none)", *names], value="(none)", label="Compare with", elem_id="runs-other", scale=2)
        reload = gr.Button("Look for new runs", elem_id="runs-reload", scale=1)
    summary = gr.Markdown(elem_id="runs-summary")
    plot = gr.Plot(label="Loss (refreshes while the run trains)", elem_id="runs-plot")
    with gr.Accordion("Config", open=False):
        config = gr.Code(language="yaml", label="config.yaml", elem_id="runs-config", interactive=False)
    lineage = gr.Dataframe(label="Population lineage", elem_id="runs-lineage", visible=False, interactive=False)
    rounds = gr.Dataframe(label="Self-improvement rounds", elem_id="runs-rounds", visible=False, interactive=False)
    evals = gr.Dataframe(label="Evaluation results", elem_id="runs-evals", visible=False, interactive=False)
    timer = gr.Timer(settings.refresh_s)
    drawn = gr.State(None)  # the logs' signature when last drawn, so an idle run is not redrawn

    def show(name, versus):
        hidden = gr.update(visible=False)
        if not name:
            return f"No runs under {root} yet.", None, "", hidden, hidden, hidden, None
        try:
            view = read_run(root, name)
            views = [view] + ([read_run(root, versus)] if versus not in (None, "(none)", name) else [])
        except CodelingError as e:
            return say(e), None, "", hidden, hidden, hidden, None
        text = "\n\n".join(v.summary() for v in views)
        figure = loss_figure(views)
        found = reports.eval_rows(reports.find_reports(root / name))
        results = gr.update(value={"headers": reports.EVAL_HEADERS, "data": found}, visible=True) if found else hidden
        frames = _frame(view.lineage), _frame(view.rounds), results
        return text, figure, view.config, *frames, signature(root, [name, versus])

    def tick(name, versus, last):
        if last is not None and signature(root, [name, versus]) == last:
            return (gr.skip(),) * 7
        return show(name, versus)

    def rescan(name):
        found = _run_names(root)
        keep = name if name in found else (found[0] if found else None)
        return gr.update(choices=found, value=keep), gr.update(choices=["(none)", *found])

    outputs = [summary, plot, config, lineage, rounds, evals, drawn]
    for event in (run.change, other.change):
        event(show, [run, other], outputs, show_progress="hidden")
    timer.tick(tick, [run, other, drawn], outputs, show_progress="hidden")
    reload.click(rescan, run, [run, other])
    demo.load(show, [run, other], outputs)


def _run_names(root: Path | None) -> list[str]:
    try:
        return find_runs(root) if root is not None else []
    except CodelingError:
        return []


def _frame(rows: list[dict]):
    if not rows:
        return gr.update(visible=False)
    columns, data = table(rows)
    return gr.update(value={"headers": columns, "data": data}, visible=True)


def launch(settings: AppSettings, host: str = "127.0.0.1", port: int = 7860, block: bool = True) -> gr.Blocks:
    """Serve the page on host:port; returns the running app when block is False."""
    demo = build_app(settings)
    theme = gr.themes.Default(font=SYSTEM_FONTS, font_mono=MONO_FONTS)
    try:
        demo.launch(
            server_name=host,
            server_port=port,
            share=False,
            prevent_thread_lock=not block,
            quiet=True,
            ssr_mode=False,
            theme=theme,
            css=CSS,
            footer_links=[],
        )
    except OSError as e:
        raise CodelingError(f"Cannot listen on {host}:{port} ({e}); pass another --port.") from None
    return demo
