"""`codeling export CKPT --format space`: a folder in the shape of a Hugging Face Space that serves
one model's Write-code tab with `python app.py`, offline.

The folder carries everything it runs: the model (weights, config and tokenizer, without the
optimizer state), a copy of the codeling package beside app.py (imported before any installed
one, so the Space runs the code it was exported with), requirements.txt (codeling's own
dependencies and the Gradio it was tested with) and a README whose front matter is the Space's
metadata.
"""

from __future__ import annotations

import shutil
from importlib.metadata import PackageNotFoundError, requires, version
from pathlib import Path

import codeling
from codeling import atomic, rundir
from codeling.errors import CodelingError
from codeling.train.checkpoint import Loaded, load_checkpoint, save_checkpoint

APP = '''"""A codeling model's Write-code page. Run it with `python app.py`; it needs no network."""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the codeling copied beside this file, not any installed one

from codeling.app.models import load_models  # noqa: E402
from codeling.app.serve import AppSettings, launch  # noqa: E402

# A Hugging Face Space sets GRADIO_SERVER_NAME=0.0.0.0; on your own machine the page stays local.
host = os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1")
port = int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
launch(AppSettings(load_models([HERE / "model"]), tabs=("write",)), host=host, port=port)
'''

README = """---
title: {title}
emoji: 🐣
colorFrom: yellow
colorTo: green
sdk: gradio
sdk_version: {gradio}
app_file: app.py
pinned: false
---

# {title}

A small code model trained with codeling ({params:,} parameters, {vocab:,}-token vocabulary, context
of {block} tokens). Type a prompt and watch the completion stream in; "Run in the sandbox" runs it
isolated (bubblewrap must be installed where the page runs).

    pip install -r requirements.txt
    python app.py        # then open http://127.0.0.1:7860
"""


def requirements() -> str:
    """codeling's own dependencies (no extras) and the Gradio installed here."""
    try:
        needed = [r for r in requires("codeling") or [] if "extra ==" not in r]
        gradio = version("gradio")
    except PackageNotFoundError as e:
        raise CodelingError(f"{e.name} is not installed; install codeling's app extra: pip install '.[app]'.") from None
    return "\n".join([*needed, f"gradio=={gradio}"]) + "\n"


def export_space(checkpoint: str | Path | Loaded, out_dir: str | Path, overwrite: bool = False) -> Path:
    loaded = checkpoint if isinstance(checkpoint, Loaded) else load_checkpoint(checkpoint)
    out_dir = Path(out_dir)
    rundir.refuse_occupied(out_dir, "files", overwrite)
    text = requirements()
    package = Path(codeling.__file__).parent
    with atomic.atomic_directory(out_dir, overwrite=True) as tmp:  # occupied was refused above
        save_checkpoint(tmp / "model", loaded.model, loaded.config, loaded.tokenizer)
        shutil.copytree(package, tmp / "codeling", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        (tmp / "app.py").write_text(APP)
        (tmp / "requirements.txt").write_text(text)
        model = loaded.config.model
        params = sum(p.numel() for p in loaded.model.parameters())
        title = f"codeling {out_dir.name}"
        gradio = text.rsplit("==", 1)[1].strip()
        (tmp / "README.md").write_text(
            README.format(title=title, gradio=gradio, params=params, vocab=model.vocab_size, block=model.block_size)
        )
    return out_dir
