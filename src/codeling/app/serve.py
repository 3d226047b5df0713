"""`codeling serve`: one local page in front of every capability codeling has, built with Gradio
Blocks, one function per tab. A tab appears only where its capability exists: Write code with a
model, TinyPy with a TinyPy model, Fix my code and Ask Pygame with the helper's packages, Runs with a
runs folder, Drive with the RL packages (drive_tab.py).

Offline by construction: analytics off and system fonts only (no Google Fonts link), set before
Gradio is imported. Every handler checks each value it is sent (inputs.py) and fails only with one
sentence on the page (guard.py). User code runs only in codeling's sandbox; TinyPy programs run in
the bounded interpreter (tinypy/bounded.py); request bodies are capped (bodylimit.py).
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
from starlette.middleware import Middleware  # noqa: E402

from codeling.app.bodylimit import BodyLimit  # noqa: E402
from codeling.app.drive_jobs import MAX_UPLOAD_BYTES  # noqa: E402
from codeling.app.guard import RAW, guarded  # noqa: E402
from codeling.app.inputs import check_input, number  # noqa: E402
from codeling.app.markup import plain  # noqa: E402
from codeling.app.models import AppLimits, ServedModel  # noqa: E402
from codeling.app.runs_tab import runs_tab, tinypy_report_part  # noqa: E402
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
    tabs: tuple[str, ...] | None = None  # the tabs to offer (write, tinypy, fix, ask, runs, drive); None: all there are

    def __post_init__(self) -> None:
        SandboxConfig(mode=self.sandbox)  # an unknown mode is refused now, not at every Run

    def offers(self, tab: str) -> bool:
        return self.tabs is None or tab in self.tabs


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_address(host: str, port: int) -> None:
    """Refuse an address Gradio cannot serve, before anything is loaded."""
    if not 0 <= port <= 65535:
        raise CodelingError(f"Port {port} does not exist; pass a --port from 1 to 65535 (0: any free one).")
    if ":" in host:  # Gradio writes its own URL as http://HOST:PORT, which an IPv6 address breaks
        raise CodelingError(f"The page cannot be served on the IPv6 address {host}; use --host 127.0.0.1.")


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS says is free now (another process may still take it before we bind)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def helper_available() -> bool:
    return find_spec("friendly_traceback") is not None


def pygame_available() -> bool:
    return find_spec("pygame") is not None


def drive_available() -> bool:
    return all(find_spec(name) is not None for name in ("gymnasium", "scipy", "PIL"))


def pick(models: dict[str, ServedModel], name) -> ServedModel:
    """The served model called `name` (a client may send any value)."""
    if not isinstance(name, str) or name not in models:
        raise CodelingError("There is no such model here; pick one from the list.")
    return models[name]


def available_tabs(settings: AppSettings) -> list[str]:
    """The tabs whose capability exists here (and that the settings offer)."""
    exists = {
        "write": bool(settings.models),
        "tinypy": any(m.is_tinypy for m in settings.models.values()),
        "fix": helper_available(),
        "ask": pygame_available(),
        "runs": settings.runs is not None,
        "drive": drive_available(),
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
                    runs_tab(settings.runs, settings.refresh_s, demo)
            if "drive" in shown:
                from codeling.app.drive_tab import drive_tab

                with gr.Tab("Drive", id="drive"):
                    drive_tab(settings.runs, demo)
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

    limits = settings.limits

    @guarded(lambda message: ("", plain(message, 600)))
    def generate(name, text, temp, k, p, tokens, stops):
        loaded = pick(settings.models, name).get()
        # The widgets' own ranges: the HTTP API accepts any value, NaN and 1e30 included.
        top_p = number(p, "Top-p", 0.05, 1)
        sampling = Sampling(
            number(tokens, "Max tokens", 1, limits.max_new_tokens, whole=True),
            number(temp, "Temperature", 0, 2),
            number(k, "Top-k", 0, 200, whole=True) or None,
            None if top_p >= 1 else top_p,
            0,
            _stops(check_input(stops, limits, "stop strings")),
        )
        for chunk in stream_completion(loaded, check_input(text, limits, "prompt"), sampling, limits):
            yield chunk.text, _speed(chunk)

    @guarded(lambda message: message)
    def execute(text, done):
        return _run_text(check_input(text, limits, "prompt") + check_input(done, limits, "completion"), settings)

    inputs = [model, prompt, temperature, top_k, top_p, max_tokens, stop]
    go.click(generate, inputs, [completion, status], concurrency_id="model", api_name="generate", **RAW)
    run.click(execute, [prompt, completion], output, concurrency_id="sandbox", api_name="run", **RAW)


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

    @guarded(lambda message: (message, gr.update()))
    def drawn(name, lvl, seed):
        if lvl not in LEVELS:
            raise CodelingError(f"Choose a level from the list ({', '.join(LEVELS)}).")
        seed = number(seed if seed is not None else 0, "Seed", 0, 2**63 - 1, whole=True)
        return random_program(lvl, seed, pick(settings.models, name).get()), seed + 1

    @guarded(lambda message: (plain(message, 600), None, ""))
    def check(name, text):
        result = compare(pick(settings.models, name).get(), text, settings.limits)
        wrong = sum(row[3] != "ok" for row in result.rows)
        words = "✓ The model's output is right." if result.correct else f"✗ {wrong} line(s) differ."
        if result.predicted is None:
            words = "✗ The model wrote no `# output` block, so every line differs."
        return words, result.rows, result.generated

    draw.click(drawn, [model, level, seed], [program, seed], api_name="tinypy_draw", **RAW)
    go.click(check, [model, program], [verdict, lines, raw], concurrency_id="model", api_name="tinypy_check", **RAW)
    if settings.runs is not None:
        tinypy_report_part(settings.runs, demo)


def fix_tab(settings: AppSettings) -> None:
    from codeling.helper import Check, fix_program, render

    program = gr.Textbox(label="Your program", lines=10, elem_id="fix-program", placeholder="pirnt('hello')")
    stdin = gr.Textbox(label="What you type in (optional)", lines=2, elem_id="fix-stdin")
    expect = gr.Textbox(label="What it should print (optional)", lines=2, elem_id="fix-expect")
    go = gr.Button("Explain and fix", variant="primary", elem_id="fix-go")
    explanation = gr.Textbox(label="What went wrong", lines=6, elem_id="fix-explanation", interactive=False)
    diff = gr.Textbox(label="The fix (a diff, checked in the sandbox)", lines=8, elem_id="fix-diff", interactive=False)

    @guarded(lambda message: (message, ""))
    def fix(text, typed, expected):
        check_input(text, settings.limits, "program")
        typed = check_input(typed or "", settings.limits, "typing")
        expected = check_input(expected or "", settings.limits, "expected output")
        typed = typed if not typed or typed.endswith("\n") else typed + "\n"  # the box drops the last Enter
        found = fix_program(text, Check(stdin=typed, expect=expected or None), mode=settings.sandbox)
        return render(found.explanation, face="app"), f"{found.note}\n\n{found.diff}".rstrip()

    go.click(fix, [program, stdin, expect], [explanation, diff], concurrency_id="sandbox", api_name="fix", **RAW)


def ask_tab(settings: AppSettings) -> None:
    from codeling.helper import ask

    question = gr.Textbox(label="Your pygame question", elem_id="ask-question", placeholder="how do I draw a circle")
    go = gr.Button("Ask", variant="primary", elem_id="ask-go")
    answer = gr.Markdown(elem_id="ask-answer")

    @guarded(lambda message: plain(message, 600))
    def answer_it(text):
        hits = ask(check_input(text, settings.limits, "question"), k=3)
        if not hits:
            return "I found nothing about that in pygame's documents. Try other words."
        return "\n\n".join(
            f"**{rank}. pygame/{plain(h.path)}**, lines {h.start_line}-{h.end_line} ({plain(h.title)})\n"
            f"```{'python' if h.path.endswith('.py') else 'text'}\n{_cut(h.text)}\n```"
            for rank, h in enumerate(hits, 1)
        )

    go.click(answer_it, question, answer, api_name="ask", **RAW)


def _cut(text: str, lines: int = 30) -> str:
    kept = text.splitlines()
    return "\n".join(kept[:lines] + ([f"# ... {len(kept) - lines} more lines"] if len(kept) > lines else []))


def launch(settings: AppSettings, host: str = "127.0.0.1", port: int = 7860, block: bool = True) -> gr.Blocks:
    """Serve the page on host:port; returns the running app when block is False."""
    check_address(host, port)
    demo = build_app(settings)
    theme = gr.themes.Default(font=SYSTEM_FONTS, font_mono=MONO_FONTS)
    # A request carries a few inputs of at most max_input_chars each (4 bytes a character in UTF-8,
    # twice that escaped in JSON): anything much larger is refused before Gradio reads it.
    body_limit = 64 * 1024 + 8 * 8 * settings.limits.max_input_chars
    # The one file input is the Drive tab's map; its multipart wrapping needs a few KB more.
    body_limit = max(body_limit, MAX_UPLOAD_BYTES + 16 * 1024)
    try:
        demo.launch(
            server_name=host,
            server_port=port,
            share=False,
            max_file_size=MAX_UPLOAD_BYTES,  # the Drive tab's map upload, the page's one file input
            app_kwargs={"middleware": [Middleware(BodyLimit, limit=body_limit)]},
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
