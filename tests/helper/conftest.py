"""Shared fixtures for the learner's helper: the sandbox mode and a private retrieval cache."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def mode(sandbox_mode) -> str:
    """The sandbox mode (tests/conftest.py: bwrap, or the test skips saying why)."""
    return sandbox_mode


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("helper-cache")
