"""The few children's words that the sentence embeddings measurably miss, and the words pygame's
documents use for them. Retrieval (helper/ask/retrieve.py) adds a question's table words to its BM25
search; the embeddings and the corpus's own vocabulary (helper/ask/expand.py) do the rest.

Rebuilt for issue 38 on a development set (benchmarks/helper_ask_dev.py): an entry is kept only
when, on a development question, fused retrieval (BM25 + embeddings) misses the answer and the
entry brings it back. No entry uses a word of any held-out question (benchmarks/heldout/). The
earlier table of 65 entries was mostly written from issue 29's held-out questions; of its 20
entries without a held-out word, 15 either helped no development question (the embeddings already
find the page, or nothing does) or cost one. Words are matched after a plain-English stemming.
"""

from __future__ import annotations

CHILD_WORDS: dict[str, tuple[str, ...]] = {
    "twist": ("rotate",),
    "mirror": ("flip",),
    "grow": ("scale",),
    "vanish": ("kill", "remove"),
    "pause": ("wait", "delay"),
}
