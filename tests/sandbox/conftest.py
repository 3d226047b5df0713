"""Shared helpers for the sandbox tests: a bwrap skip marker and a check for processes left behind.

Leftovers are caught two ways: during a test the test process is a child subreaper, so any
descendant that escaped its sandbox and was orphaned is re-parented to us and shows up as our child;
and any new live process of the sandbox uid (65534, when the tests run as root) is a leftover too.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import time

import pytest

from codeling.sandbox.policy import SANDBOX_UID

_PR_SET_CHILD_SUBREAPER = 36
_libc = ctypes.CDLL(None, use_errno=True)


@pytest.fixture
def bwrap():
    """Use as `pytestmark = pytest.mark.usefixtures("bwrap")` in tests that need bubblewrap."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap; CI installs it)")


def _processes() -> dict[int, tuple[int, int, str, str]]:
    """pid -> (parent pid, real uid, command name, state) for every process we can see."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            found[int(entry)] = (
                int(fields["PPid"]),
                int(fields["Uid"].split()[0]),
                fields["Name"].strip(),
                fields["State"].split()[0],
            )
        except (OSError, KeyError, ValueError):
            continue  # it exited while we looked
    return found


def _helpers() -> set[int]:
    """The staging-namespace helpers (root only) are ours and meant to live."""
    from codeling.sandbox import staging

    return {ns._helper.pid for ns in staging._namespaces.values()}


def leftovers(before: set[int], wait_s: float = 2.0) -> list[tuple[int, str]]:
    """Processes that are new since `before` and are our children or run as the sandbox uid.
    Namespace teardown is asynchronous for a moment, so we give it `wait_s` to finish."""
    me = os.getpid()
    deadline = time.monotonic() + wait_s
    while True:
        now = _processes()
        new = {pid: info for pid, info in now.items() if pid not in before and pid not in _helpers()}
        for pid, (ppid, _, _, state) in new.items():
            if ppid == me and state == "Z":  # an orphan re-parented to us that already died
                os.waitpid(pid, os.WNOHANG)
        extra = [
            (pid, name)
            for pid, (ppid, uid, name, state) in new.items()
            if state != "Z" and (ppid == me or (uid == SANDBOX_UID and os.geteuid() == 0))
        ]
        if not extra or time.monotonic() > deadline:
            return extra
        time.sleep(0.05)


@pytest.fixture
def watch_processes():
    """Makes this test process a child subreaper for the test and returns `check(wait_s)`, which
    lists the processes started since the fixture began that are still alive."""
    before = set(_processes())
    _libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    try:
        yield lambda wait_s=2.0: leftovers(before, wait_s)
    finally:
        _libc.prctl(_PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


@pytest.fixture
def no_leftovers(watch_processes):
    """Fails the test if any process outlives it."""
    yield
    assert watch_processes() == [], "processes left behind"
