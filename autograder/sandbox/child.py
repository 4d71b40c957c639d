"""The per-submission processes, forked from the zygote.

    zygote ──fork──> supervisor (trusted: cgroup, namespaces, mounts, cleanup, exit status)
                        └─fork──> worker (drops privileges, imports and runs student code)

The supervisor makes the sandbox's cgroup, unshares mount/PID/network/IPC/UTS namespaces and
forks the worker at once, before it knows any path of the grader's disk: the worker waits
while the supervisor receives the paths from the grader (never through the zygote), hides
the secret folders under empty read-only tmpfs mounts, gives every world-writable place one
private tmpfs, and copies the submission's `exercises/` into the scratch folder. So no
process that runs student code ever held those paths. The worker is PID 1 of the new PID
namespace: when it dies the kernel kills everything it spawned; its cgroup is killed too.
Without namespaces the supervisor is a child subreaper and kills every descendant itself.
The supervisor tells the grader the worker's pid and, at the end, its exit status (the
worker cannot forge either).
"""

from __future__ import annotations

import errno
import importlib
import json
import os
import pickle
import resource
import select
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import NoReturn

from autograder.sandbox import protections as osl
from autograder.sandbox import protocol
from autograder.sandbox.cgroups import SandboxCgroup
from autograder.sandbox.config import SandboxConfig, SandboxPaths, child_environment
from autograder.sandbox.limits import Limits, format_size

UID_BASE = 1_000_000  # sandbox uid = UID_BASE + supervisor pid: unique while it runs
SANDBOX_UID = 1000  # the worker's uid inside a user namespace
SCRATCH_NAME = "sandbox"
MAX_SUBMISSION_BYTES = 64 << 20
PATHS_TIMEOUT = 60.0  # seconds for the grader to send the paths

# What the zygote found at its start-up (set there; a forked supervisor inherits it).
HOST_SCAN: osl.HostScan | None = None


# --- supervisor ----------------------------------------------------------------------------


def supervise(config: SandboxConfig, channel_fd: int, status_fd: int, output_fd: int) -> NoReturn:
    """Entry point in the process the zygote forked. Never returns."""
    status = socket.socket(fileno=status_fd)
    code = 1
    try:
        code = _supervise(config, channel_fd, status, output_fd)
    except BaseException as exc:  # report instead of dying silently
        try:
            _send(status, {"event": "error", "message": f"{type(exc).__name__}: {exc}"})
        except OSError:
            pass
    finally:
        os._exit(code)


def _send(sock: socket.socket, message: dict) -> None:
    sock.sendall(json.dumps(message).encode() + b"\n")


def _receive_paths(status: socket.socket) -> tuple[SandboxPaths, bytes]:
    """The grader's first line on the status socket; returns it and what followed it."""
    data = b""
    status.settimeout(PATHS_TIMEOUT)
    try:
        while b"\n" not in data:
            chunk = status.recv(1 << 16)
            if not chunk:
                raise ConnectionError("the grader closed the sandbox before sending its paths")
            data += chunk
    finally:
        status.settimeout(None)
    line, rest = data.split(b"\n", 1)
    return SandboxConfig.paths_from_json(line), rest


def _supervise(
    config: SandboxConfig, channel_fd: int, status: socket.socket, output_fd: int
) -> int:
    for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    zygote_pid = os.getppid()
    os.setsid()
    osl.prctl(osl.PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != zygote_pid:
        return 1
    limits = config.limits
    notes: list[str] = []
    real_uid = os.getuid()
    root = real_uid == 0
    in_use = 0 if root else osl.process_count(real_uid)  # before /proc changes
    cgroup = SandboxCgroup.create(limits) if config.cgroups else None
    mode = _enter_namespaces(config, root, notes)
    # As root, the child gets an uid that owns nothing: set directly, or (user-namespace
    # mode) as the host side of its namespace's mapping, written here.
    fresh_uid = UID_BASE + os.getpid() if root and config.drop_user else None
    map_for_worker = mode.startswith("user") and root and fresh_uid is not None
    go_read, go_write = os.pipe()  # supervisor -> worker: set up (and, as root, uid mapped)
    ask_read, ask_write = os.pipe()  # worker -> supervisor: namespace made, map it
    osl.prctl(osl.PR_SET_CHILD_SUBREAPER, 1)
    worker = os.fork()
    if worker == 0:
        status.close()
        os.close(go_write)
        os.close(ask_read)
        try:
            _worker(config, mode, map_for_worker, channel_fd, output_fd, go_read, ask_write, in_use)
        except BaseException:  # before student code runs: a fault of the sandbox's set-up
            import traceback

            traceback.print_exc()
        finally:
            os._exit(70)
    os.close(go_read)
    os.close(ask_write)
    os.close(channel_fd)
    os.close(output_fd)
    if cgroup is not None:
        cgroup.add(worker)  # before it runs anything: it waits for "go"
    worker_proc = os.open(f"/proc/{worker}", os.O_PATH | os.O_DIRECTORY)
    # From here on this process knows the grader's paths; the worker never will.
    paths, pending = _receive_paths(status)
    files = _read_submission(Path(paths.submission_root) / config.package)
    owner = None if root else real_uid
    if mode:
        scratch = _mount_filesystem(paths, limits, fresh_uid is not None, owner, notes)
    else:
        scratch = Path(tempfile.mkdtemp(prefix="torchgrade-sandbox-"))
        notes.append(
            "no mount namespace: secret folders are protected by file permissions only"
            if root
            else "no mount namespace: student code can read what the "
            "grader's user can read (solutions/, hidden suites)"
        )
    del paths
    _write_submission(scratch / "submission" / config.package, files)
    del files
    if fresh_uid is not None:
        for path in [scratch, *scratch.rglob("*")]:
            os.lchown(path, fresh_uid, fresh_uid)
        os.chmod(scratch, 0o700)
    setup = {"scratch": str(scratch), "uid": None if map_for_worker else fresh_uid}
    os.write(go_write, json.dumps(setup).encode() + b"\n")
    if map_for_worker:
        _map_worker(worker_proc, ask_read, go_write, fresh_uid)
    os.close(worker_proc)
    os.close(ask_read)
    os.close(go_write)
    notes += _describe(mode, fresh_uid, root, limits, cgroup)
    _send(status, {"event": "started", "pid": worker, "protections": notes})
    exit_status = _wait(worker, status, pending)
    if not mode:  # (with a PID namespace the kernel has already killed everything)
        _kill_descendants()
    oom = False
    if cgroup is not None:
        oom = cgroup.oom_killed()
        cgroup.kill_and_remove()
    if not mode:
        shutil.rmtree(scratch, ignore_errors=True)
    try:
        _send(status, {"event": "exit", "status": exit_status, "oom": oom})
    except OSError:
        pass
    return 0


def _map_worker(worker_proc: int, ask_read: int, go_write: int, uid: int) -> None:
    """The worker has made its user namespace: map its SANDBOX_UID to `uid` on the host.
    (`worker_proc`: its /proc folder, opened before the worker mounted its own /proc.)"""
    ready, _, _ = select.select([ask_read], [], [], PATHS_TIMEOUT)
    if not ready or os.read(ask_read, 1) != b"u":
        raise RuntimeError("the sandbox worker did not make its user namespace")
    _write_id_maps(SANDBOX_UID, uid, uid, worker_proc)
    os.write(go_write, b"mapped\n")


def _describe(
    mode: str, uid: int | None, root: bool, limits: Limits, cgroup: SandboxCgroup | None
) -> list[str]:
    out = []
    if uid is not None:
        out.append(f"separate unprivileged user per submission (uid {UID_BASE}+, owns nothing)")
    elif mode.startswith("user"):
        out.append(
            "runs as the grader's user (a non-root grader): everything that user owns outside "
            "the Python installation and the data is hidden, and so are /run/user and /dev/pts"
        )
    else:
        out.append("no separate user (the grader is not root): runs as the grader's user")
    if mode:
        out.append(
            f"{mode}: solutions/, hidden suites, tests/, grader folders and every non-system "
            "top-level folder (/home, /root, /work, ...) hidden but for the Python installation "
            "and the data; /dev/pts hidden"
        )
        out.append(
            "private, empty /tmp, /var/tmp, /dev/shm, /run/lock and every other world-writable "
            f"folder, {format_size(limits.scratch_size)} in all"
        )
        out.append("no network (network namespace)")
        out.append("PID namespace: every process it starts is killed with it")
        out.append("no grader path (submissions, output, configuration) in the child's memory")
    else:
        out.append("network reachable (no network namespace)")
        out.append("process cleanup by subreaper + process group")
    if cgroup is not None:
        out.append(cgroup.describe(limits))
    out.append(f"rlimits: {limits.describe()}")
    out.append("no_new_privs")
    return out


def _read_submission(package_dir: Path) -> dict[str, bytes]:
    """The submission's package, read while still privileged (its folder may be 0700)."""
    files: dict[str, bytes] = {}
    total = 0
    if not package_dir.is_dir():
        return files
    for path in sorted(package_dir.rglob("*")):
        if path.is_symlink() or not path.is_file() or "__pycache__" in path.parts:
            continue
        size = path.stat().st_size
        total += size
        if total > MAX_SUBMISSION_BYTES:
            break
        files[str(path.relative_to(package_dir))] = path.read_bytes()
    return files


def _write_submission(package_dir: Path, files: dict[str, bytes]) -> None:
    if not files:
        return  # a missing package stays missing: the loader reports MissingFile
    package_dir.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        target = package_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _enter_namespaces(config: SandboxConfig, root: bool, notes: list[str]) -> str:
    """Unshare what the OS allows; returns a description of the mode ('' for none). A root
    grader in user-namespace mode unshares the rest here and lets the worker make its own
    user namespace (the supervisor then maps it: see `_map_worker`)."""
    if not config.namespaces or not osl.IS_LINUX:
        return ""
    flags = (
        osl.CLONE_NEWNS | osl.CLONE_NEWPID | osl.CLONE_NEWNET | osl.CLONE_NEWIPC | osl.CLONE_NEWUTS
    )
    uid, gid = os.getuid(), os.getgid()
    user_namespace = not root or config.user_namespace
    try:
        osl.unshare(flags if root else flags | osl.CLONE_NEWUSER)
    except OSError as exc:
        notes.append(f"namespaces unavailable ({exc.strerror})")
        return ""
    if not user_namespace:
        return "mount namespace"
    if not root:
        _write_id_maps(0, uid, gid)
    return "user + mount namespace"


def _write_id_maps(inside: int, uid: int, gid: int, proc: int | None = None) -> None:
    """Map `inside` (as uid and gid) to `uid`/`gid` outside, in the user namespace of this
    process, or of the process whose /proc folder is open as `proc`."""
    for name, text in (
        ("setgroups", "deny"),
        ("uid_map", f"{inside} {uid} 1"),
        ("gid_map", f"{inside} {gid} 1"),
    ):
        fd = os.open(name if proc is not None else f"/proc/self/{name}", os.O_WRONLY, dir_fd=proc)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)


def _under(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def _private_places() -> list[Path]:
    """/tmp and every world-writable folder the zygote found at start-up, outermost only."""
    found = HOST_SCAN.world_writable if HOST_SCAN else ()
    candidates = [Path("/tmp"), *found, *(Path(p) for p in osl.WORLD_WRITABLE_KNOWN)]
    places: list[Path] = []
    for path in sorted(set(candidates), key=lambda p: len(p.parts)):
        if path.is_dir() and not path.is_symlink() and not any(_under(path, p) for p in places):
            places.append(path)
    return places


def _hidden_of_owner(owner: int | None) -> list[Path]:
    """What a non-root grader's uid owns in the system folders (its child acts as it)."""
    if owner is None:
        return []
    found = list(HOST_SCAN.owned) if HOST_SCAN and HOST_SCAN.owner == owner else []
    return [*found, Path(f"/run/user/{owner}")]


def _mount_filesystem(
    paths: SandboxPaths, limits: Limits, barriers: bool, owner: int | None, notes: list[str]
) -> Path:
    """One fresh tmpfs of `scratch_size` behind /tmp, /var/tmp, /dev/shm, /run/lock and every
    other world-writable folder; empty read-only tmpfs over secrets and /dev/pts; the Python
    installation and data bound back where they lie under a hidden folder."""
    osl.mount(None, "/", None, osl.MS_REC | osl.MS_PRIVATE)
    needed = osl.needed_paths()
    keep_paths = needed + [Path(p) for p in paths.readable if Path(p).exists()]
    private = _private_places()
    hidden: list[Path] = []
    hidden_again: list[Path] = []  # under /tmp, but inside a path that is bound back
    for raw in [*paths.hidden, "/dev/pts", *map(str, _hidden_of_owner(owner))]:
        path = Path(raw)
        if not os.path.lexists(path) or path in hidden:
            continue
        if not any(_under(path, p) for p in private):
            hidden.append(path)
        elif any(_under(path, k) for k in keep_paths):
            hidden_again.append(path)
    for path in osl.non_system_top_level():
        if path not in hidden:
            hidden.append(path)
    if barriers:  # e.g. a Python under a 0700 /root: reachable only through a bind mount
        for path in keep_paths:
            barrier = osl.traversal_barrier(path)
            if barrier is not None and barrier not in hidden and barrier != path:
                hidden.append(barrier)
    targets = sorted(private + hidden, key=lambda p: len(p.parts))
    # Each kept path is bound back under the deepest hidden folder that covers it.
    keep: dict[Path, tuple[int, Path]] = {}
    for path in keep_paths:
        covering = [t for t in targets if _under(path, t) and t != path]
        if covering:
            keep[path] = (os.open(path, os.O_PATH), max(covering, key=lambda t: len(t.parts)))
    flags = osl.MS_NOSUID | osl.MS_NODEV
    is_dir = {target: target.is_dir() and not target.is_symlink() for target in targets}
    # The private places are folders of one tmpfs, so they share one size limit.
    osl.mount("tmpfs", "/tmp", "tmpfs", flags, f"size={limits.scratch_size},mode=0700")
    shared = os.open("/tmp", os.O_PATH | os.O_DIRECTORY)
    for index in range(len(private)):
        os.mkdir(str(index), 0o700, dir_fd=shared)
        os.chmod(str(index), 0o1777, dir_fd=shared)
    for target in targets:
        is_private = target in private
        if not os.path.lexists(target):
            continue  # inside a folder hidden above, and not bound back: already unreachable
        if not is_dir[target]:
            osl.mount("/dev/null", str(target), None, osl.MS_BIND)
            continue
        if is_private:
            source = f"/proc/self/fd/{shared}/{private.index(target)}"
            osl.mount(source, str(target), None, osl.MS_BIND)
            osl.mount(None, str(target), None, osl.MS_REMOUNT | osl.MS_BIND | flags)
        else:
            osl.mount("tmpfs", str(target), "tmpfs", flags, "size=1m,mode=0755")
        for path, (fd, under) in keep.items():
            if under != target:
                continue
            if os.path.isdir(f"/proc/self/fd/{fd}"):
                path.mkdir(parents=True, exist_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.touch()
            osl.mount(f"/proc/self/fd/{fd}", str(path), None, osl.MS_BIND | osl.MS_REC)
            osl.mount(None, str(path), None, osl.MS_REMOUNT | osl.MS_BIND | osl.MS_RDONLY | flags)
        if not is_private:
            osl.mount(None, str(target), None, osl.MS_REMOUNT | osl.MS_RDONLY | flags)
    os.close(shared)
    for fd, _ in keep.values():
        os.close(fd)
    # A checkout under /tmp comes back with the bind mounts above: hide its secrets again.
    for path in hidden_again:
        if path.is_dir():
            osl.mount("tmpfs", str(path), "tmpfs", flags | osl.MS_RDONLY, "size=1m,mode=0755")
        else:
            osl.mount("/dev/null", str(path), None, osl.MS_BIND)
    scratch = Path("/tmp") / SCRATCH_NAME
    scratch.mkdir(mode=0o700)
    return scratch


def _wait(worker: int, status: socket.socket, pending: bytes = b"") -> int:
    """Wait for the worker to exit, or for the grader to ask for its end ("kill" or a
    closed socket); return the raw wait status."""
    try:
        pidfd = os.pidfd_open(worker)
    except (AttributeError, OSError):
        pidfd = None
    killed = False
    if pending.startswith(b"kill"):
        os.kill(worker, signal.SIGKILL)
        killed = True
    while True:
        waitables = [status] if killed is False else []
        if pidfd is not None:
            waitables.append(pidfd)
        ready, _, _ = select.select(waitables, [], [], 0.05 if pidfd is None else None)
        if status in ready:
            try:
                message = status.recv(64)
            except OSError:
                message = b""
            if not message or message.startswith(b"kill"):
                os.kill(worker, signal.SIGKILL)
                killed = True
        pid, wait_status = os.waitpid(worker, 0 if killed else os.WNOHANG)
        if pid == worker:
            if pidfd is not None:
                os.close(pidfd)
            return wait_status


def _descendants() -> list[int]:
    """Processes below this one (orphans are re-parented here: we are a subreaper)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
            ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        except (OSError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [os.getpid()]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _kill_descendants(deadline_s: float = 5.0) -> None:
    """Kill and reap everything the worker left behind (a no-op with a PID namespace)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        pids = _descendants()
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass
        time.sleep(0.01)


# --- worker --------------------------------------------------------------------------------


def _worker(
    config: SandboxConfig,
    mode: str,
    mapped_by_supervisor: bool,
    channel_fd: int,
    output_fd: int,
    go_fd: int,
    ask_fd: int,
    procs_in_use: int,
) -> NoReturn:
    go = os.fdopen(go_fd, "rb", buffering=0)
    setup = json.loads(_read_line(go) or b"null")  # EOF: the supervisor failed
    if setup is None:
        os._exit(70)
    scratch, uid = Path(setup["scratch"]), setup["uid"]
    report: dict = {"notes": []}
    if mode:
        try:
            osl.mount("proc", "/proc", "proc", osl.MS_NOSUID | osl.MS_NODEV | osl.MS_NOEXEC)
        except OSError as exc:
            report["notes"].append(f"host process list visible ({exc.strerror})")
    if mapped_by_supervisor:
        os.setgroups([])  # no supplementary group survives into the namespace
        osl.unshare(osl.CLONE_NEWUSER)
        os.write(ask_fd, b"u")
        if _read_line(go) != b"mapped":
            os._exit(70)
        uid = SANDBOX_UID  # the host sees UID_BASE + supervisor pid
    elif mode.startswith("user"):
        _lock_user_namespace()
    go.close()
    os.close(ask_fd)
    _redirect_output(output_fd, channel_fd)
    _set_limits(config.limits, uid, procs_in_use)
    if uid is not None:
        if os.getuid() == 0 and not mode.startswith("user"):
            os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    osl.prctl(osl.PR_SET_NO_NEW_PRIVS, 1)
    osl.prctl(osl.PR_SET_PDEATHSIG, signal.SIGKILL)  # cleared by setuid: set it after
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large write raises OSError(EFBIG)
    _prepare_interpreter(scratch)
    _forget_grader()
    channel = socket.socket(fileno=channel_fd)
    protocol.send_frame(channel, protocol.reply(0, protocol.HELLO, json.dumps(report).encode()))
    _serve(channel, scratch / "submission", config.package)
    os._exit(0)


def _read_line(stream) -> bytes:
    line = b""
    while not line.endswith(b"\n"):
        byte = stream.read(1)
        if not byte:
            return b""
        line += byte
    return line[:-1]


def _redirect_output(output_fd: int, channel_fd: int) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    keep = {0, 1, 2, channel_fd}
    for fd in sorted(int(n) for n in os.listdir("/proc/self/fd") if n.isdigit()):
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _lock_user_namespace() -> None:
    """Nest one more user namespace: the worker keeps no capability over the mount and
    network namespaces the supervisor built, so it cannot unmount what hides the secrets."""
    osl.unshare(osl.CLONE_NEWUSER)
    _write_id_maps(SANDBOX_UID, 0, 0)
    os.setresgid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)
    os.setresuid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)  # capabilities are dropped on leaving uid 0


def _vm_size() -> int:
    with open("/proc/self/status", "rb") as fh:
        for line in fh:
            if line.startswith(b"VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _set_limits(limits: Limits, uid: int | None, procs_in_use: int) -> None:
    memory = _vm_size() + limits.memory
    # RLIMIT_NPROC counts every task of the real uid: with a shared uid, allow for the rest.
    procs = limits.max_procs + (0 if uid is not None else procs_in_use)
    for name, value in (
        (resource.RLIMIT_AS, memory),
        (resource.RLIMIT_CPU, (limits.cpu_time, limits.cpu_time + 1)),
        (resource.RLIMIT_NPROC, procs),
        (resource.RLIMIT_FSIZE, limits.max_file_size),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NOFILE, 256),
    ):
        soft, hard = value if isinstance(value, tuple) else (value, value)
        try:
            resource.setrlimit(name, (soft, hard))
        except (ValueError, OSError):
            pass


_DROPPED: list = []  # what _prepare_interpreter dropped, never freed (the child just exits)


def _prepare_interpreter(scratch: Path) -> None:
    os.chdir(scratch)
    environment = child_environment(os.environ, str(scratch))
    os.environ.clear()
    os.environ.update(environment)
    tempfile.tempdir = None
    sys.dont_write_bytecode = True
    # Only the submission and the Python installation are importable: no repo root, no
    # editable-install finder that maps `solutions` / `exercises` to the checkout.
    repo = str(osl.REPO_ROOT)
    sys.path[:] = [p for p in sys.path if p not in ("", ".", repo)]
    sys.path.insert(0, str(scratch / "submission"))
    sys.meta_path[:] = [
        f
        for f in sys.meta_path
        if "editable" not in getattr(f, "__module__", "")
        and "editable" not in type(f).__module__
        and "editable" not in getattr(f, "__name__", "")
    ]
    # Dropped but kept alive: freeing the cached directory listings would write to (and so
    # copy) thousands of the zygote's shared pages, 8 ms of every child's start.
    _DROPPED.append(dict(sys.path_importer_cache))
    sys.path_importer_cache.clear()
    # (The zygote reports any such module at its start, and the grader refuses it: the scan
    # of every module name, which also copies pages, is only for the impossible case.)
    if any(name in sys.modules for name in ("solutions", "exercises")):
        for name in [n for n in sys.modules if n.split(".")[0] in ("solutions", "exercises")]:
            del sys.modules[name]
    os.umask(0o077)


def _forget_grader() -> None:
    """Drop what the zygote and supervisor kept that student code has no use for: the
    configuration objects of this and earlier sandboxes, the host scan, the zygote's
    control socket variables. (No path of the grader's disk ever reached this process.)"""
    global HOST_SCAN
    HOST_SCAN = None
    for name in [n for n in sys.modules if n.startswith("__editable__")]:
        del sys.modules[name]
    import gc

    gc.collect()


def _serve(channel: socket.socket, root: Path, package: str) -> None:
    from autograder import codec
    from autograder.judge.student import (
        ModuleLoader,
        StudentError,
        call_in_module,
        describe_exception,
        run_probe_in_module,
    )

    loader = ModuleLoader(root, package)
    while True:
        frame = protocol.recv_frame(channel)
        if frame is None:
            return
        request = pickle.loads(frame)
        seq, op = request["seq"], request["op"]
        try:
            module = loader.load(request["exercise"])
            if op == "load":
                result = None
            elif op == "call":
                result = call_in_module(
                    module, request["function"], request["args"], request["kwargs"]
                )
            else:
                probe_module = importlib.import_module(request["probe_module"])
                probe_fn = getattr(probe_module, request["probe_name"])
                result = run_probe_in_module(module, probe_fn, request["args"], request["kwargs"])
            out = protocol.reply(seq, protocol.OK, codec.dumps(result))
        except StudentError as error:
            out = protocol.reply(
                seq,
                protocol.ERROR,
                protocol.error_payload(error.kind, error.message, error.detail, error.kinds),
            )
        except BaseException as exc:  # e.g. MemoryError while encoding
            error = describe_exception(exc)
            out = protocol.reply(
                seq,
                protocol.ERROR,
                protocol.error_payload(error.kind, error.message, error.detail, error.kinds),
            )
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        try:
            protocol.send_frame(channel, out)
        except OSError as exc:
            if exc.errno in (errno.EPIPE, errno.ECONNRESET):
                return
            raise


def file_size_message(limits: Limits) -> str:
    return f"exceeded the file size limit of {format_size(limits.max_file_size)}"
