"""`codeling fix --write`: change a learner's file in place, the original kept beside it, or change
nothing at all.

The file keeps its mode and owner (a 0755 script stays executable, a 0444 one read-only); a symlink
stays a symlink and the file it names changes; the original goes to FILE.orig (FILE.orig.N when
that is taken). The backup is written first so that a crash never leaves the original nowhere, and
is removed again when the file itself cannot be written (immutable, a read-only folder), so a
refused write leaves no trace and a retry adds no .orig.N.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from codeling import atomic
from codeling.errors import CodelingError


def _free_backup(target: Path) -> Path:
    backup = target.with_name(target.name + ".orig")
    for n in range(1, 1000):  # never overwrite an earlier original
        if not backup.exists() and not backup.is_symlink():
            return backup
        backup = target.with_name(f"{target.name}.orig.{n}")
    raise CodelingError(f"{target} already has 1,000 .orig copies beside it; remove some and try again.")


def rewrite(file: Path, text: str) -> Path:
    """Replace FILE's text with `text`; returns where the original now is."""
    target = Path(os.path.realpath(file))  # through a symlink, to the file it names
    try:
        info = os.stat(target)
        original = target.read_bytes() if stat.S_ISREG(info.st_mode) else None
    except OSError as e:
        raise CodelingError(f"Cannot read {file} to keep its original ({e.strerror}); nothing was changed.") from None
    if original is None:
        raise CodelingError(f"{file} is not a regular file, so --write will not replace it; nothing was changed.")
    backup = _free_backup(target)
    try:
        atomic.write_bytes(backup, original, like=info)
        atomic.write_text(target, text, like=info)
    except OSError as e:
        with contextlib.suppress(FileNotFoundError):
            backup.unlink()
        raise CodelingError(
            f"Cannot write {file} ({e.strerror}); nothing was changed. Make it and its folder writable "
            "(an immutable file: chattr -i) or leave out --write."
        ) from None
    return backup
