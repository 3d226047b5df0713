"""`export_hf`: a checkpoint as a transformers directory, in the architecture mapping.py picks.

Nothing here needs `transformers` installed: config.json and the weights are written directly.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from safetensors.torch import save_file

from codeling import atomic, rundir
from codeling.export import gpt2, neox, remote
from codeling.export.card import Target, model_card
from codeling.export.hf_tokenizer import write_tokenizer
from codeling.export.mapping import hf_mapping
from codeling.train.checkpoint import Loaded, load_checkpoint

WRITERS = {"gpt2": gpt2, "gpt_neox": neox, "codeling": remote}


def loaded_checkpoint(checkpoint: str | Path | Loaded) -> Loaded:
    return checkpoint if isinstance(checkpoint, Loaded) else load_checkpoint(checkpoint)


def export_hf(checkpoint: str | Path | Loaded, out_dir: str | Path, overwrite: bool = False) -> Path:
    """Write a `transformers` directory for a checkpoint (a path or a Loaded) at out_dir."""
    loaded = loaded_checkpoint(checkpoint)
    out_dir = Path(out_dir)
    rundir.refuse_occupied(out_dir, "files", overwrite)
    config, tokenizer = loaded.config.model, loaded.tokenizer
    mapping = hf_mapping(config)
    writer = WRITERS[mapping.name]
    weights = writer.state_dict(loaded.model)
    with atomic.atomic_directory(out_dir, overwrite=True) as tmp:  # occupied was refused above
        save_file(weights, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        (tmp / rundir.CONFIG_JSON).write_text(json.dumps(writer.config_json(config, tokenizer), indent=2) + "\n")
        if mapping.name == "codeling":
            shutil.copyfile(remote.MODELING_FILE, tmp / remote.MODELING_FILE.name)
        write_tokenizer(tmp, tokenizer, config.block_size)
        (tmp / "README.md").write_text(model_card(loaded, Target("hf", mapping), out_dir.name))
    return out_dir
