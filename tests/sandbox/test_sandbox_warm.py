"""A warm sandbox runs many programs one after another: nothing one program leaves behind (files,
locked directories, daemons, kernel keys, SysV IPC, POSIX message queues) may reach the next."""

from __future__ import annotations

import platform

import pytest

from codeling.sandbox import Limits, SandboxConfig
from codeling.sandbox.worker import Worker

pytestmark = [
    pytest.mark.usefixtures("bwrap"),
    pytest.mark.skipif(platform.machine() != "x86_64", reason="syscall numbers below are x86_64's"),
]

LIMITS = Limits(timeout_s=5.0)

LEAVER = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
open("/tmp/note", "w").write("from the first program")
os.makedirs("/tmp/locked/inner")
open("/tmp/locked/inner/file", "w").write("x")
os.chmod("/tmp/locked/inner", 0)
os.chmod("/tmp/locked", 0)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        import time
        time.sleep(60)
    os._exit(0)
# add_key("user", "leftover", "data", KEY_SPEC_USER_KEYRING)
key = libc.syscall(248, b"user", b"leftover", b"data", 4, -4)
queue = libc.mq_open(b"/leftover", os.O_CREAT | os.O_RDWR, 0o600, None)
print("key", key > 0, "queue", queue >= 0)
"""

FINDER = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
found = sorted(os.listdir("/tmp"))
found += [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getpid(), os.getppid())]
# keyctl(KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", "leftover", 0)
if libc.syscall(250, 10, -4, b"user", b"leftover", 0) > 0:
    found.append("key")
if libc.mq_open(b"/leftover", os.O_RDWR, 0, None) >= 0:
    found.append("queue")
if libc.shmget(0x5EED, 0, 0) >= 0:
    found.append("shm")
print(found)
"""


def test_a_program_finds_nothing_of_the_one_before_in_the_same_warm_sandbox():
    with Worker(SandboxConfig()) as worker:
        leaver = worker.run({"main.py": LEAVER}, b"", LIMITS)
        finder = worker.run({"main.py": FINDER}, b"", LIMITS)
        assert leaver.stdout == "key True queue False\n", leaver.stderr  # RLIMIT_MSGQUEUE=0 refuses queues
        assert finder.stdout == "[]\n", finder.stderr
        assert worker.starts == 1  # wiped, not replaced


def test_sysv_ipc_left_behind_gets_the_next_program_a_fresh_sandbox():
    with Worker(SandboxConfig()) as worker:
        leaver = worker.run(
            {"main.py": "import ctypes\nprint(ctypes.CDLL(None).shmget(0x5EED, 4096, 0o1600) >= 0)"}, b"", LIMITS
        )
        finder = worker.run({"main.py": FINDER}, b"", LIMITS)
        assert leaver.stdout == "True\n"
        assert finder.stdout == "[]\n", finder.stderr
        assert worker.starts == 2


def test_ordinary_programs_share_one_sandbox_and_limits_replace_it():
    with Worker(SandboxConfig()) as worker:
        for i in range(5):
            assert worker.run({"main.py": f"print({i})"}, b"", LIMITS).stdout == f"{i}\n"
        assert worker.starts == 1
        slow = worker.run({"main.py": "import time\ntime.sleep(5)"}, b"", Limits(timeout_s=0.5))
        assert (slow.status, slow.limit) == ("timeout", "wall")
        assert worker.run({"main.py": "print('next')"}, b"", LIMITS).stdout == "next\n"
        assert worker.starts == 2  # the host's wall clock killed the whole sandbox


def test_a_program_that_kills_its_worker_is_reported_and_the_next_one_runs():
    with Worker(SandboxConfig()) as worker:
        killer = worker.run(
            {"main.py": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nimport time\ntime.sleep(5)"},
            b"",
            LIMITS,
        )
        assert killer.status == "killed"
        assert worker.run({"main.py": "print('next')"}, b"", LIMITS).stdout == "next\n"
