"""Export a codeling checkpoint for other tools: one module per target.

mapping.py       which architecture a checkpoint becomes, and why (GPT-2, GPT-NeoX, our own file)
gpt2.py, neox.py, remote.py   the transformers weights and config.json of each mapping
modeling_codeling.py          the modelling file shipped where no standard architecture fits
hf_tokenizer.py  tokenizer.json and tokenizer_config.json
hf.py            `export_hf`: the transformers directory
gguf_vocab.py    the tokenizer inside a GGUF file
gguf_file.py     `export_gguf`: one GGUF file for llama.cpp and Ollama (f32, f16, q8_0)
card.py          the model card (README.md with the Hub's front matter) in every export
"""

from codeling.export.gguf_file import GGUF_TYPES, export_gguf
from codeling.export.hf import export_hf
from codeling.export.mapping import Mapping, gguf_mapping, hf_mapping

__all__ = ["GGUF_TYPES", "Mapping", "export_gguf", "export_hf", "gguf_mapping", "hf_mapping"]
