"""The TinyPy tab's work: draw a program, run it with codeling's interpreter, ask a TinyPy model what
it prints, and line the two outputs up so that every line that differs is marked."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass

from codeling.app.inputs import check_input
from codeling.app.models import AppLimits
from codeling.errors import CodelingError
from codeling.generate import Sampling, generate_ids
from codeling.tinypy.bounded import output_of, run_bounded
from codeling.tinypy.builder import LEVELS, Knobs
from codeling.tinypy.dataset import predicted_output, prompt_text
from codeling.tinypy.generator import draw_program, resolve_levels
from codeling.tinypy.interpreter import RunError
from codeling.train.checkpoint import Loaded

__all__ = ["LEVELS", "Comparison", "compare", "random_program", "true_output"]


def random_program(level: str, seed: int, loaded: Loaded | None = None) -> str:
    """A program of `level` that runs to the end (draws that fail at run time are drawn again),
    drawn as the programs `loaded`'s model was trained on were (its literal range, loop lengths, ...),
    so a model is not shown numbers it never saw; the generator's defaults without one."""
    (level,) = resolve_levels(level)
    rng = random.Random(seed)
    knobs = trained_knobs(loaded)
    for _ in range(100):
        program = draw_program(rng, level, knobs)
        try:
            run_bounded(program)
        except RunError:
            continue
        return program.text
    raise CodelingError(f"No runnable level {level} program came out of 100 draws; try another seed.")


def trained_knobs(loaded: Loaded | None) -> Knobs:
    """The generator's knobs recorded with the model's data (config.task.generator), or the defaults
    where there are none (a model from before they were recorded, or of the code-tracing grammar)."""
    recorded = ((loaded.config.task or {}).get("generator") or {}).get("knobs") if loaded is not None else None
    if not isinstance(recorded, dict) or "grammar" in (loaded.config.task.get("generator") or {}):
        return Knobs()
    fields = {f.name for f in dataclasses.fields(Knobs)}
    try:
        return Knobs(**{k: tuple(v) if isinstance(v, list) else v for k, v in recorded.items() if k in fields})
    except TypeError:
        return Knobs()


def true_output(program: str) -> list[str]:
    """What the program prints, by codeling's TinyPy interpreter under the bounds every typed program
    runs under (tinypy/bounded.py); CodelingError if it is not TinyPy, fails or passes a bound."""
    return output_of(program)


@dataclass
class Comparison:
    truth: list[str]
    predicted: list[str] | None  # None: the model wrote no output block
    generated: str  # the model's raw continuation

    @property
    def rows(self) -> list[list[str]]:
        """line, true output, the model's, and a mark: one row per line of the longer of the two."""
        predicted = self.predicted or []
        rows = []
        for i in range(max(len(self.truth), len(predicted))):
            want = self.truth[i] if i < len(self.truth) else ""
            got = predicted[i] if i < len(predicted) else ""
            same = i < len(self.truth) and i < len(predicted) and want == got
            rows.append([str(i + 1), want, got, "ok" if same else "✗ differs"])
        return rows

    @property
    def correct(self) -> bool:
        return self.predicted == self.truth


def compare(loaded: Loaded, program: str, limits: AppLimits) -> Comparison:
    check_input(program, limits, "program")
    truth = true_output(program)
    tok, model = loaded.tokenizer, loaded.model
    trace = loaded.config.task.get("mode") == "trace"
    prompt = [tok.bos_id, *tok.encode(prompt_text(program, trace))] if tok.bos_id is not None else tok.encode(program)
    # Learned positions end at block_size; rotary ones do not, so only the limit bounds those.
    room = model.config.block_size - len(prompt) if model.wpe is not None else limits.max_new_tokens
    if room < 1:
        raise CodelingError(f"The program is longer than the model's context of {model.config.block_size} tokens.")
    sampling = Sampling(min(limits.max_new_tokens, room), temperature=0)
    stops = [tok.eos_id] if tok.eos_id is not None else []
    ids = generate_ids(model, [prompt], sampling, stop_ids=stops)[0]
    generated = tok.decode([i for i in ids if i not in stops])
    return Comparison(truth, predicted_output(generated, trace), generated)
