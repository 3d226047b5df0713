"""Build a versioned Python corpus: ingest, filter, deduplicate, split by file, write atomically.

Documents stream through in the sources' fixed order (see ingest.py); the filters run in worker
processes and the results come back in that same order, so the output never depends on timing.
The split is decided by a hash of each file's normalised code, not by position or a random draw:
a file lands in the same split whatever else the corpus holds, and copies that differ only in
comments or spacing cannot straddle train and val.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from codeling import atomic, rundir
from codeling.corpus.dedup import Deduplicator
from codeling.corpus.filters import Examined, FilterSettings, examine, examine_many
from codeling.corpus.ingest import RawDocument, Source, count_documents, default_sources, iter_documents
from codeling.corpus.reader import FORMAT
from codeling.digest import sha256_stream, sha256_text
from codeling.errors import CodelingError
from codeling.train.progress import Progress, Report

FORMAT_VERSION = 1
SPLIT_FILES = {"train": "train.jsonl", "val": "val.jsonl"}
CHUNK = 64  # documents per task sent to a worker


@dataclass(frozen=True)
class CorpusSettings:
    max_bytes: int = 500_000
    max_line_length: int = 1000
    strip_licences: bool = False
    near_threshold: float | None = 0.85  # None turns near-duplicate removal off
    num_perm: int = 128
    val_fraction: float = 0.05
    seed: int = 0  # salts the split hash: another seed, another train/val partition
    max_files: int | None = None  # stop after this many documents (files or rows) have been read
    code_column: str | None = None

    def check(self) -> None:
        if not 0.0 <= self.val_fraction < 1.0:
            raise CodelingError(
                f"Validation fraction {self.val_fraction} must be at least 0 and below 1 (0.05 is usual)."
            )
        if self.max_bytes <= 0 or self.max_line_length <= 0:
            raise CodelingError("The size and line-length limits must be positive numbers.")
        if self.max_files is not None and self.max_files <= 0:
            raise CodelingError(f"--max-files {self.max_files} must be a positive number.")

    def filters(self) -> FilterSettings:
        return FilterSettings(
            self.max_bytes, self.max_line_length, self.strip_licences, self.near_threshold is not None, self.num_perm
        )


class _JsonLines:
    """A JSONL file being written, hashed as it goes so it is never read back."""

    def __init__(self, path: Path):
        self.file = open(path, "wb")
        self.sha256 = sha256_stream()

    def write(self, record: dict) -> None:
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        self.file.write(line)
        self.sha256.update(line)


@dataclass
class CorpusReport:
    out_dir: Path
    manifest: dict

    @property
    def kept(self) -> dict[str, int]:
        return {split: info["documents"] for split, info in self.manifest["splits"].items()}

    @property
    def rejected(self) -> dict[str, int]:
        return self.manifest["counts"]["rejected"]


def split_of(normalized: str, val_fraction: float, seed: int) -> str:
    digest = sha256_text(f"{seed}:{normalized}")
    return "val" if int(digest[:16], 16) < val_fraction * 2**64 else "train"


def _examined(docs: Iterable[RawDocument], settings: FilterSettings, workers: int) -> Iterator[Examined]:
    """Filter results in input order. Chunks in flight are bounded, so memory is too, whatever the
    corpus size (Pool.imap would read the whole input ahead)."""
    if workers <= 1:
        for doc in docs:
            yield examine(doc, settings)
        return
    chunks = iter(lambda: list(itertools.islice(docs, CHUNK)), [])
    # fork where there is one: spawn re-imports the caller's __main__, which fails for stdin scripts
    # and notebooks. The workers only parse and hash, so the parent's threads do not matter to them.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with multiprocessing.get_context(method).Pool(workers) as pool:
        pending: deque = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(examine_many, (chunk, settings)))
            if len(pending) >= 4 * workers:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()


class _CorpusFiles:
    """The split files and rejected.jsonl being written, and what has been counted so far: overall,
    per source (for the manifest) and per split."""

    def __init__(self, folder: Path, sources: list[Source]):
        self.splits = {split: _JsonLines(folder / name) for split, name in SPLIT_FILES.items()}
        self.rejects = _JsonLines(folder / "rejected.jsonl")
        self.seen, self.kept = 0, 0
        self.rejected: Counter = Counter()
        self.per_source = {s.label: Counter() for s in sources}
        self.split_docs: Counter = Counter()
        self.split_bytes: Counter = Counter()

    def keep(self, doc: Examined, split: str) -> None:
        self._count(doc, "kept")
        self.kept += 1
        self.splits[split].write({"source": doc.source, "path": doc.path, "sha256": doc.sha256, "text": doc.text})
        self.split_docs[split] += 1
        self.split_bytes[split] += len(doc.text.encode("utf-8"))

    def reject(self, doc: Examined, reason: str, original: str | None) -> None:
        self._count(doc)
        self.rejected[reason] += 1
        entry = {"source": doc.source, "path": doc.path, "reason": reason}
        if original is not None:
            entry["duplicate_of"] = original
        self.rejects.write(entry)

    def _count(self, doc: Examined, *more: str) -> None:
        self.seen += 1
        for what in ("seen", *more):
            self.per_source[doc.source][what] += 1

    def close(self) -> None:
        for writer in [*self.splits.values(), self.rejects]:
            writer.file.close()


def _check_sources(sources: list[Source]) -> None:
    if not sources:
        raise CodelingError("No sources to ingest; pass directories of .py files or data files.")
    labels = [s.label for s in sources]
    if len(set(labels)) != len(labels):
        raise CodelingError(
            f"A source was given twice ({sorted(label for label in labels if labels.count(label) > 1)[0]}); "
            "pass each source once."
        )


def _expected_total(sources: list[Source], max_files: int | None) -> int | None:
    """How many documents the progress bar should expect; None where that is not cheap to know."""
    total = count_documents(sources)
    if max_files is not None:
        return min(total, max_files) if total is not None else max_files
    return total


def _documents(sources: list[Source], settings: CorpusSettings) -> Iterator[RawDocument]:
    """Every source's documents in the order given, up to max_files of them."""
    documents = (doc for source in sources for doc in iter_documents(source, settings.code_column, settings.max_bytes))
    return itertools.islice(documents, settings.max_files)


def _write_documents(
    examined: Iterable[Examined],
    files: _CorpusFiles,
    dedup: Deduplicator,
    settings: CorpusSettings,
    progress: Report | None,
    total: int | None,
) -> None:
    """Keep each document that passed the filters and is no duplicate of one kept before; the rest
    are rejected, with the reason (and the original a duplicate copies)."""
    for doc in examined:
        reason, original = doc.reason, None
        if reason is None:
            reason, original = dedup.check(f"{doc.source}:{doc.path}", doc.sha256, doc.normalized, doc.signature)
        if reason is None:
            files.keep(doc, split_of(doc.normalized, settings.val_fraction, settings.seed))
        else:
            files.reject(doc, reason, original)
        if progress is not None and (files.seen % 256 == 0):
            progress(_counted(files, total, doc.source))


def _counted(files: _CorpusFiles, total: int | None, source: str) -> Progress:
    """Documents read of `total` (None where the sources cannot say cheaply), and how many were kept."""
    status = f"kept {files.kept:,}  {source}"
    return Progress.count("corpus", files.seen, total, status, kept=files.kept, source=source)


def _manifest(settings: CorpusSettings, sources: list[Source], files: _CorpusFiles) -> dict:
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "settings": asdict(settings),
        "sources": [
            {
                "label": s.label,
                "kind": s.kind,
                "path": str(s.path.resolve()),
                "seen": files.per_source[s.label]["seen"],
                "kept": files.per_source[s.label]["kept"],
            }
            for s in sources
        ],
        "counts": {"seen": files.seen, "kept": files.kept, "rejected": dict(sorted(files.rejected.items()))},
        "splits": {
            split: {
                "file": name,
                "documents": files.split_docs[split],
                "bytes": files.split_bytes[split],
                "sha256": files.splits[split].sha256.hexdigest(),
            }
            for split, name in SPLIT_FILES.items()
        },
        "rejected_file": {"file": "rejected.jsonl", "sha256": files.rejects.sha256.hexdigest()},
    }


def build_corpus(
    out_dir: str | Path,
    sources: list[Source] | None = None,
    settings: CorpusSettings = CorpusSettings(),
    progress: Report | None = None,
    workers: int = 0,
    overwrite: bool = False,
) -> CorpusReport:
    """Ingest `sources` (default: this interpreter's standard library and site-packages) into a
    corpus directory; `workers` 0 means one per CPU."""
    settings.check()
    sources = sources if sources is not None else default_sources()
    _check_sources(sources)
    out_dir = Path(out_dir)
    rundir.refuse_occupied(out_dir, overwrite=overwrite)
    workers = workers or os.cpu_count() or 1
    # Made here, so that a bad threshold raises before anything is written.
    dedup = Deduplicator(settings.near_threshold, settings.num_perm)
    total = _expected_total(sources, settings.max_files)
    with atomic.atomic_directory(out_dir, overwrite=True) as tmp:
        files = _CorpusFiles(tmp, sources)
        try:
            examined = _examined(_documents(sources, settings), settings.filters(), workers)
            _write_documents(examined, files, dedup, settings, progress, total)
        finally:
            files.close()
        if files.seen == 0:  # raised inside the temporary directory, so nothing is left at --out
            raise CodelingError(
                f"No Python files were found in {', '.join(s.label for s in sources)}; pass a directory that "
                "holds .py files, or a .jsonl, .csv, .parquet or .arrow file of code."
            )
        if progress is not None:
            progress(_counted(files, files.seen, sources[-1].label))
        manifest = _manifest(settings, sources, files)
        atomic.write_text(tmp / rundir.MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return CorpusReport(out_dir, manifest)
