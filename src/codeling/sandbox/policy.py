"""What a sandboxed program may use: its resource limits, the isolation mode, and the read-only view
of the host (only the interpreter and the shared libraries it loads) that bubblewrap builds.

Nothing here runs a program; runner.py does that with the argv built here.
"""

from __future__ import annotations

import functools
import json
import math
import os
import stat
import subprocess
import sys
from dataclasses import dataclass

from codeling.errors import CodelingError

MODES = ("bwrap", "process")

# The uid/gid the program runs as, inside and (when we start as root) outside the user namespace:
# "nobody", which owns no files on the host.
SANDBOX_UID = 65534

# The program's private writable directory (and cwd) inside the sandbox; bootstrap.py agrees.
WORK_DIR = "/tmp"

# Where SandboxConfig.packages appear inside the sandbox (read-only, on the program's sys.path).
PACKAGES_DIR = "/packages"


@dataclass(frozen=True)
class Limits:
    """Per-program limits. Every one is enforced by the kernel (rlimits, tmpfs size) or by the
    caller's clock, never by the program's own good will."""

    timeout_s: float = 5.0  # wall clock for the whole run, start-up included
    cpu_s: int | None = None  # RLIMIT_CPU per process; None means ceil(timeout_s)
    memory_mb: int = 512  # RLIMIT_AS, address space per process
    max_processes: int = 32  # RLIMIT_NPROC: processes and threads of the sandbox uid
    max_file_mb: int = 16  # RLIMIT_FSIZE: the largest file a program may write
    max_open_files: int = 64  # RLIMIT_NOFILE
    output_bytes: int = 64_000  # kept of stdout and of stderr; more ends the run as output_limit
    work_dir_mb: int = 32  # size of the private tmpfs work directory (bwrap mode)

    def __post_init__(self) -> None:
        for name in (
            "timeout_s",
            "memory_mb",
            "max_processes",
            "max_file_mb",
            "max_open_files",
            "output_bytes",
            "work_dir_mb",
        ):
            if not getattr(self, name) > 0:
                raise CodelingError(
                    f"sandbox limit {name} must be positive, got {getattr(self, name)}; pass a value above 0."
                )
        if self.cpu_s is not None and self.cpu_s <= 0:
            raise CodelingError(
                f"sandbox limit cpu_s must be positive, got {self.cpu_s}; pass a value above 0 or None."
            )

    @property
    def cpu_seconds(self) -> int:
        return self.cpu_s if self.cpu_s is not None else max(1, math.ceil(self.timeout_s))

    def rlimits(self) -> dict[str, tuple[int, int]]:
        """(soft, hard) per resource. The CPU hard limit sits one second above the soft one so that
        a program ignoring SIGXCPU still gets SIGKILL."""
        mb = 1 << 20
        return {
            "RLIMIT_CPU": (self.cpu_seconds, self.cpu_seconds + 1),
            "RLIMIT_AS": (self.memory_mb * mb, self.memory_mb * mb),
            "RLIMIT_NPROC": (self.max_processes, self.max_processes),
            "RLIMIT_FSIZE": (self.max_file_mb * mb, self.max_file_mb * mb),
            "RLIMIT_NOFILE": (self.max_open_files, self.max_open_files),
            "RLIMIT_CORE": (0, 0),
            # No POSIX message queues: they would outlive the program in a warm sandbox's IPC
            # namespace, where the worker cannot list them to remove them.
            "RLIMIT_MSGQUEUE": (0, 0),
        }


@dataclass(frozen=True)
class SandboxConfig:
    """How programs are isolated. `process` mode is a deliberate choice, never a fallback."""

    mode: str = "bwrap"
    bwrap_path: str = "bwrap"  # a name looked up on PATH, or a path
    python: str | None = None  # interpreter inside the sandbox; None means the one running codeling
    # Environment variables the program sees (the sandbox starts from an empty environment), as
    # (name, value) pairs: e.g. SDL's dummy drivers for a pygame program.
    env: tuple[tuple[str, str], ...] = ()
    # Host directories of installed packages (e.g. site-packages/pygame and its pygame.libs) the
    # program may import: bound read-only side by side under PACKAGES_DIR, which is put on sys.path.
    # Nothing else of the host's site-packages becomes visible.
    packages: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise CodelingError(f"unknown sandbox mode {self.mode!r}; choose one of {', '.join(MODES)}.")
        for path in self.packages:
            if not os.path.isabs(path) or not os.path.isdir(path):
                raise CodelingError(f"sandbox package {path!r} is not a directory; pass absolute directory paths.")

    def import_paths(self) -> list[str]:
        """The sys.path entries the program gets for `packages`, as seen from where it runs."""
        if not self.packages:
            return []
        if self.mode == "bwrap":
            return [PACKAGES_DIR]
        return list(dict.fromkeys(os.path.dirname(os.path.realpath(p)) for p in self.packages))


@dataclass(frozen=True)
class Interpreter:
    """An interpreter and the host paths it needs: the executable, its stdlib and libpython."""

    executable: str
    paths: tuple[str, ...]


@functools.lru_cache(maxsize=8)
def find_interpreter(python: str | None) -> Interpreter:
    """Ask the interpreter where its pieces live. A venv's python is a symlink into the base
    installation (e.g. ~/.pyenv/versions/X/bin/python3.11), so everything is resolved to real paths
    and the venv itself (site-packages) is deliberately left out."""
    executable = os.path.realpath(python or sys.executable)
    query = (
        "import sys, sysconfig, json; v = sysconfig.get_config_var; print(json.dumps([sys.executable,"
        " sysconfig.get_path('stdlib'), sysconfig.get_path('platstdlib'),"
        " v('LIBDIR') if v('Py_ENABLE_SHARED') else None]))"
    )
    try:
        out = subprocess.run(
            [executable, "-S", "-I", "-c", query], capture_output=True, text=True, env={}, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as e:
        raise CodelingError(
            f"cannot run the sandbox interpreter {executable} ({e}); pass a working Python as python=."
        ) from e
    found = [os.path.realpath(p) for p in json.loads(out) if p]
    return Interpreter(executable=executable, paths=_outermost([executable, *found]))


def _outermost(paths: list[str]) -> tuple[str, ...]:
    """Drop paths that lie inside another path of the list: one bind covers them."""
    unique = sorted(set(paths))
    return tuple(p for p in unique if not any(p != q and p.startswith(q.rstrip("/") + "/") for q in unique))


def system_library_view() -> list[list[str]]:
    """bwrap arguments for the shared libraries every dynamically linked interpreter loads. Merged-/usr
    systems have /lib -> usr/lib symlinks, which are recreated as symlinks rather than bound twice."""
    args: list[list[str]] = []
    for path in ("/usr/lib", "/usr/lib64", "/usr/lib32", "/lib", "/lib64", "/lib32"):
        if os.path.islink(path):
            args.append(["--symlink", os.readlink(path), path])
        elif os.path.isdir(path):
            args.append(["--ro-bind", path, path])
    return args


def reachable_by_others(path: str) -> bool:
    """True when a user who owns nothing on the host (the sandbox uid) can reach `path`: every
    directory on the way is searchable by others, and the path itself is readable by others."""
    parts = os.path.realpath(path).split("/")
    for i in range(2, len(parts)):
        if not os.stat("/".join(parts[:i])).st_mode & stat.S_IXOTH:
            return False
    return bool(os.stat(path).st_mode & stat.S_IROTH)


def bwrap_argv(
    bwrap: str,
    interpreter: Interpreter,
    work_dir_mb: int,
    sources: dict[str, str],
    info_fd: int,
    command: list[str],
    config: SandboxConfig | None = None,
) -> list[str]:
    """The bubblewrap command line. `sources` maps each interpreter path to where the host exposes
    it (itself, or a staged copy when the path is not reachable by the sandbox uid). Programs are
    not part of it: the warm worker inside receives them one by one (bootstrap.py)."""
    argv = [
        bwrap,
        "--unshare-user",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--disable-userns",  # no nested user namespaces: they would hand the program capabilities
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        "--hostname",
        "sandbox",
        "--new-session",  # no TIOCSTI into the caller's terminal
        "--die-with-parent",
        "--info-fd",
        str(info_fd),
    ]
    for path in interpreter.paths:
        argv += ["--ro-bind", sources.get(path, path), path]
    for args in system_library_view():
        argv += args
    for path in config.packages if config else ():
        real = os.path.realpath(path)
        argv += ["--ro-bind", sources.get(real, real), f"{PACKAGES_DIR}/{os.path.basename(real)}"]
    for name, value in config.env if config else ():
        argv += ["--setenv", name, value]
    argv += ["--proc", "/proc", "--dev", "/dev", "--size", str(work_dir_mb << 20), "--tmpfs", WORK_DIR]
    # Last, once everything is mounted: the root and /dev stay read-only, so the size-capped work
    # directory is the only place the program can write.
    argv += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", WORK_DIR, "--", *command]
    return argv
