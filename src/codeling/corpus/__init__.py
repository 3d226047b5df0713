"""Python code corpora: ingest, filter, deduplicate, split, and turn into token shards.

A corpus is a directory, written atomically by `build_corpus` (`codeling corpus build`):

    manifest.json    {"format": "codeling-corpus", "version": 1, "settings": {...},
                      "sources": [{"label", "kind", "path", "seen", "kept"}, ...],
                      "counts": {"seen", "kept", "rejected": {reason: count}},
                      "splits": {"train": {"file", "documents", "bytes", "sha256"}, "val": {...}},
                      "rejected_file": {"file", "sha256"}}
    train.jsonl      one kept document a line: {"source", "path", "sha256", "text"}
    val.jsonl        the same, for the held-out files
    rejected.jsonl   one rejected document a line: {"source", "path", "reason"[, "duplicate_of"]}

`source` is the label of the source (a command-line SOURCE's name, the SOURCE as given where two
names clash, or stdlib / purelib / platlib for the default); `path` is relative to it
(`data.parquet#17:repo/x.py` for row 17 of a data file, with the row's own path column where it
has one). `text` is the file as UTF-8 with LF newlines.
Documents appear in the sources' fixed order (directory entries sorted, rows in file order) and the
manifest holds no times, so the same input gives byte-identical directories. Rejection reasons:
unreadable, bad_record, no_code_column (a data file met in a directory walk), binary, not_utf8,
empty, too_large, long_lines, syntax_error, exact_duplicate, normalized_duplicate, near_duplicate.
"""

from codeling.corpus.build import CorpusReport, CorpusSettings, build_corpus, split_of
from codeling.corpus.ingest import Source, default_sources, resolve_source, resolve_sources
from codeling.corpus.reader import iter_records, iter_texts, read_manifest
from codeling.corpus.tokenize import tokenize_corpus

__all__ = [
    "CorpusReport",
    "CorpusSettings",
    "Source",
    "build_corpus",
    "default_sources",
    "iter_records",
    "iter_texts",
    "read_manifest",
    "resolve_source",
    "resolve_sources",
    "split_of",
    "tokenize_corpus",
]
