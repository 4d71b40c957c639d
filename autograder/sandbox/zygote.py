"""The zygote: a warm interpreter that imports torch, NumPy, pandas, torchvision, openpyxl and
the non-secret parts of autograder once, then forks one sandbox child per submission.
(Only what the exercises and probes use: scikit-learn, say, would add half a second to every
start and ~50 MiB to every fork, for a submission that imports it on its own.)

It is started as a fresh interpreter (`python -I -c ...`), never forked from the grader:
the grader has imported the solutions and hidden suites, and a fork would carry them. It
never imports `solutions` or `autograder.hidden`. One grader process owns one zygote (the
batch grader's workers each start their own); `Zygote.spawn` is thread-safe, so several
backends in one process may share it. Student code never runs in the zygote itself.

Control channel: a SOCK_SEQPACKET socket pair. Request = JSON config plus three file
descriptors (the child's channel socket, its status socket, its output pipe); reply = the
supervisor's pid.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import json
import os
import pkgutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from autograder.sandbox.config import SandboxConfig, sandbox_environment

PREIMPORTS = (
    "numpy",
    "torch",
    "torch.nn",
    "torch.nn.functional",
    "torch.optim",
    "torch.utils.data",
    "pandas",
    "torchvision",
    "torchvision.transforms",
    "openpyxl",
    "autograder.codec",
    "autograder.judge.student",
    "autograder.kit.registry",
    "autograder.kit.datagen",  # exercises/datasets.py takes AMES_COLUMNS from it
    "autograder.sandbox.child",
)


class ZygoteError(RuntimeError):
    """The zygote could not start or died: a grader fault, never the student's."""


# --- zygote process ------------------------------------------------------------------------


def preimport() -> None:
    for name in PREIMPORTS:
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # an optional library that is not installed
    import autograder.probes as probes

    for info in pkgutil.iter_modules(probes.__path__):
        importlib.import_module(f"autograder.probes.{info.name}")
    import torch

    torch.set_num_threads(1)  # OpenMP threads would count against RLIMIT_NPROC
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    warm_up()


def warm_up() -> None:
    """Run once what torch, pandas and torchvision import lazily on first use (an optimizer
    step alone pulls in ~900 modules, over a second), so forked children start warm."""
    import io

    import numpy as np
    import pandas as pd
    import torch
    from torch import nn
    from torch.nn import functional as F
    from torch.utils.data import DataLoader, TensorDataset

    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1),
        nn.BatchNorm2d(2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.1),
        nn.Linear(8, 3),
    )
    loader = DataLoader(
        TensorDataset(torch.randn(4, 1, 4, 4), torch.tensor([0, 1, 2, 0])),
        batch_size=2,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    for optimizer in (
        torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
        torch.optim.Adam(model.parameters()),
    ):
        for x, y in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        model(torch.randn(1, 1, 4, 4))
    x = torch.randn(3, dtype=torch.float64, requires_grad=True)
    torch.autograd.gradcheck(lambda t: (t * t).sum(), (x,))
    torch.autograd.grad((x**2).sum(), x)
    buffer = io.BytesIO()
    pd.DataFrame({"a": [1.0, 2.0]}).to_excel(buffer, index=False)
    pd.read_excel(io.BytesIO(buffer.getvalue()))
    pd.read_csv(io.StringIO("a,b\n1,2\n"))
    try:
        from PIL import Image
        from torchvision import transforms

        transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])(
            Image.fromarray(np.zeros((4, 4), dtype=np.uint8))
        )
    except ImportError:
        pass


def serve(sock: socket.socket) -> None:
    from autograder.sandbox import child
    from autograder.sandbox.config import SandboxConfig

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # supervisors are reaped automatically
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(sock, 1 << 20, 3)
        except (ConnectionError, OSError):
            return
        if not message:
            return  # the grader is gone
        try:
            config = SandboxConfig.from_json(message)
            if config.paths is not None:
                raise ValueError("the zygote must not be told the grader's paths")
            if len(fds) != 3:
                raise ValueError(f"expected 3 file descriptors, got {len(fds)}")
            pid = os.fork()
        except Exception as exc:
            for fd in fds:
                os.close(fd)
            sock.send(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
            continue
        if pid == 0:
            sock.close()
            child.supervise(config, *fds)
        for fd in fds:
            os.close(fd)
        sock.send(json.dumps({"pid": pid}).encode())


def site_without_editable_installs() -> None:
    """What `site` does at start-up (the virtual environment, its .pth files), minus the
    editable installs: their finders name the checkout's folders, `solutions/` included,
    and nothing of that may sit in the memory that every child inherits. (Started with -S.)"""
    import site

    prefix = Path(sys.executable).absolute().parent.parent
    config = prefix / "pyvenv.cfg"
    prefixes = [sys.prefix]
    if config.is_file():  # a virtual environment, as site.venv() reads it
        system_site = False
        for line in config.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            if key.strip().lower() == "include-system-site-packages":
                system_site = value.strip().lower() == "true"
        sys.prefix = sys.exec_prefix = str(prefix)
        prefixes = [str(prefix), *([sys.base_prefix] if system_site else [])]
    known: set[str] = set()
    for folder in site.getsitepackages(prefixes):
        if not os.path.isdir(folder) or folder in sys.path:
            continue
        sys.path.append(folder)
        known.add(folder)
        for name in sorted(os.listdir(folder)):
            if name.endswith(".pth") and not name.startswith("__editable__"):
                site.addpackage(folder, name, known)
    site.setquit()
    site.setcopyright()
    site.sethelper()


def main(fd: int) -> None:
    package_parent = sys.path.pop()  # the command line put it last: the site folders first
    site_without_editable_installs()
    sys.path.append(package_parent)
    sock = socket.socket(fileno=fd)
    start = time.perf_counter()
    from autograder.sandbox import child, protections

    # World-writable folders (and, for a non-root grader, what its uid owns) are found once,
    # while the libraries import.
    owner = None if os.getuid() == 0 else os.getuid()
    scan = threading.Thread(
        target=lambda: setattr(child, "HOST_SCAN", protections.scan_host(owner))
    )
    scan.start()
    preimport()
    scan.join()
    seconds = time.perf_counter() - start
    threads = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 1
    # The young generations only: a full collection walks every object torch and the rest
    # created (a quarter of a second, to free a few hundred), on every grader's start.
    gc.collect(1)
    gc.freeze()  # imported objects stay in the shared pages of every forked child
    sock.send(
        json.dumps(
            {
                "ready": True,
                "import_seconds": seconds,
                "threads": threads,
                "modules": sorted(
                    n
                    for n in sys.modules
                    if n.split(".")[0] in ("solutions", "exercises")
                    or n.startswith("autograder.hidden")
                    or n.startswith("__editable__")
                ),
            }
        ).encode()
    )
    serve(sock)
    # The grader is gone. Nothing is left to flush or clean up (supervisors reap their own
    # children), and finalizing an interpreter that has imported torch takes a second.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


# --- grader side ---------------------------------------------------------------------------


class Zygote:
    """Handle on one zygote process. `start()` launches it (returns at once); the first
    `spawn()` waits until its imports are done. `close()` ends it (children it forked end
    with it: they hold a parent-death signal)."""

    def __init__(self, extra_env: dict[str, str] | None = None) -> None:
        self._extra_env = dict(extra_env or {})
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self._ready = False
        self.owner_pid = os.getpid()
        self.startup_seconds = 0.0  # from start() to ready, as measured here
        self.import_seconds = 0.0  # the imports alone, as measured in the zygote
        self._started_at = 0.0
        self.supervisors: list[int] = []  # pids of every supervisor it forked, oldest first

    def _env(self) -> dict[str, str]:
        return {**sandbox_environment(os.environ), **self._extra_env}

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        if self.running:
            return
        self._close_locked()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        package_parent = str(Path(__file__).resolve().parents[2])
        # -I: no PYTHONPATH, no user site, no current directory on sys.path; -S: no site
        # at start-up (see site_without_editable_installs).
        code = (
            f"import sys; sys.path.append({package_parent!r}); "
            f"from autograder.sandbox.zygote import main; main({theirs.fileno()})"
        )
        self._started_at = time.perf_counter()
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", code],
            pass_fds=(theirs.fileno(),),
            cwd="/",
            env=self._env(),
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        theirs.close()
        self._sock = ours
        self._ready = False
        self.owner_pid = os.getpid()

    def _wait_ready(self, timeout: float = 120.0) -> None:
        assert self._sock is not None
        self._sock.settimeout(timeout)
        try:
            message = self._sock.recv(1 << 20)
        except OSError as exc:
            raise ZygoteError(f"the sandbox zygote did not start: {exc}") from None
        finally:
            self._sock.settimeout(None)
        if not message:
            raise ZygoteError("the sandbox zygote exited during start-up (see its stderr)")
        info = json.loads(message)
        if info.get("modules"):
            raise ZygoteError(f"the zygote imported secret modules: {info['modules']}")
        self.import_seconds = info["import_seconds"]
        self.startup_seconds = time.perf_counter() - self._started_at
        self._ready = True

    def spawn(self, config: SandboxConfig, fds: list[int]) -> int:
        """Fork a supervisor for one submission; returns its pid. `fds` are sent to it
        (the caller keeps and must close its own copies)."""
        with self._lock:
            if os.getpid() != self.owner_pid:
                # This handle was inherited through fork: the socket belongs to the parent.
                self._proc, self._sock, self._ready = None, None, False
            if not self.running:
                self._start_locked()
            if not self._ready:
                self._wait_ready()
            assert self._sock is not None
            try:
                socket.send_fds(self._sock, [config.public().to_json()], fds)
                reply = self._sock.recv(1 << 16)
            except OSError as exc:
                raise ZygoteError(f"the sandbox zygote is gone: {exc}") from None
            if not reply:
                raise ZygoteError("the sandbox zygote exited")
            answer = json.loads(reply)
            if "error" in answer:
                raise ZygoteError(f"the sandbox zygote could not fork: {answer['error']}")
            self.supervisors.append(int(answer["pid"]))
            del self.supervisors[:-10_000]
            return int(answer["pid"])

    def close(self) -> None:
        with self._lock:
            self._close_locked()

    def _close_locked(self) -> None:
        if self._sock is not None and os.getpid() == self.owner_pid:
            self._sock.close()
        self._sock = None
        if self._proc is not None and os.getpid() == self.owner_pid:
            if self._proc.poll() is None:
                try:
                    self._proc.wait(timeout=2)  # it exits when its socket closes
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
        self._proc = None
        self._ready = False


# --- one zygote per grader process ------------------------------------------------------------

_default_zygote: Zygote | None = None
_default_lock = threading.Lock()


def default_zygote() -> Zygote:
    """This process's zygote, started on first use and closed at exit."""
    global _default_zygote
    with _default_lock:
        if _default_zygote is None or _default_zygote.owner_pid != os.getpid():
            _default_zygote = Zygote()
            _default_zygote.start()
            atexit.register(_default_zygote.close)
        return _default_zygote


if __name__ == "__main__":
    main(int(sys.argv[1]))
