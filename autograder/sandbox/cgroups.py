"""A cgroup per sandbox, where the host lets the grader make one: an equal CPU share
(cpu.weight / cpu.shares), `pids.max`, `memory.max`, and one kill for every process in it.

Each controller is taken from cgroup v2 where it is enabled for our cgroup's children, else
from a cgroup v1 hierarchy (hybrid hosts). A v2 cgroup is made even without controllers: its
`cgroup.kill` ends every process of the sandbox, whatever session or process group it chose.
The sandbox cgroups lie under the grader's own cgroup, named `torchgrade-<supervisor pid>-<n>`;
ones whose supervisor is gone (killed before it could clean up) are removed by the next.
Nothing here raises: what cannot be had is left out and named in `SandboxCgroup.note`.
"""

from __future__ import annotations

import errno
import itertools
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.sandbox.limits import Limits, format_size

PREFIX = "torchgrade-"
WANTED = ("cpu", "pids", "memory")
CPU_WEIGHT_V2 = 100  # the default weight: every sandbox gets the same share
CPU_SHARES_V1 = 1024
_serial = itertools.count()


@dataclass
class Hierarchy:
    """One mounted cgroup hierarchy and our own cgroup in it."""

    version: int
    mount: Path
    own: Path  # our cgroup's folder
    controllers: frozenset[str]  # usable by a child cgroup we create


def hierarchies() -> list[Hierarchy]:
    """The hierarchies of this process (from /proc/self/mountinfo and /proc/self/cgroup)."""
    try:
        mountinfo = Path("/proc/self/mountinfo").read_text().splitlines()
        membership = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return []
    own_path: dict[str, str] = {}  # "" for v2, else the comma-joined controller list
    for line in membership:
        parts = line.split(":", 2)
        if len(parts) == 3:
            own_path[parts[1]] = parts[2]
    found = []
    for line in mountinfo:
        left, _, right = line.partition(" - ")
        fields_left, fields_right = left.split(), right.split()
        if len(fields_left) < 5 or len(fields_right) < 3:
            continue
        root, mount, fstype = fields_left[3], Path(fields_left[4]), fields_right[0]
        if fstype == "cgroup2" and "" in own_path:
            own = _inside(mount, root, own_path[""])
            if own is not None:
                found.append(Hierarchy(2, mount, own, _v2_controllers(own)))
        elif fstype == "cgroup":
            options = set(fields_right[2].split(","))
            for key, path in own_path.items():
                if key and set(key.split(",")) & set(WANTED) and set(key.split(",")) <= options:
                    own = _inside(mount, root, path)
                    if own is not None:
                        found.append(Hierarchy(1, mount, own, frozenset(options & set(WANTED))))
                    break
    return found


def _inside(mount: Path, root: str, path: str) -> Path | None:
    if root != "/" and not (path == root or path.startswith(root + "/")):
        return None
    relative = path[len(root) :] if root != "/" else path
    folder = mount / relative.lstrip("/")
    return folder if folder.is_dir() else None


def _v2_controllers(own: Path) -> frozenset[str]:
    """Controllers a child of `own` gets; tries to enable the wanted ones (this works only
    where `own` holds no process itself, such as the root cgroup)."""
    try:
        enabled = set((own / "cgroup.subtree_control").read_text().split())
        available = set((own / "cgroup.controllers").read_text().split())
    except OSError:
        return frozenset()
    for name in WANTED:
        if name in available and name not in enabled:
            try:
                (own / "cgroup.subtree_control").write_text(f"+{name}")
                enabled.add(name)
            except OSError:
                pass
    return frozenset(enabled & set(WANTED))


@dataclass
class SandboxCgroup:
    """The cgroup folders of one sandbox (one per hierarchy used)."""

    folders: list[tuple[Hierarchy, Path]] = field(default_factory=list)
    controllers: dict[str, tuple[int, Path]] = field(default_factory=dict)  # name -> folder
    note: str = ""
    _procs_fds: list[int] = field(default_factory=list)

    @classmethod
    def create(cls, limits: Limits) -> SandboxCgroup:
        """Make the cgroup(s) for a sandbox of this process (the supervisor)."""
        group = cls()
        found = hierarchies()
        if not found:
            group.note = "no cgroup (no cgroup file system mounted here)"
            return group
        name = f"{PREFIX}{os.getpid()}-{next(_serial)}"
        errors: list[str] = []
        # v2 first: its controllers are preferred, and its cgroup.kill ends everything.
        for hierarchy in sorted(found, key=lambda h: -h.version):
            wanted = [c for c in hierarchy.controllers if c not in group.controllers]
            if hierarchy.version == 1 and not wanted:
                continue
            _sweep(hierarchy.own)
            folder = hierarchy.own / name
            try:
                folder.mkdir()
                group._procs_fds.append(os.open(folder / "cgroup.procs", os.O_WRONLY))
            except OSError as exc:
                errors.append(f"{exc.strerror} in {hierarchy.mount}")
                _remove(folder)
                continue
            group.folders.append((hierarchy, folder))
            for controller in wanted:
                if _configure(hierarchy.version, folder, controller, limits):
                    group.controllers[controller] = (hierarchy.version, folder)
        if not group.folders:
            group.note = "no cgroup (" + (errors[0] if errors else "not writable") + ")"
        return group

    @property
    def kills_all(self) -> bool:
        return bool(self.folders)

    def describe(self, limits: Limits) -> str:
        """The protections line, in words."""
        if not self.folders:
            return (
                f"{self.note}: processes a submission starts share the CPU with its "
                "neighbours' (its wall-clock budget still holds)"
            )
        versions = sorted({f"v{h.version}" for h, _ in self.folders})
        parts = []
        if "cpu" in self.controllers:
            parts.append("an equal CPU share beside other submissions")
        if "pids" in self.controllers:
            parts.append(f"at most {limits.max_procs} processes")
        if "memory" in self.controllers:
            parts.append(f"{format_size(memory_budget(limits))} memory in all")
        missing = [c for c in WANTED if c not in self.controllers]
        text = f"own cgroup ({'+'.join(versions)}): " + ", ".join(
            [*parts, "every process it starts is killed with it"]
        )
        if missing:
            text += f" (no {'/'.join(missing)} controller offered)"
        return text

    def add(self, pid: int) -> None:
        """Move `pid` (the worker, before it runs student code) into the cgroup."""
        for fd in self._procs_fds:
            os.write(fd, str(pid).encode())
        self._close_fds()

    def _close_fds(self) -> None:
        for fd in self._procs_fds:
            os.close(fd)
        self._procs_fds = []

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process for the cgroup's memory limit."""
        if "memory" not in self.controllers:
            return False
        version, folder = self.controllers["memory"]
        name = "memory.events" if version == 2 else "memory.oom_control"
        try:
            for line in (folder / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and int(value) > 0:
                    return True
        except (OSError, ValueError):
            pass
        return False

    def kill_and_remove(self, deadline_s: float = 5.0) -> None:
        """Kill every process in the cgroup, wait until it is empty, remove it."""
        self._close_fds()
        for _, folder in self.folders:
            _kill(folder, deadline_s)
            _remove(folder)
        self.folders = []


def memory_budget(limits: Limits) -> int:
    """All the sandbox's processes together, its private tmpfs pages included."""
    return limits.memory + limits.scratch_size


def _configure(version: int, folder: Path, controller: str, limits: Limits) -> bool:
    if controller == "cpu":
        share = ("cpu.weight", CPU_WEIGHT_V2) if version == 2 else ("cpu.shares", CPU_SHARES_V1)
        writes = [share]
    elif controller == "pids":
        writes = [("pids.max", limits.max_procs)]
    elif version == 2:
        writes = [("memory.max", memory_budget(limits)), ("memory.swap.max", 0)]
    else:
        writes = [("memory.limit_in_bytes", memory_budget(limits))]
    try:
        for index, (name, value) in enumerate(writes):
            path = folder / name
            if index > 0 and not path.exists():
                continue  # optional (no swap accounting)
            path.write_text(str(value))
    except OSError:
        return False
    return True


def _pids(folder: Path) -> list[int]:
    try:
        return [int(p) for p in (folder / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _kill(folder: Path, deadline_s: float) -> None:
    kill_file = folder / "cgroup.kill"
    if kill_file.exists():
        try:
            kill_file.write_text("1")
        except OSError:
            pass
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        pids = _pids(folder)
        if not pids:
            return
        for pid in pids:  # v1 (or a v2 without cgroup.kill): one by one until none is left
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.005)


def _remove(folder: Path) -> None:
    for _ in range(100):
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError as exc:
            if exc.errno != errno.EBUSY:
                return
            time.sleep(0.01)  # the last process is still being reaped


def _sweep(parent: Path) -> None:
    """Remove sandbox cgroups left by supervisors that died before cleaning up."""
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(PREFIX) or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            owner = int(entry.name[len(PREFIX) :].split("-")[0])
            os.kill(owner, 0)
            continue  # its supervisor still runs
        except ProcessLookupError:
            pass
        except (ValueError, PermissionError):
            continue
        folder = Path(entry.path)
        _kill(folder, 1.0)
        _remove(folder)
