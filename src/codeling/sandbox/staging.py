"""Running bubblewrap as an unprivileged user when codeling itself runs as root.

Why: bwrap started by root maps the sandbox uid onto host uid 0, and the kernel never applies
RLIMIT_NPROC to uid 0, so a fork bomb would fill the host's pid table. So root starts bwrap as uid
65534 instead. That user cannot reach an interpreter under /root (mode 700), e.g. pyenv's, so such
paths are first exposed in a private mount namespace held open by one helper process: a tmpfs on
an empty host directory, with a bind of each path inside. `nsenter` then enters that namespace and
drops to uid 65534 before it executes bwrap. The host's own mounts are never changed.
"""

from __future__ import annotations

import atexit
import os
import shlex
import subprocess
import threading

from codeling.errors import CodelingError
from codeling.sandbox.policy import SANDBOX_UID, reachable_by_others

# Empty standard directories the staging tmpfs can cover; it is visible only inside the namespace.
_MOUNT_POINTS = ("/mnt", "/media", "/srv")


class StagingNamespace:
    """A private mount namespace where `paths` are reachable by the sandbox uid."""

    def __init__(self, paths: tuple[str, ...]):
        mount_point = next((p for p in _MOUNT_POINTS if os.path.isdir(p)), None)
        if mount_point is None:
            raise CodelingError(
                f"running the sandbox as root needs one of {', '.join(_MOUNT_POINTS)} to exist; create an empty /mnt."
            )
        self.sources: dict[str, str] = {}
        steps = [f"mount -t tmpfs -o mode=755,size=64k codeling-sandbox {mount_point}"]
        for i, path in enumerate(paths):
            staged = f"{mount_point}/{i}"
            steps.append(f"mkdir {staged}" if os.path.isdir(path) else f"touch {staged}")
            steps.append(f"mount --bind {shlex.quote(path)} {staged}")
            self.sources[path] = staged
        # The helper lives until its stdin closes, i.e. until we exit, however we exit.
        script = " && ".join(steps) + " && echo ready && exec cat >/dev/null"
        self._helper = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        )
        if self._helper.stdout.readline().strip() != b"ready":
            err = self._helper.stderr.read().decode(errors="replace").strip()
            self._helper.kill()
            raise CodelingError(
                f"could not prepare the sandbox mount namespace as root ({err}); "
                "run codeling as a normal user or use an interpreter outside /root."
            )
        self._helper.stdout.close()
        self._helper.stderr.close()

    def alive(self) -> bool:
        return self._helper.poll() is None

    def prefix(self) -> list[str]:
        """The command that enters the namespace as the sandbox uid; bwrap's argv follows."""
        return [
            "nsenter",
            f"--mount=/proc/{self._helper.pid}/ns/mnt",
            "--setuid",
            str(SANDBOX_UID),
            "--setgid",
            str(SANDBOX_UID),
            "--",
        ]

    def close(self) -> None:
        if self._helper.poll() is None:
            self._helper.stdin.close()
            self._helper.wait()


_lock = threading.Lock()
_namespaces: dict[tuple[str, ...], StagingNamespace] = {}


def staging_for(paths: tuple[str, ...]) -> StagingNamespace | None:
    """The shared staging namespace for these interpreter paths, or None when none is needed."""
    if os.geteuid() != 0:
        return None
    hidden = tuple(p for p in paths if not reachable_by_others(p))
    with _lock:
        ns = _namespaces.get(hidden)
        if ns is None or not ns.alive():
            ns = _namespaces[hidden] = StagingNamespace(hidden)
        return ns


@atexit.register
def _close_all() -> None:
    for ns in _namespaces.values():
        ns.close()
