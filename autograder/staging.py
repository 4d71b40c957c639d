"""Staging a submission in a limited child process.

Unpacking a zip, walking a folder and extracting notebook code read nothing but the
student's bytes; `autograder.submissions` bounds every step, and this module adds the
operating system's limits on top, for what no bound foresaw: each submission is staged in
a forked child with RLIMIT_CPU and a wall-clock limit (STAGING_SECONDS), an address-space
limit (STAGING_MEMORY above what it starts with), RLIMIT_FSIZE, no core dumps, and a
parent-death signal. Whatever the child runs into is the submission's error row.

The child is forked from a small staging server (one per grading process, started on first
use): a fresh interpreter that imports no torch and holds nothing of the grader. Forking the
grading process itself would copy its torch-sized memory map for every submission (tens of
milliseconds); forking the server costs about a millisecond.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

from autograder.sandbox.limits import format_size
from autograder.submissions import Submission, SubmissionError, _stage

STAGING_SECONDS = 60  # wall clock and CPU seconds to unpack one submission
STAGING_MEMORY = 2 * 2**30  # address space a staging child may add to what it starts with
_SERVER_SLACK = 30  # seconds the grader waits for the server beyond STAGING_SECONDS
_STUDENT_ERRNOS = (errno.EFBIG, errno.ENAMETOOLONG, errno.EILSEQ, errno.ELOOP)


class StagingFault(RuntimeError):
    """Staging failed for a reason of the grader's (not the submission's)."""


# --- the child -------------------------------------------------------------------------------


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def _limit_child() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    limits = [
        (resource.RLIMIT_CPU, STAGING_SECONDS),
        (resource.RLIMIT_FSIZE, 64 * 2**20),  # more than any bound lets a file grow
        (resource.RLIMIT_CORE, 0),
    ]
    try:
        with open("/proc/self/statm") as statm:  # pages of address space in use now
            in_use = int(statm.read().split()[0]) * resource.getpagesize()
        limits.append((resource.RLIMIT_AS, in_use + STAGING_MEMORY))
    except (OSError, ValueError):
        pass
    for which, value in limits:
        try:
            _, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, hard))
        except (OSError, ValueError):
            pass


def _child_report(submission: Submission, work: Path) -> dict:
    try:
        _limit_child()
        _stage(submission, work)
        return {"ok": True, "notebooks": (work / "from_notebooks").exists()}
    except SubmissionError as exc:
        return {"error": str(exc)}
    except MemoryError:
        return {"error": f"unpacking needs more than {format_size(STAGING_MEMORY)} of memory"}
    except OSError as exc:
        if exc.errno in _STUDENT_ERRNOS:
            return {"error": f"the submission cannot be unpacked ({os.strerror(exc.errno)})"}
        return {"fault": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc(3)}
    except BaseException as exc:  # noqa: BLE001  (the child always reports and exits)
        return {"fault": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc(3)}


def stage_in_forked_child(submission: Submission, work: Path) -> dict:
    """Fork, stage in the limited child, return its report: {"ok": True}, {"error": ...}
    (the submission's) or {"fault": ...} (the grader's). Never waits more than
    STAGING_SECONDS for the child."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.close(read_fd)
            data = json.dumps(_child_report(submission, work)).encode()[: 1 << 16]
            while data:
                data = data[os.write(write_fd, data) :]
        finally:
            os._exit(0)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + STAGING_SECONDS
    timed_out = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([read_fd], [], [], left)[0]:
                timed_out = True
                break
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if timed_out or sys.exc_info()[0] is not None:
            os.kill(pid, signal.SIGKILL)
        os.close(read_fd)
        _, status = os.waitpid(pid, 0)
    if timed_out:
        return {"error": f"unpacking took longer than {STAGING_SECONDS} s"}
    try:
        report = json.loads(b"".join(chunks))
    except ValueError:
        report = {}
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
        return {"error": f"unpacking used more than {STAGING_SECONDS} s of CPU time"}
    if not isinstance(report, dict) or not report:
        return {"fault": f"the staging process ended without a report (status {status})"}
    return report


# --- the server ------------------------------------------------------------------------------


def serve() -> None:
    """The staging server's loop: one JSON request per line on stdin (hex-encoded paths),
    one JSON report per line on stdout; it ends when stdin closes or its parent dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the grader decides when it ends
    _die_with_parent()
    warm = False
    for line in sys.stdin.buffer:
        request = json.loads(line)
        path = Path(os.fsdecode(bytes.fromhex(request["path"])))
        work = Path(os.fsdecode(bytes.fromhex(request["work"])))
        report = stage_in_forked_child(Submission(request["name"], path), work)
        sys.stdout.write(json.dumps(report) + "\n")
        sys.stdout.flush()
        if report.get("notebooks") and not warm:
            from autograder.kit.notebooks import warm_up

            warm_up()  # nbconvert is slow to import: once here, not in every child
            warm = True


class _Server:
    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.owner = os.getpid()
        self.lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        package_parent = str(Path(__file__).resolve().parents[1])
        code = (
            f"import sys; sys.path.insert(0, {package_parent!r}); "
            "from autograder.staging import serve; serve()"
        )
        return subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # (library warnings; faults come back as reports)
            cwd="/",
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )

    def request(self, submission: Submission, work: Path) -> dict | None:
        """The server's report for `submission`; None when no server can be started."""
        with self.lock:
            if self.proc is None or self.proc.poll() is not None or self.owner != os.getpid():
                try:
                    self.proc, self.owner = self._start(), os.getpid()
                except OSError:
                    self.proc = None
                    return None
            line = {
                "name": submission.name,
                "path": os.path.abspath(os.fsencode(submission.path)).hex(),  # (it runs in /)
                "work": os.path.abspath(os.fsencode(work)).hex(),
            }
            try:
                assert self.proc.stdin is not None and self.proc.stdout is not None
                self.proc.stdin.write(json.dumps(line).encode() + b"\n")
                self.proc.stdin.flush()
                ready = select.select([self.proc.stdout], [], [], STAGING_SECONDS + _SERVER_SLACK)
                answer = self.proc.stdout.readline() if ready[0] else b""
                report = json.loads(answer) if answer else None
            except (OSError, ValueError):
                report = None
            if not isinstance(report, dict):
                self.close_locked()
                return {"fault": "the staging server stopped answering"}
            return report

    def close_locked(self) -> None:
        if self.proc is not None and self.owner == os.getpid():
            self.proc.kill()
            self.proc.wait()
        self.proc = None


_SERVER = _Server()


def stage_in_child(submission: Submission, work: Path) -> Path:
    """Stage `submission` into `work` in a limited child of the staging server; return
    `work/stage`. SubmissionError for the submission's faults, StagingFault for ours."""
    report = _SERVER.request(submission, work)
    if report is None:  # no interpreter to start a server with: fork this process instead
        report = stage_in_forked_child(submission, work)
    if report.get("ok"):
        return work / "stage"
    if "error" in report:
        raise SubmissionError(str(report["error"]))
    raise StagingFault(f"{report.get('fault')}\n{report.get('trace', '')}".strip())
