"""Shared fixtures for the learner's helper: the sandbox mode and a private retrieval cache."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture(scope="session")
def mode() -> str:
    """bwrap where it is installed (CI installs it), else the unisolated process mode."""
    return "bwrap" if shutil.which("bwrap") else "process"


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("helper-cache")
