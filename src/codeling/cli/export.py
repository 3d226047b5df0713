"""`codeling export`: write a checkpoint in a format other tools load."""

from __future__ import annotations

from pathlib import Path

import typer

from codeling import rundir
from codeling.cli import options
from codeling.cli.progress import console

FORMATS = ("hf", "gguf", "space")


def default_out(checkpoint: Path, format: str) -> Path:
    """exported/NAME (hf), exported/NAME-gguf, exported/NAME-space: NAME is the run's (or checkpoint's) name."""
    run = rundir.run_of(checkpoint.resolve())  # runs/X/checkpoints/step-N: name it after the run
    name = (run or checkpoint.resolve()).name
    return Path("exported") / (name if format == "hf" else f"{name}-{format}")


def export_cmd(
    checkpoint: Path = typer.Argument(
        ..., help="checkpoint or run directory (a run: its best, else newest checkpoint)"
    ),
    format: str = typer.Option(
        "hf",
        "--format",
        help="hf: a transformers directory; gguf: a GGUF file for llama.cpp and Ollama; space: a Gradio Space folder",
    ),
    gguf_type: str = typer.Option("f16", "--gguf-type", help="GGUF weights: f32, f16 or q8_0 (8-bit, 32-value blocks)"),
    out: Path = options.out(
        "directory to write (default: exported/NAME, exported/NAME-gguf, exported/NAME-space)", None
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace an existing directory at --out"),
):
    """Export a checkpoint; every export carries a model card (README.md).

    Each model gets the architecture that computes exactly what codeling's model computes:

    - learned positions: GPT-2 (transformers gpt2, llama.cpp gpt2)
    - rotary positions (as the demo's model): GPT-NeoX with sequential residuals (gpt_neox, llama.cpp gptneox),
    q/k channels reordered
    - QK-norm or memory tokens: none computes them; hf carries codeling's own modelling file
    (load it with trust_remote_code=True; nothing is downloaded) and gguf refuses the model

    The export prints the mapping it used and why (docs/EXPORT.md shows what was checked).
    """
    from codeling.errors import CodelingError

    if format not in FORMATS:
        raise CodelingError(
            f"Unknown export format {format!r}; use hf, gguf or space (for int8 CPU inference see docs/EXPORT.md)."
        )
    out = out or default_out(checkpoint, format)
    if format == "space":
        from codeling.app.space import export_space

        path = export_space(checkpoint, out, overwrite=overwrite)
        console.print(f"wrote {path}; try it with: cd {path} && python app.py")
        return
    from codeling.export import export_gguf, export_hf, gguf_mapping, hf_mapping
    from codeling.train.checkpoint import load_checkpoint

    loaded = load_checkpoint(checkpoint)
    if format == "gguf":
        mapping = gguf_mapping(loaded.config.model)  # refuses before anything is written
        path = export_gguf(loaded, out, gguf_type, overwrite=overwrite)
        report_written(path.parent, mapping)
        from codeling.export.gguf_vocab import gguf_vocab

        note = gguf_vocab(loaded.tokenizer).note
        if note:
            console.print(f"tokenizer: {note}")
        console.print(f"load it with: llama-cli -m {path}, llama_cpp.Llama(model_path={str(path)!r}),")
        console.print(f"or Ollama: cd {path.parent} && ollama create NAME -f Modelfile")
        return
    mapping = hf_mapping(loaded.config.model)
    path = export_hf(loaded, out, overwrite=overwrite)
    report_written(path, mapping)
    remote = ", trust_remote_code=True" if mapping.name == "codeling" else ""
    console.print(
        f"load it with: AutoModelForCausalLM.from_pretrained({str(path)!r}{remote}) "
        f"and AutoTokenizer.from_pretrained({str(path)!r}{remote})"
    )


def report_written(folder: Path, mapping) -> None:
    size = sum(f.stat().st_size for f in folder.iterdir())
    console.print(f"wrote {folder} ({', '.join(sorted(f.name for f in folder.iterdir()))}; {size / 1e6:.1f} MB)")
    console.print(f"architecture: {mapping.name}, because {mapping.reason}")
