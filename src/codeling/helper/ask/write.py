"""`ask --code`: a short program written by a code model, conditioned on what retrieval found.

The prompt is the best example code retrieved for the question, then the question as a comment;
the model writes on from there. Nothing it writes is run: the program is only compiled (which runs
nothing), and is always shown as model-written and unverified.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codeling.helper.ask.retrieve import Hit
from codeling.helper.explain.explain import compile_problem

NEW_TOKENS = 200  # a short program, at most


@dataclass(frozen=True)
class Written:
    code: str
    compiles: bool
    problem: str | None  # why it does not compile, with its line
    checkpoint: str


def code_prompt(question: str, hits: list[Hit]) -> str:
    """The retrieved example code (best first, examples only), then the question as a comment."""
    examples = [h.text.rstrip() + "\n\n" for h in hits if h.path.startswith("examples/")]
    return "".join(examples) + f"# {question.strip()}\n"


def fit_prompt(tokenizer, prompt: str, room: int) -> str:
    """The prompt cut from the front to `room` tokens, so the question at its end always stays."""
    ids = tokenizer.encode(prompt)
    return prompt if len(ids) <= room else tokenizer.decode(ids[-room:])


def write_program(question: str, hits: list[Hit], checkpoint: str | Path, seed: int = 0) -> Written:
    from codeling.generate import Sampling, generate_text
    from codeling.train.checkpoint import load_checkpoint

    loaded = load_checkpoint(checkpoint)  # a CodelingError when the path holds no checkpoint
    block = loaded.config.model.block_size
    new_tokens = min(NEW_TOKENS, block // 2)
    prompt = fit_prompt(loaded.tokenizer, code_prompt(question, hits), block - new_tokens - 1)
    sampling = Sampling(max_new_tokens=new_tokens, temperature=0.8, top_k=40, seed=seed, stop=["\n\n\n"])
    code = generate_text(loaded.model, loaded.tokenizer, [prompt], sampling)[0].rstrip() + "\n"
    problem = compile_problem(code)
    why = None
    if problem is not None:
        why = f"{problem.exception}: {problem.message}" + (f" (line {problem.line})" if problem.line else "")
    return Written(code, problem is None, why, str(loaded.path))
