"""`codeling fix --write` and `explain` on files that are not plain writable programs: the mode is
kept, a symlink is written through, a file that cannot be written is left with nothing written
beside it, and a device or FIFO is refused before a byte is read."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess

import pytest

from .test_cli import run

BROKEN = "score = 3\nprint(scroe)\n"
FIXED = "score = 3\nprint(score)\n"


@pytest.mark.parametrize("mode_bits", [0o755, 0o444, 0o600])
def test_fix_write_keeps_the_files_mode(tmp_path, mode, mode_bits):
    prog = tmp_path / "game.py"
    prog.write_text(BROKEN)
    prog.chmod(mode_bits)
    proc = run("fix", prog, "--sandbox", mode, "--write")
    assert proc.returncode == 0, proc.stderr
    assert prog.read_text() == FIXED and stat.S_IMODE(prog.stat().st_mode) == mode_bits
    backup = tmp_path / "game.py.orig"
    assert backup.read_text() == BROKEN and stat.S_IMODE(backup.stat().st_mode) == mode_bits


def test_fix_write_goes_through_a_symlink(tmp_path, mode):
    real = tmp_path / "src" / "game.py"
    real.parent.mkdir()
    real.write_text(BROKEN)
    link = tmp_path / "game.py"
    link.symlink_to(real)
    proc = run("fix", link, "--sandbox", mode, "--write")
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and real.read_text() == FIXED and (real.parent / "game.py.orig").read_text() == BROKEN


def test_fix_write_on_a_file_it_cannot_write_writes_nothing(tmp_path, mode):
    prog = tmp_path / "game.py"
    prog.write_text(BROKEN)
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", prog], capture_output=True).returncode:
        pytest.skip("chattr +i is not possible here (needs root and a filesystem that has the flag)")
    try:
        for _ in range(2):  # a retry adds no .orig.N either
            proc = run("fix", prog, "--sandbox", mode, "--write")
            assert proc.returncode == 2 and "Traceback" not in proc.stderr
            assert "nothing was changed" in proc.stderr and proc.stderr.count("\n") == 1
        assert prog.read_text() == BROKEN and sorted(p.name for p in tmp_path.iterdir()) == ["game.py"]
    finally:
        subprocess.run(["chattr", "-i", prog], check=True)


def test_devices_and_fifos_are_refused_before_reading(tmp_path):
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    for path, kind in (("/dev/zero", "a device"), (fifo, "a FIFO")):
        for verb in ("explain", "fix"):
            proc = run(verb, path)  # before the fix: MemoryError after reading forever, or a hang
            assert proc.returncode == 2 and f"is {kind}" in proc.stderr and "Traceback" not in proc.stderr


def test_fix_gives_up_quickly_on_a_file_of_a_thousand_syntax_errors(tmp_path):
    import time

    prog = tmp_path / "many.py"
    prog.write_text("if x = 1:\n    pass\n" * 1000)
    start = time.monotonic()
    proc = run("fix", prog)  # before: over two minutes in difflib, comparing whole programs
    assert proc.returncode == 0 and time.monotonic() - start < 30, proc.stderr


def test_a_huge_question_is_refused_without_echoing_it():
    proc = run("ask", "circle " * 17_000)
    assert proc.returncode == 2 and "119,000 characters" in proc.stderr and len(proc.stderr) < 300
