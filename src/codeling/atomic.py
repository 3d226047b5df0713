"""Write files and directories so that a crash never leaves a half-written one in place.

Everything goes to a temporary name first, is fsynced, and is then renamed over the target:
readers see the old version or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _public(path: str | Path, mode: int) -> None:
    """mkstemp/mkdtemp create private (0600/0700) entries; give them the usual umask-based mode."""
    os.chmod(path, mode & ~_umask())


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    for root, _dirs, files in os.walk(path):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                os.fsync(f.fileno())
        fsync_dir(Path(root))


def write_text(path: str | Path, text: str, like: os.stat_result | None = None) -> None:
    write_bytes(path, text.encode("utf-8"), like)


def write_bytes(path: str | Path, data: bytes, like: os.stat_result | None = None) -> None:
    """Write `data` to `path` atomically. `like`: the stat of the file being replaced, whose mode
    (and, where this user may, owner) the new file keeps; otherwise the umask decides."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    if like is None:
        _public(tmp, 0o666)
    else:
        os.chmod(tmp, stat.S_IMODE(like.st_mode))
        with contextlib.suppress(PermissionError):  # only root may give a file away
            os.chown(tmp, like.st_uid, like.st_gid)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


@contextlib.contextmanager
def atomic_directory(target: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary directory beside `target`; on success it is fsynced and renamed to `target`.

    On any error the temporary directory is removed and `target` is left exactly as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    _public(tmp, 0o777)
    try:
        yield tmp
        fsync_tree(tmp)
        if target.exists():
            if not overwrite:
                raise FileExistsError(target)
            # Move the old one aside first so that a crash in between leaves one complete copy.
            old = target.parent / f".{target.name}.old-{os.getpid()}"
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
        fsync_dir(target.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
