"""A running codeling web app on a free loopback port, tiny models made here, and a headless
Chromium (Debian's package) driven by Playwright."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest
import torch

from codeling.app.serve import free_port
from codeling.config import Config, ModelConfig
from codeling.errors import CodelingError
from codeling.model import GPT
from codeling.tokenizers import CharTokenizer, TinyPyTokenizer
from codeling.train.checkpoint import save_checkpoint

REPO = Path(__file__).resolve().parents[2]
CHARS = sorted(set("abcdefghijklmnopqrstuvwxyz0123456789 ()*+-=:#'_.,\n"))


def tiny_checkpoint(path: Path, tokenizer, task: dict | None = None, seed: int = 0) -> Path:
    config = Config(
        model=ModelConfig(vocab_size=tokenizer.vocab_size, block_size=256, n_layer=2, n_head=2, n_embd=32),
        task=task or {},
    )
    torch.manual_seed(seed)
    model = GPT(config.model)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.2)
    return save_checkpoint(path, model, config, tokenizer)


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def make_runs(root: Path) -> Path:
    """A training run, a population and a self-improvement run, in the formats their loops write."""
    train = root / "small"
    train.mkdir(parents=True)
    (train / "config.yaml").write_text("model:\n  n_layer: 2\ntrain:\n  lr: 0.001\n")
    write_jsonl(train / "metrics.jsonl", [metric(s, "train", 3.0 - s / 100) for s in range(0, 60, 10)])
    other = root / "wide"
    other.mkdir()
    (other / "config.yaml").write_text("model:\n  n_layer: 4\n")
    write_jsonl(other / "metrics.jsonl", [metric(s, "val", 2.5 - s / 200) for s in range(0, 60, 20)])
    population = root / "pop"
    population.mkdir()
    write_jsonl(population / "metrics.jsonl", [{**metric(10, "val", 2.0), "member": m} for m in range(2)])
    lineage = [
        {"generation": g, "step": 10 * g, "member": m, "parent": m, "action": "keep", "score": 2.0}
        for g in range(2)
        for m in range(2)
    ]
    write_jsonl(population / "lineage.jsonl", lineage)
    improve = root / "selfimprove"
    improve.mkdir()
    rounds = [{"step": r, "kept": 5 + r, "test": {"pass@1": 0.1 * r}, "heldout": {"pass@1": 0.05}} for r in range(3)]
    write_jsonl(improve / "rounds.jsonl", rounds)
    (improve / "report.json").write_text(json.dumps({"settings": {"rounds": 2}, "rounds": rounds}))
    (train / "report.json").write_text(json.dumps(tinypy_report("output")))
    (other / "humaneval.json").write_text(json.dumps(pass_at_k_report()))
    return root


def tinypy_report(mode: str, levels: dict[str, tuple[int, int, int, int]] | None = None) -> dict:
    """A TinyPy report as `codeling tinypy eval --json` writes it; levels: level -> (n, output, hard, soft)."""
    from codeling.tinypy.evaluate import TinyPyReport, TinyPyScore

    levels = levels or {"1.1": (4, 3, 0, 0), "2.1": (4, 1, 0, 0)}
    scores = {level: TinyPyScore(*counts) for level, counts in levels.items()}
    overall = TinyPyScore(*(sum(c[i] for c in levels.values()) for i in range(4)))
    data = {"path": "data/tinypy", "sha256": "0" * 64, "samples": overall.n}
    report = TinyPyReport("runs/small", data, mode, overall, scores, [], 1.5)
    return json.loads(json.dumps(report.to_json()))


def pass_at_k_report() -> dict:
    """A pass@k report as `codeling eval humaneval --json` writes it: settings, overall, by_group."""
    from codeling.evals.run import PassAtK, PassAtKReport

    outcomes = {"passed": 3, "failed_test": 5, "runtime_error": 1, "compile_error": 1, "timeout": 0}
    overall = PassAtK(5, 2, {1: 0.3, 2: 0.5}, outcomes)
    report = PassAtKReport(overall, {"level": {"1": overall}})
    return json.loads(json.dumps({"settings": {"n": 2, "temperature": 0.8}, **report.to_json()}))


def metric(step: int, split: str, loss: float) -> dict:
    return {"step": step, "split": split, "loss": loss, "lr": 1e-3, "tokens": step * 64, "time": step / 10}


@pytest.fixture(scope="session")
def app_dirs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("app")
    broken = root / "broken"
    broken.mkdir()
    (broken / "model.safetensors").write_bytes(b"not a model")
    return {
        "coder": tiny_checkpoint(root / "coder", CharTokenizer(CHARS)),
        "tinypy": tiny_checkpoint(root / "tinypy", TinyPyTokenizer(), task={"name": "tinypy", "mode": "output"}),
        "broken": broken,
        "runs": make_runs(root / "runs"),
    }


@pytest.fixture(scope="session")
def app_url(app_dirs, sandbox_mode) -> str:
    from codeling.app.models import AppLimits, load_models
    from codeling.app.serve import AppSettings, launch

    models = load_models([app_dirs["coder"], app_dirs["tinypy"], app_dirs["broken"]])
    limits = AppLimits(max_input_chars=400, max_new_tokens=64, request_timeout_s=20)
    settings = AppSettings(models, app_dirs["runs"], limits, sandbox=sandbox_mode, refresh_s=1.0)
    for _ in range(5):  # another process may take the port between the probe and the bind
        port = free_port()
        try:
            demo = launch(settings, port=port, block=False)
            break
        except CodelingError:
            continue
    else:
        pytest.fail("no free loopback port for the app")
    yield f"http://127.0.0.1:{port}"
    demo.close()


@pytest.fixture(scope="session")
def browser():
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); the browser tests need it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url):
    """A fresh page on the app; any request that leaves loopback is refused and remembered."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.outside = []

    def guard(route):
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            return route.continue_()
        page.outside.append(route.request.url)
        return route.abort()

    page.route("**/*", guard)
    page.goto(app_url)
    page.get_by_role("tab").first.wait_for()
    yield page
    context.close()


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """Where the browser tests save a screenshot of each tab: a temporary directory, so a test run
    leaves the checkout as it was, unless CODELING_SCREENSHOTS names one (docs/screenshots refreshes
    the docs' pictures; a relative path is taken from the repository root)."""
    chosen = os.environ.get("CODELING_SCREENSHOTS")
    if not chosen:
        return tmp_path_factory.mktemp("screenshots")
    folder = REPO / chosen
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def shoot(screenshots):
    """shoot(page, name): save the whole page as NAME.png in the screenshots directory."""

    def save(page, name: str) -> None:
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)

    return save
