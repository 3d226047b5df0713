"""The attack suite: hostile programs that must each be contained.

Contained means: the run ends within its limit with one of the expected statuses, no process is left
behind, the host is unchanged (planted secrets unread, no files written outside the sandbox, no
connection reaches the loopback listener the test starts), and the caller is alive and can run
another program right after.

To add an attack, append an Attack to ATTACKS. Sources are str.format templates: {secret_file},
{secret_env}, {secret_value}, {home_secret}, {outside_dir} and {port} are filled in per test.
Tests never send traffic to any address but loopback.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from codeling.sandbox import Limits, run_program

pytestmark = pytest.mark.usefixtures("bwrap")

SHORT = Limits(timeout_s=2.0, memory_mb=256, max_processes=32)
# Start-up on two busy cores can take a while; a contained run ends by its limit plus this.
SLACK_S = 3.0


@dataclass(frozen=True)
class Attack:
    name: str
    source: str
    statuses: frozenset[str]
    limits: Limits = SHORT
    stdin: str = ""
    must_not_print: tuple[str, ...] = ()  # in stdout; the planted secret is checked everywhere
    limit: str | None = None  # the limit that must be reported, when one must
    notes: str = field(default="", compare=False)


def attack(name, source, statuses, **kw) -> Attack:
    return Attack(name, source, frozenset(statuses.split()), **kw)


ATTACKS = [
    attack(
        "fork_bomb",
        """
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
""",
        "timeout",
    ),
    attack(
        "setsid_daemon_outlives_run",
        """
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(30)
        open("{outside_dir}/daemon-was-here", "w").write("x")
    os._exit(0)
print("parent done")
""",
        "ok",
    ),
    attack(
        "memory_bomb",
        """
chunks = []
while True:
    chunks.append(bytearray(10 ** 7))
""",
        "memory",
        limit="memory",
    ),
    attack(
        "busy_loop_ignoring_sigxcpu",
        """
import signal
signal.signal(signal.SIGXCPU, signal.SIG_IGN)
while True:
    pass
""",
        "timeout",
        limits=Limits(timeout_s=8.0, cpu_s=1),
        limit="cpu",
    ),
    attack(
        "sleep_forever_ignoring_signals",
        """
import signal, time
for s in signal.valid_signals():
    try:
        signal.signal(s, signal.SIG_IGN)
    except (OSError, ValueError, RuntimeError):
        pass
while True:
    time.sleep(1)
""",
        "timeout",
        limit="wall",
    ),
    attack(
        "unbounded_stdout",
        """
while True:
    print("x" * 1000)
""",
        "output_limit",
        limit="output",
    ),
    attack(
        "unbounded_stderr",
        """
import sys
while True:
    sys.stderr.write("y" * 1000)
""",
        "output_limit",
        limit="output",
    ),
    attack(
        "huge_file_write",
        """
with open("big", "wb") as f:
    while True:
        f.write(b"z" * (1 << 20))
""",
        "killed error",
    ),
    attack(
        "fill_work_dir_with_files",
        """
i = 0
while True:
    with open(f"f{{i}}", "wb") as f:
        f.write(b"z" * (8 << 20))
    i += 1
""",
        "killed error",
    ),
    attack(
        "read_planted_secret_file",
        """
print(open("{secret_file}").read())
""",
        "error",
    ),
    attack(
        "read_secret_in_home",
        """
import os
print(os.listdir(os.path.expanduser("~")) if os.path.expanduser("~") != "~" else "no home")
print(open("{home_secret}").read())
""",
        "error",
    ),
    attack(
        "read_environment",
        """
import os
print(dict(os.environ))
for pid in ("1", "self"):
    print(open(f"/proc/{{pid}}/environ", "rb").read())
print(os.environ.get("{secret_env}"))
""",
        "ok",
    ),
    attack(
        "write_outside_work_dir",
        """
import os
for path in ("{outside_dir}/pwned", "/pwned", "/usr/lib/pwned", "/dev/shm/pwned", "/dev/pwned",
             os.path.expanduser("~/pwned")):
    try:
        open(path, "w").write("x")
        print("WROTE", path)
    except OSError as e:
        print("blocked", path, type(e).__name__)
""",
        "ok",
        must_not_print=("WROTE",),
    ),
    attack(
        "network_connect_to_host_loopback",
        """
import socket
s = socket.socket()
s.settimeout(1)
try:
    s.connect(("127.0.0.1", {port}))
    s.sendall(b"leak")
    print("CONNECTED")
except OSError as e:
    print("blocked", type(e).__name__)
""",
        "ok",
        must_not_print=("CONNECTED",),
    ),
    attack(
        "os_system",
        """
import os
print(os.system("echo PWNED; touch {outside_dir}/pwned"))
""",
        "ok",
        must_not_print=("PWNED",),
    ),
    attack(
        "subprocess_shell",
        """
import subprocess
print(subprocess.run(["/bin/sh", "-c", "echo PWNED"], capture_output=True).stdout)
""",
        "error",
        must_not_print=("PWNED",),
    ),
    attack(
        "ctypes_libc_system",
        """
import ctypes
print(ctypes.CDLL(None).system(b"echo PWNED > {outside_dir}/pwned"))
""",
        "ok",
        must_not_print=("PWNED",),
    ),
    attack(
        "posix_fork_children",
        """
import posix, time
kids = [posix.fork() for _ in range(3)]
time.sleep(30)
""",
        "timeout",
    ),
    attack(
        "kill_everything",
        """
import os, signal
try:
    os.kill(-1, signal.SIGKILL)
except ProcessLookupError:
    print("nothing else to kill")
""",
        "killed ok",
    ),
    attack(
        "kill_parent",
        """
import os, signal, time
os.kill(os.getppid(), signal.SIGKILL)
time.sleep(30)
""",
        "killed timeout",
    ),
    attack(
        "read_stdin_forever",
        """
import sys
while True:
    sys.stdin.read()
""",
        "timeout",
        stdin="some input\n",
    ),
    attack(
        "close_stdout_then_linger",
        """
import os, time
os.close(1)
os.close(2)
time.sleep(30)
""",
        "timeout",
        limit="wall",
    ),
    attack(
        "recursion_bomb",
        """
import sys
sys.setrecursionlimit(10 ** 8)
def f(n):
    return f(n + 1)
f(0)
""",
        "killed memory error timeout",
    ),
    attack(
        "deep_import_of_heavy_modules",
        """
import importlib, pkgutil
for m in pkgutil.iter_modules():
    if m.name not in ("antigravity", "this", "idlelib", "turtledemo"):
        try:
            importlib.import_module(m.name)
        except BaseException:
            pass
print("imported")
""",
        "ok timeout",
    ),
    attack(
        "thread_bomb",
        """
import threading, time
while True:
    threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
""",
        "error timeout",
    ),
    attack(
        "nested_user_namespace",
        """
import ctypes
CLONE_NEWUSER = 0x10000000
print("UNSHARED" if ctypes.CDLL(None, use_errno=True).unshare(CLONE_NEWUSER) == 0 else "refused")
""",
        "ok",
        must_not_print=("UNSHARED",),
    ),
    attack(
        "mount_tmpfs",
        """
import ctypes
r = ctypes.CDLL(None, use_errno=True).mount(b"none", b"/tmp", b"tmpfs", 0, None)
print("MOUNTED" if r == 0 else "refused")
""",
        "ok",
        must_not_print=("MOUNTED",),
    ),
]


@pytest.fixture
def host(tmp_path, monkeypatch):
    """Secrets planted outside the sandbox, and a loopback listener that records connections."""
    value = f"secret-{uuid.uuid4().hex}"
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(value)
    home_secret = Path.home() / f".codeling-sandbox-test-{uuid.uuid4().hex}"
    home_secret.write_text(value)
    env_name = "CODELING_SANDBOX_TEST_SECRET"
    monkeypatch.setenv(env_name, value)
    outside = tmp_path / "outside"
    outside.mkdir()
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[bytes] = []

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            accepted.append(conn.recv(100))
            conn.close()

    stop = threading.Event()
    server = threading.Thread(target=serve, daemon=True)
    server.start()
    fill = dict(
        secret_file=secret_file,
        secret_env=env_name,
        secret_value=value,
        home_secret=home_secret,
        outside_dir=outside,
        port=listener.getsockname()[1],
    )
    yield fill, accepted, outside
    stop.set()
    server.join()
    listener.close()
    home_secret.unlink()


@pytest.mark.parametrize("case", ATTACKS, ids=lambda a: a.name)
def test_attack_is_contained(case: Attack, host, no_leftovers):
    fill, accepted, outside = host
    result = run_program(case.source.format(**fill), stdin=case.stdin, limits=case.limits)

    assert result.status in case.statuses, (result.status, result.stderr[-2000:])
    if case.limit:
        assert result.limit == case.limit
    assert result.duration_s < case.limits.timeout_s + SLACK_S
    for needle in case.must_not_print:
        assert needle.format(**fill) not in result.stdout
    assert fill["secret_value"] not in result.stdout + result.stderr
    assert accepted == [], "a sandboxed program reached the host's loopback listener"
    assert list(outside.iterdir()) == [], "a sandboxed program wrote outside its work directory"
    # The caller is alive and the sandbox still works.
    assert run_program("print('alive')").stdout == "alive\n"


def test_suite_has_at_least_twenty_attacks():
    assert len({a.name for a in ATTACKS}) == len(ATTACKS) >= 20


def test_the_leftover_check_catches_an_escaped_daemon(watch_processes):
    """The check the attack suite relies on must itself be able to fail: a double-forked daemon
    started outside any sandbox is reported."""
    subprocess.run(["sh", "-c", "sleep 30 & exit 0"], check=True)
    found = watch_processes(wait_s=0.5)
    for pid, _ in found:
        os.kill(pid, signal.SIGKILL)
    assert [name for _, name in found] == ["sleep"]
    assert watch_processes(wait_s=2.0) == []
