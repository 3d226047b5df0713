"""Where Python code comes from: directories of .py files, JSONL and CSV exports with a code column,
and Hugging Face `datasets` files already on disk (parquet, arrow, JSONL).

Every source is read lazily, one document at a time, in a fixed order (directory entries sorted,
rows in file order), so a corpus larger than memory streams through and the same input always gives
the same sequence. A document that cannot be read becomes a RawDocument with a `problem` instead of
an exception: the build counts it and goes on.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import json
import os
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from codeling.errors import CodelingError

# Column names that Kaggle exports, The Stack, CodeParrot and similar data sets use for the code and
# for where it came from, most specific first.
CODE_COLUMNS = ("content", "code", "source", "text", "whole_func_string", "func_code_string", "solution")
PATH_COLUMNS = ("path", "max_stars_repo_path", "file_path", "filepath", "repo_path", "filename")

# Inside a directory walk we take .py files and the unambiguous dataset formats; JSONL and CSV files
# are only read when named, so a project's results.csv is never mistaken for code.
DATASET_SUFFIXES = (".parquet", ".arrow")


@dataclass(frozen=True)
class Source:
    """One thing to ingest: `kind` is dir, py, jsonl, csv, parquet or arrow. `skip` holds directories
    inside `path` that another source covers (site-packages inside the stdlib on system Pythons)."""

    label: str
    kind: str
    path: Path
    skip: tuple[Path, ...] = ()


@dataclass
class RawDocument:
    """One file or row as found. `data` is bytes from files, str from records; `problem` names why
    it could not be read at all (unreadable, bad_record, too_large)."""

    source: str
    path: str
    data: bytes | str | None
    problem: str | None = None


def default_sources() -> list[Source]:
    """The running interpreter's standard library and site-packages: code that is on every machine."""
    paths = sysconfig.get_paths()
    roots: dict[Path, str] = {}
    for key in ("stdlib", "purelib", "platlib"):
        path = Path(paths[key]).resolve()
        if path.is_dir() and path not in roots:
            roots[path] = key
    return [
        Source(key, "dir", path, tuple(other for other in roots if other != path and path in other.parents))
        for path, key in roots.items()
    ]


def _kind_of(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(".py"):
        return "py"
    if name.endswith((".jsonl", ".jsonl.gz", ".ndjson")):
        return "jsonl"
    for suffix in (".csv", ".parquet", ".arrow"):
        if name.endswith(suffix):
            return suffix[1:]
    return None


def resolve_sources(specs: list[str]) -> list[Source]:
    """Command-line SOURCEs as Sources labelled by their names (records then read `src:pkg/x.py`,
    not a machine's absolute path); where two names clash, both keep the SOURCE as given."""
    sources = [resolve_source(spec) for spec in specs]
    names = [s.path.name for s in sources]
    return [Source(s.path.name, s.kind, s.path) if names.count(s.path.name) == 1 else s for s in sources]


def resolve_source(spec: str) -> Source:
    """Turn one command-line SOURCE into a Source labelled `spec`, failing clearly on what cannot be read."""
    path = Path(spec).expanduser()
    if path.is_dir():
        return Source(spec, "dir", path)
    if not path.exists():
        raise CodelingError(
            f"Source {spec} does not exist; pass a directory of .py files or a .jsonl, .csv, .parquet or .arrow file."
        )
    kind = _kind_of(path)
    if kind is None:
        raise CodelingError(
            f"Source {spec} is neither a directory nor a .py, .jsonl, .csv, .parquet or .arrow file; "
            "convert it to one of those."
        )
    return Source(spec, kind, path)


def _walk(root: Path, skip: tuple[Path, ...] = ()) -> Iterator[Path]:
    """Every .py and dataset file under `root`, sorted, skipping hidden directories and caches."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and d != "__pycache__" and Path(dirpath, d) not in skip
        )
        for name in sorted(filenames):
            if name.endswith(".py") or name.endswith(DATASET_SUFFIXES):
                yield Path(dirpath) / name


def count_documents(sources: list[Source]) -> int | None:
    """How many documents the sources hold, where that is cheap to know (for a progress bar)."""
    total = 0
    for source in sources:
        files = list(_walk(source.path, source.skip)) if source.kind == "dir" else [source.path]
        for path in files:
            kind = _kind_of(path)
            if kind == "py":
                total += 1
            elif kind == "parquet":
                with contextlib.suppress(Exception):
                    import pyarrow.parquet as pq

                    total += pq.ParquetFile(path).metadata.num_rows
                    continue
                return None
            else:
                return None
    return total


def iter_documents(
    source: Source, code_column: str | None = None, max_bytes: int | None = None
) -> Iterator[RawDocument]:
    """Every document of one source, in a fixed order."""
    if source.kind == "dir":
        for path in _walk(source.path, source.skip):
            rel = path.relative_to(source.path).as_posix()
            yield from _iter_file(source.label, rel, path, _kind_of(path), code_column, max_bytes, named=False)
    else:
        yield from _iter_file(
            source.label, source.path.name, source.path, source.kind, code_column, max_bytes, named=True
        )


def _iter_file(label, rel, path: Path, kind, code_column, max_bytes, named: bool) -> Iterator[RawDocument]:
    """A named data file without a code column is the user's mistake to fix; one met in a directory
    walk (a library's test fixture, say) is only counted."""
    if kind == "py":
        yield _read_py(label, rel, path, max_bytes)
        return
    readers = {"jsonl": _jsonl_rows, "csv": _csv_rows, "parquet": _parquet_rows, "arrow": _arrow_rows}
    try:
        for row, code, where in readers[kind](path, code_column):
            doc_path = f"{rel}#{row}" if where is None else f"{rel}#{row}:{where}"
            if not isinstance(code, (str, bytes)):
                yield RawDocument(label, doc_path, None, "bad_record")
            elif max_bytes is not None and len(code) > max_bytes * 4:
                # Far too large whatever its encoding; dropped before any work is spent on it.
                yield RawDocument(label, doc_path, None, "too_large")
            else:
                yield RawDocument(label, doc_path, code)
    except CodelingError:
        if named:
            raise
        yield RawDocument(label, rel, None, "no_code_column")
    except Exception:  # a corrupt data file costs that file, never the build
        yield RawDocument(label, rel, None, "unreadable")


def _read_py(label, rel, path: Path, max_bytes) -> RawDocument:
    try:
        if max_bytes is not None and path.stat().st_size > max_bytes:
            return RawDocument(label, rel, None, "too_large")
        return RawDocument(label, rel, path.read_bytes())
    except OSError:
        return RawDocument(label, rel, None, "unreadable")


def _pick(columns, wanted: str | None, candidates, path: Path, required: bool) -> str | None:
    if wanted is not None:
        if wanted not in columns:
            raise CodelingError(
                f"{path} has no column {wanted!r}; "
                f"its columns are {sorted(columns)}, so pass one of those as --code-column."
            )
        return wanted
    for name in candidates:
        if name in columns:
            return name
    if required:
        raise CodelingError(
            f"{path} has none of the usual code columns {list(candidates)}; "
            f"its columns are {sorted(columns)}, so pass --code-column."
        )
    return None


def _jsonl_rows(path: Path, code_column):
    opener = gzip.open if path.name.endswith(".gz") else open
    code_key = path_key = None
    with opener(path, "rb") as f:
        for row, line in enumerate(f):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                yield row, None, None
                continue
            if not isinstance(record, dict):
                yield row, None, None
                continue
            if code_key is None:
                code_key = _pick(record, code_column, CODE_COLUMNS, path, required=True)
                path_key = _pick(record, None, PATH_COLUMNS, path, required=False)
            where = record.get(path_key) if path_key else None
            yield row, record.get(code_key), where if isinstance(where, str) else None


@contextlib.contextmanager
def _csv_field_limit():
    # Whole source files live in one CSV cell; the csv module's default 128 kB cap is far too small.
    old = csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _csv_rows(path: Path, code_column):
    # surrogateescape: a non-UTF-8 cell becomes a document the filters reject, not a crash mid-file.
    with _csv_field_limit(), open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
        reader = csv.DictReader(f)
        code_key = _pick(reader.fieldnames or [], code_column, CODE_COLUMNS, path, required=True)
        path_key = _pick(reader.fieldnames or [], None, PATH_COLUMNS, path, required=False)
        for row, record in enumerate(reader):
            yield row, record.get(code_key), record.get(path_key) if path_key else None


def _pyarrow():
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise CodelingError(
            "Reading parquet or arrow files needs pyarrow; install it with `pip install pyarrow`."
        ) from None
    return pyarrow


def _batch_rows(batches, schema_names, path: Path, code_column):
    code_key = _pick(schema_names, code_column, CODE_COLUMNS, path, required=True)
    path_key = _pick(schema_names, None, PATH_COLUMNS, path, required=False)
    row = 0
    for batch in batches:
        codes = batch.column(code_key).to_pylist()
        wheres = batch.column(path_key).to_pylist() if path_key else [None] * len(codes)
        for code, where in zip(codes, wheres):
            yield row, code, where if isinstance(where, str) else None
            row += 1


def _parquet_rows(path: Path, code_column):
    pa = _pyarrow()
    parquet = pa.parquet.ParquetFile(path)
    names = parquet.schema_arrow.names
    columns = [
        c
        for c in (_pick(names, code_column, CODE_COLUMNS, path, True), _pick(names, None, PATH_COLUMNS, path, False))
        if c
    ]
    yield from _batch_rows(parquet.iter_batches(batch_size=256, columns=columns), names, path, code_column)


def _arrow_rows(path: Path, code_column):
    # `datasets.save_to_disk` writes the Arrow IPC stream format; other tools write the file format.
    pa = _pyarrow()
    import pyarrow.ipc

    with pa.memory_map(str(path)) as source:
        try:
            reader = pyarrow.ipc.open_stream(source)
            batches = iter(reader)
        except pa.ArrowInvalid:
            source.seek(0)
            reader = pyarrow.ipc.open_file(source)
            batches = (reader.get_batch(i) for i in range(reader.num_record_batches))
        yield from _batch_rows(batches, reader.schema.names, path, code_column)
