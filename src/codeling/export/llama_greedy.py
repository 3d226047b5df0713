"""Running an exported GGUF in llama.cpp (llama-cpp-python): loading it safely and greedy decoding with
no sampler in between, the check that an export answers as codeling does (its tests and benchmark)."""

from __future__ import annotations

from pathlib import Path


def load_llama(path: str | Path, n_ctx: int, n_threads: int = 1, logits_all: bool = False):
    """A llama_cpp.Llama on the plain CPU buffers: llama.cpp's AMX matrix kernels (an "extra buffer type"
    chosen on CPUs with AMX, as CI's and this repository's machines have) segfault on q8_0 weights in
    llama-cpp-python 0.3.36 (ggml-org/llama.cpp#20824), so they are switched off here."""
    import llama_cpp
    import llama_cpp.llama as llama_module

    defaults = llama_module.llama_cpp.llama_model_default_params

    def without_extra_buffers():
        params = defaults()
        params.use_extra_bufts = False
        return params

    # Llama.__init__ takes its model parameters from this function and has no argument for the field.
    llama_module.llama_cpp.llama_model_default_params = without_extra_buffers
    try:
        return llama_cpp.Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_threads=n_threads,
            n_threads_batch=n_threads,
            logits_all=logits_all,
            verbose=False,
        )
    finally:
        llama_module.llama_cpp.llama_model_default_params = defaults


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
