"""Fixtures for the corpus tests."""

import pytest
from corpus_samples import module


@pytest.fixture
def code_dir(tmp_path):
    """A directory of .py files with every kind of trouble the build must count, not crash on."""
    root = tmp_path / "src"
    (root / "pkg").mkdir(parents=True)
    (root / "alpha.py").write_text(module("alpha"))
    (root / "pkg" / "beta.py").write_text(module("beta"))
    (root / "pkg" / "gamma.py").write_text(module("gamma"))
    (root / "broken.py").write_text("def f(:\n    return 1\n")
    (root / "binary.py").write_bytes(b"x = 1\n\x00\x01\x02\xff")
    (root / "latin1.py").write_bytes("# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1"))
    (root / "empty.py").write_text("\n\n")
    (root / "dangling.py").symlink_to(root / "missing-target.py")
    (root / "notes.txt").write_text("not python, not ingested")
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "cached.py").write_text("x = 1\n")
    return root
