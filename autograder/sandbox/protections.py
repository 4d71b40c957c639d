"""What the operating system offers for isolation: thin wrappers over Linux system calls
(Python 3.11 has no os.unshare or mount) and the paths a child must not see."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38

IS_LINUX = sys.platform.startswith("linux")
_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True) if IS_LINUX else None

AUTOGRADER_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = AUTOGRADER_DIR.parent


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def unshare(flags: int) -> None:
    if _libc is None:
        raise OSError(38, "unshare: not Linux")
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    if _libc is None:
        raise OSError(38, "mount: not Linux")

    def enc(text: str | None) -> bytes | None:
        return None if text is None else text.encode()

    _check(
        _libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
        f"mount {target}",
    )


def prctl(option: int, arg: int) -> bool:
    """prctl(option, arg); False where it is not available."""
    if _libc is None:
        return False
    return (
        _libc.prctl(
            ctypes.c_int(option),
            ctypes.c_ulong(arg),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
        )
        == 0
    )


@functools.cache  # once per process: each lookup lists folders that grading keeps changing
def _spec_dirs(name: str) -> tuple[Path, ...]:
    """Where package `name` would be imported from, without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return ()
    if spec is None:
        return ()
    return tuple(Path(p) for p in (spec.submodule_search_locations or []))


def secret_paths() -> list[Path]:
    """What student code must never read: the reference solutions, the hidden suites, the
    project's own tests (mutants, hostile cases), its history and built autograder."""
    paths = [*_spec_dirs("solutions"), AUTOGRADER_DIR / "hidden"]
    if (REPO_ROOT / "pyproject.toml").exists():  # a source checkout
        paths += [REPO_ROOT / name for name in ("solutions", "tests", ".git", "build", "dist")]
    unique: list[Path] = []
    for path in paths:
        path = path.resolve()
        if path not in unique:
            unique.append(path)
    return unique


# Top-level folders every program needs; every other one (/home, /root, /work, /opt, /srv,
# /mnt, ...) is hidden from student code, with only the paths it needs bound back. So a
# second checkout of the course, or an instructor's home folder, is out of reach too.
SYSTEM_TOP_LEVEL = {
    "bin",
    "sbin",
    "lib",
    "lib32",
    "lib64",
    "libx32",
    "usr",
    "etc",
    "dev",
    "proc",
    "sys",
    "tmp",
    "var",
    "run",
}


def non_system_top_level() -> list[Path]:
    out = []
    for entry in sorted(Path("/").iterdir()):
        if entry.name not in SYSTEM_TOP_LEVEL and entry.is_dir() and not entry.is_symlink():
            out.append(entry)
    return out


# Writable places every host has (where they exist): private and empty per submission.
WORLD_WRITABLE_KNOWN = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock", "/var/crash")
SCAN_SKIP = {"/proc", "/sys", "/dev/pts"}  # kernel views, hidden or replaced wholesale
SCAN_MAX_DEPTH = 4
SCAN_MAX_ENTRIES = 200_000


@dataclass(frozen=True)
class HostScan:
    """What a start-up walk of the system folders found (bounded in depth and entries)."""

    world_writable: tuple[Path, ...]  # folders anyone may write: made private per submission
    owned: tuple[Path, ...]  # files and folders of `owner`: hidden from its sandboxes
    owner: int | None
    complete: bool  # False: the walk stopped at its bound


def scan_host(owner: int | None) -> HostScan:
    """Walk the system top-level folders (not /proc, /sys) for world-writable folders and,
    when `owner` is given (a non-root grader, whose uid the child acts as), for anything that
    uid owns. The highest such path is kept; nothing below it is visited."""
    writable: list[Path] = [Path(p) for p in WORLD_WRITABLE_KNOWN if _is_real_dir(p)]
    owned: list[Path] = []
    if owner is not None:
        owned += [p for p in (Path(f"/run/user/{owner}"),) if os.path.lexists(p)]
    seen = 0
    todo = [(Path("/") / name, 1) for name in sorted(SYSTEM_TOP_LEVEL)]
    while todo:
        folder, depth = todo.pop()
        if str(folder) in SCAN_SKIP or folder in writable or folder in owned:
            continue
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > SCAN_MAX_ENTRIES:
                return HostScan(tuple(writable), tuple(owned), owner, False)
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                if not is_dir and owner is None:
                    continue  # only folders matter: no stat of every file
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            path = Path(entry.path)
            if owner is not None and info.st_uid == owner:
                owned.append(path)
            elif is_dir:
                if info.st_mode & 0o002:
                    if path not in writable:
                        writable.append(path)
                elif depth < SCAN_MAX_DEPTH and str(path) not in SCAN_SKIP:
                    todo.append((path, depth + 1))
    return HostScan(tuple(writable), tuple(owned), owner, True)


def _is_real_dir(path: str) -> bool:
    return os.path.isdir(path) and not os.path.islink(path)


def default_readable_paths() -> list[Path]:
    """Data the exercises read (kept visible even where it lies under a hidden folder)."""
    paths = [REPO_ROOT / "data"]
    if os.environ.get("TORCHGRADE_DATA_DIR"):
        paths.append(Path(os.environ["TORCHGRADE_DATA_DIR"]).expanduser())
    return [p.resolve() for p in paths]


def needed_paths() -> list[Path]:
    """Paths the child cannot run without: the Python installation and its import path,
    and the (non-secret) autograder package."""
    candidates = [sys.prefix, sys.base_prefix, str(AUTOGRADER_DIR)]
    candidates += [p for p in sys.path if p and Path(p).is_dir() and Path(p).resolve() != REPO_ROOT]
    out: list[Path] = []
    for raw in candidates:
        path = Path(raw).resolve()
        if path.exists() and path not in out and not any(path in o.parents for o in out):
            out = [o for o in out if path not in o.parents] + [path]
    return out


def traversal_barrier(path: Path) -> Path | None:
    """The highest folder on the way to `path` that other users cannot enter (like a 0700
    /root holding a pyenv Python), or None."""
    for folder in [*reversed(path.parents), path]:
        try:
            if not os.stat(folder).st_mode & 0o001:
                return folder
        except OSError:
            return None
    return None


def process_count(uid: int) -> int:
    """Tasks (processes and threads) whose real uid is `uid`: RLIMIT_NPROC counts these."""
    count = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", "rb") as fh:
                for line in fh:
                    if line.startswith(b"Uid:"):
                        real = int(line.split()[1])
                        break
                else:
                    continue
            if real == uid:
                count += len(os.listdir(f"/proc/{entry.name}/task"))
        except (OSError, ValueError):
            continue
    return count
