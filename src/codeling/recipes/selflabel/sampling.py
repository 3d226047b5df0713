"""Sample several answers per program from a checkpoint: the raw material of the vote.

The samples of one program are decoded in the same batch as copies of its prompt, each row with its
own random stream position; the batch's generator is seeded from (seed, batch), so the same
checkpoint, programs and seed give the same answers.
"""

from __future__ import annotations

from codeling.generate import Sampling, generate_ids
from codeling.recipes.selflabel.vote import well_formed
from codeling.tinypy.dataset import prompt_text
from codeling.train.checkpoint import Loaded
from codeling.train.progress import Progress, Report


def sample_answers(
    loaded: Loaded,
    programs: list[str],
    samples: int,
    temperature: float,
    max_new_tokens: int,
    seed: int,
    rows_per_batch: int = 256,
    progress: Report | None = None,
) -> list[list[tuple[str, ...] | None]]:
    """`samples` answers per program (None where a sample was not well formed), in program order."""
    tok, model = loaded.tokenizer, loaded.model
    prompts = [[tok.bos_id, *tok.encode(prompt_text(p))] for p in programs]
    # Programs of similar length share a batch, so little of it is padding.
    order = sorted(range(len(programs)), key=lambda i: len(prompts[i]))
    per_batch = max(1, rows_per_batch // samples)
    answers: list[list[tuple[str, ...] | None]] = [[] for _ in programs]
    for batch, start in enumerate(range(0, len(order), per_batch)):
        chosen = order[start : start + per_batch]
        budget = min(max_new_tokens, model.config.block_size - max(len(prompts[i]) for i in chosen))
        rows = [prompts[i] for i in chosen for _ in range(samples)]
        sampling = Sampling(max(1, budget), temperature=temperature, seed=seed * 1_000_003 + batch)
        generated = generate_ids(model, rows, sampling, stop_ids=[tok.eos_id])
        for row, ids in enumerate(generated):
            # Fewer ids than the budget: it stopped at EOS (generate_ids keeps EOS out of the ids).
            answers[chosen[row // samples]].append(well_formed(tok.decode(ids), len(ids) < budget))
        if progress:
            progress(Progress.count("sample", min(start + per_batch, len(order)), len(order)))
    return answers
