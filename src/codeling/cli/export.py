"""`codeling export`: write a checkpoint in a format other tools load."""

from __future__ import annotations

from pathlib import Path

import typer

from codeling.cli.progress import console


def export_cmd(
    checkpoint: Path = typer.Argument(..., help="checkpoint or run directory"),
    format: str = typer.Option(
        "hf", "--format", help="hf: a Hugging Face transformers GPT-2 directory; space: a Gradio Space folder"
    ),
    out: Path = typer.Option(..., "--out", help="directory to write"),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace an existing directory at --out"),
):
    """Export a checkpoint: a transformers GPT-2 directory (hf) or a Hugging Face Space folder (space)."""
    from codeling.errors import CodelingError
    from codeling.export import export_hf

    if format == "space":
        from codeling.app.space import export_space

        path = export_space(checkpoint, out, overwrite=overwrite)
        console.print(f"wrote {path}; try it with: cd {path} && python app.py")
        return
    if format != "hf":
        raise CodelingError(
            f"Unknown export format {format!r}; use hf or space (for int8 CPU inference see docs/EXPORT.md)."
        )
    path = export_hf(checkpoint, out, overwrite=overwrite)
    size = sum(f.stat().st_size for f in path.iterdir())
    console.print(f"wrote {path} ({', '.join(sorted(f.name for f in path.iterdir()))}; {size / 1e6:.1f} MB)")
    console.print(
        f"load it with: AutoModelForCausalLM.from_pretrained({str(path)!r}) "
        f"and AutoTokenizer.from_pretrained({str(path)!r})"
    )
