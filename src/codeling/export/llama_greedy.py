"""Greedy decoding of an exported GGUF in llama.cpp (llama-cpp-python), with no sampler in between:
the check that an export answers as codeling does, used by its tests and its benchmark."""

from __future__ import annotations


def llama_greedy(llm, prompt: list[int], new_tokens: int) -> list[int]:
    """The argmax of llama.cpp's own last-position logits, token after token, from `prompt`."""
    import llama_cpp
    import numpy as np

    llm.reset()
    llm.eval(prompt)
    out = []
    for _ in range(new_tokens):
        # The last position's logits, through llama.cpp's C API (Llama.scores holds them only with logits_all).
        last = np.ctypeslib.as_array(llama_cpp.llama_get_logits(llm.ctx), shape=(llm.n_vocab(),))
        out.append(int(np.argmax(last)))
        llm.eval([out[-1]])
    return out
