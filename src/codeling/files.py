"""Read back a file that anyone may have written or damaged: the one bounded, type-checked reader
under every file kind codeling reads (metrics and other JSON-line logs, configs, reports,
manifests, input programs).

Each read checks what the path is before reading a byte (a FIFO would block forever and /dev/zero
never ends), reads at most the limit, decodes strictly, and says in one CodelingError sentence which
file is wrong and what to do. `inside` keeps a path named by a file (a manifest entry, a run's
config) from leading out of the directory it belongs to.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from codeling.errors import CodelingError

MB = 1 << 20


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device")):
        if test(mode):
            return name
    return "a socket" if stat.S_ISSOCK(mode) else "not a regular file"


def read_bytes(path: str | Path, limit: int, what: str = "file", tail: bool = False) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; with `tail`, a longer file's last
    `limit` bytes instead of a refusal."""
    path = Path(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise CodelingError(f"{path} does not exist; pass the path of a {what}.") from None
    except OSError as e:
        raise CodelingError(f"{path} cannot be opened ({e.strerror}); check its permissions.") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise CodelingError(f"{path} is {_kind(info.st_mode)}, not a {what}; pass a regular file.")
        if tail and info.st_size > limit:
            os.lseek(fd, info.st_size - limit, os.SEEK_SET)
        elif info.st_size > limit:
            raise CodelingError(f"{path} is {info.st_size:,} bytes, more than a {what} may be ({limit:,}).")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)  # a file that grows while we read is cut here, and refused
    except OSError as e:
        raise CodelingError(f"{path} cannot be read ({e.strerror}); check the disk and the file.") from None
    finally:
        os.close(fd)
    if len(data) > limit and tail:
        data = data[-limit:]
    elif len(data) > limit:
        raise CodelingError(f"{path} is more than {limit:,} bytes, more than a {what} may be.")
    return data


def read_text(path: str | Path, limit: int, what: str = "file") -> str:
    """A UTF-8 text file of at most `limit` bytes."""
    data = read_bytes(path, limit, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CodelingError(f"{path} is not UTF-8 text (byte {e.start:,}), so it is not a {what}.") from None


def read_json(path: str | Path, limit: int, what: str = "JSON file", shape: type = dict):
    """A JSON file whose top level is a `shape` (dict or list)."""
    text = read_text(path, limit, what)
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:
        raise CodelingError(f"{path} is not valid JSON ({type(e).__name__}), so it is not a {what}.") from None
    if not isinstance(data, shape):
        raise CodelingError(f"{path} holds a JSON {type(data).__name__}, not the {shape.__name__} a {what} is.")
    return data


def json_lines(path: str | Path, limit: int, what: str = "JSON-lines log", tail: bool = False) -> list[dict]:
    """The JSON objects of a log, one a line. A line that is not one (still being written, damaged)
    is skipped, as is a non-UTF-8 one: a log is read while a run appends to it. With `tail`, a log
    longer than `limit` is read from its last `limit` bytes (the line cut there is skipped too)."""
    rows = []
    for line in read_bytes(path, limit, what, tail).splitlines():
        try:
            row = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows


def inside(root: str | Path, name: str | Path, what: str = "file") -> Path:
    """root/name, when it (after every symlink) still lies inside root."""
    root = Path(root).resolve()
    path = (root / name).resolve()
    if path != root and root not in path.parents:
        raise CodelingError(f"{what} {str(name)!r} leads outside {root}; a path there must stay inside it.")
    return path
