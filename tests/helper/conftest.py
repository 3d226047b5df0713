"""Shared fixtures for the learner's helper: the sandbox mode and a private retrieval cache."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture(scope="session")
def mode() -> str:
    """bwrap. Without it a test that runs programs skips and says why: it never passes on the
    unisolated `process` mode in silence."""
    if shutil.which("bwrap") is None:
        pytest.skip(
            "bubblewrap is not installed, and these tests run programs only isolated "
            "(apt-get install bubblewrap; `make test` installs it as root)"
        )
    return "bwrap"


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("helper-cache")
