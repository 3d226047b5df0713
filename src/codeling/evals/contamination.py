"""Contamination: how much of each benchmark item (HumanEval prompt + canonical solution, a test-split
task's prompt + reference) appears verbatim in a training corpus, measured by n-gram overlap on
whitespace tokens (13-grams by default, as in the GPT-3 paper's decontamination).

The corpus is a corpus directory (`codeling corpus build`) or a token-shard directory, decoded back
to text with its own tokenizer, a document at a time where the tokenizer has an end-of-text token.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codeling import rundir
from codeling.errors import CodelingError
from codeling.train.progress import Progress, Report

CHUNK_TOKENS = 1 << 20  # shard tokens decoded at a time where there is no end-of-text token


@dataclass(frozen=True)
class Reference:
    benchmark: str  # "humaneval" or "tasks-test"
    name: str  # task id
    text: str


@dataclass
class ItemOverlap:
    benchmark: str
    name: str
    ngrams: int  # distinct n-grams in the item
    found: int  # of those, how many occur in the corpus
    fraction: float


@dataclass
class BenchmarkSummary:
    items: int
    flagged: int  # items whose fraction is at or above the threshold
    mean_fraction: float
    flagged_names: list[str] = field(default_factory=list)


@dataclass
class ContaminationReport:
    corpus: str
    kind: str  # "corpus" or "shards"
    n: int
    threshold: float
    documents: int
    tokens: int  # whitespace tokens scanned
    items: list[ItemOverlap]
    benchmarks: dict[str, BenchmarkSummary]

    @property
    def warnings(self) -> list[str]:
        return [
            f"{s.flagged} of {s.items} {name} items have at least {self.threshold:.0%} of their {self.n}-grams in "
            f"{self.corpus}; scores on them measure memory, not skill (e.g. {', '.join(s.flagged_names[:5])})."
            for name, s in self.benchmarks.items()
            if s.flagged
        ]


def ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    words = text.split()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def references(humaneval: bool = True, tasks_test: bool = True) -> list[Reference]:
    """The benchmark items to look for: HumanEval's 164 problems and the task suite's test split."""
    refs = []
    if humaneval:
        from codeling.evals.humaneval import load_humaneval

        refs += [Reference("humaneval", p.task_id, p.prompt + p.canonical_solution) for p in load_humaneval()]
    if tasks_test:
        from codeling.evals.tasks import load_split

        refs += [Reference("tasks-test", t.task_id, t.prompt + t.reference) for t in load_split("test")]
    return refs


def corpus_documents(path: str | Path, split: str = "train") -> tuple[str, Iterator[str]]:
    """("corpus" or "shards", the split's documents as text) for a corpus or a shard directory."""
    path = Path(path)
    manifest = path / rundir.MANIFEST
    if not manifest.is_file():
        raise CodelingError(
            f"{path} holds no manifest.json; pass a corpus directory (`codeling corpus build`) or a shard directory."
        )
    fmt = json.loads(manifest.read_text(encoding="utf-8")).get("format")
    if fmt == "codeling-corpus":
        from codeling.corpus import iter_texts

        return "corpus", iter_texts(path, split)
    if fmt == "codeling-shards":
        return "shards", _shard_documents(path, split)
    raise CodelingError(f"{manifest} describes {fmt!r}; pass a corpus directory or a shard directory.")


def _shard_documents(path: Path, split: str) -> Iterator[str]:
    from codeling.data.shards import Shards

    shards = Shards(path)
    tokenizer = shards.tokenizer()
    tokens = shards.split(split).tokens
    if tokenizer.eos_id is None:  # no document boundaries: decode fixed chunks
        for start in range(0, len(tokens), CHUNK_TOKENS):
            yield tokenizer.decode(tokens[start : start + CHUNK_TOKENS].tolist())
        return
    import numpy as np

    ends = np.flatnonzero(tokens == tokenizer.eos_id)
    start = 0
    for end in [*ends.tolist(), len(tokens)]:
        if end > start:
            yield tokenizer.decode(tokens[start:end].tolist())
        start = end + 1


def contamination(
    corpus: str | Path,
    refs: Sequence[Reference],
    n: int = 13,
    threshold: float = 0.5,
    split: str = "train",
    progress: Report | None = None,
) -> ContaminationReport:
    """For each reference item, the share of its distinct n-grams that occur anywhere in the corpus;
    `progress` counts the documents read (and their whitespace tokens) every 1,000 documents."""
    if n < 1 or not 0 < threshold <= 1:
        raise CodelingError(f"n must be at least 1 and the threshold in (0, 1], got n={n}, threshold={threshold}.")
    kind, documents = corpus_documents(corpus, split)
    wanted = {ref.name: ngrams(ref.text, n) for ref in refs}
    every = set().union(*wanted.values()) if wanted else set()
    seen: set[tuple[str, ...]] = set()
    docs = tokens = 0
    for text in documents:
        words = text.split()
        seen.update(g for g in (tuple(words[i : i + n]) for i in range(len(words) - n + 1)) if g in every)
        docs += 1
        tokens += len(words)
        if progress and docs % 1000 == 0:
            progress(Progress.count("documents", docs, None, tokens=tokens))
    items = [
        ItemOverlap(
            r.benchmark,
            r.name,
            len(wanted[r.name]),
            len(wanted[r.name] & seen),
            len(wanted[r.name] & seen) / len(wanted[r.name]) if wanted[r.name] else 0.0,
        )
        for r in refs
    ]
    summaries = {}
    for bench in dict.fromkeys(r.benchmark for r in refs):
        mine = [i for i in items if i.benchmark == bench]
        flagged = [i.name for i in mine if i.ngrams and i.fraction >= threshold]
        summaries[bench] = BenchmarkSummary(len(mine), len(flagged), sum(i.fraction for i in mine) / len(mine), flagged)
    return ContaminationReport(str(corpus), kind, n, threshold, docs, tokens, items, summaries)
