"""`IsolatedBackend`: the hidden suites' `student` runs its calls in a sandboxed child.

One backend grades one submission. It asks the zygote for a child (see `child.py`), sends
it pickled requests (trusted -> untrusted) and decodes replies with `codec.loads`
(`torch.load(weights_only=True)`: plain containers and tensors only). A timeout, a crash,
`os._exit`, or a broken reply ends that child and fails the running test; the next call
starts a fresh child, so later tests still run. An exercise whose import fails (or
crashes, or hangs) fails every test of that exercise at once, without retrying.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import select
import signal
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from autograder import codec
from autograder.judge.student import StudentError
from autograder.sandbox import protections as osl
from autograder.sandbox import protocol
from autograder.sandbox.cgroups import memory_budget
from autograder.sandbox.config import SandboxConfig, SandboxPaths
from autograder.sandbox.limits import Limits, format_seconds, format_size
from autograder.sandbox.zygote import Zygote, ZygoteError, default_zygote

START_TIMEOUT = 60.0  # seconds for a child to come up (not the student's time)
EXIT_TIMEOUT = 10.0  # seconds for the supervisor to report the end of a child


class _Fatal(Exception):
    """The child is gone (or must go): carries the StudentError to raise."""

    def __init__(self, error: StudentError) -> None:
        super().__init__(str(error))
        self.error = error


class _Child:
    """One supervisor + worker pair, seen from the grader."""

    def __init__(
        self, zygote: Zygote, config: SandboxConfig, sink: Callable[[bytes], None]
    ) -> None:
        self.limits = config.limits
        channel, channel_theirs = socket.socketpair()
        status, status_theirs = socket.socketpair()
        out_read, out_write = os.pipe()
        try:
            self.supervisor = zygote.spawn(
                config.public(), [channel_theirs.fileno(), status_theirs.fileno(), out_write]
            )
            # The paths go to the supervisor alone, which has already forked the worker.
            status.sendall(config.paths_json() + b"\n")
        except BaseException:
            for s in (channel, status):
                s.close()
            os.close(out_read)
            raise
        finally:
            channel_theirs.close()
            status_theirs.close()
            os.close(out_write)
        os.set_blocking(out_read, False)
        self.channel, self.status, self.out_read = channel, status, out_read
        self.sink = sink
        self.frames = protocol.FrameBuffer()
        self._status_buffer = b""
        self.worker: int | None = None
        self.exit_status: int | None = None
        self.out_of_memory = False  # the sandbox's cgroup hit its memory limit
        self.supervisor_error = ""
        self.channel_closed = self.status_closed = self.output_closed = False
        self.protections: list[str] = []
        self.loaded: set[str] = set()
        self.closed = False

    # -- reading ----------------------------------------------------------------------------

    def _pump(self, timeout: float | None) -> None:
        """Read whatever is available on the three descriptors within `timeout`."""
        waitables = [
            x
            for x, done in (
                (self.channel, self.channel_closed),
                (self.status, self.status_closed),
                (self.out_read, self.output_closed),
            )
            if not done
        ]
        if not waitables:
            time.sleep(timeout or 0)
            return
        ready, _, _ = select.select(waitables, [], [], timeout)
        if self.out_read in ready:
            try:
                data = os.read(self.out_read, 1 << 16)
            except BlockingIOError:
                data = b"?"
            if not data:
                self.output_closed = True
            elif data != b"?":
                self.sink(data)
        if self.channel in ready:
            try:
                data = self.channel.recv(1 << 20)
            except (BlockingIOError, InterruptedError):
                data = b"?"
            except OSError:
                data = b""
            if not data:
                self.channel_closed = True
            elif data != b"?":
                self.frames.feed(data)
        if self.status in ready:
            try:
                data = self.status.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                self.status_closed = True
            self._status_buffer += data
            while b"\n" in self._status_buffer:
                line, self._status_buffer = self._status_buffer.split(b"\n", 1)
                self._on_status(json.loads(line))

    def _on_status(self, event: dict) -> None:
        if event.get("event") == "started":
            self.worker = int(event["pid"])
            self.protections = [str(p) for p in event.get("protections", [])]
        elif event.get("event") == "exit":
            self.exit_status = int(event["status"])
            self.out_of_memory = bool(event.get("oom"))
        elif event.get("event") == "error":
            self.supervisor_error = str(event.get("message", ""))

    def _until(self, condition: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._pump(left)
        return True

    # -- lifecycle --------------------------------------------------------------------------

    def wait_started(self) -> None:
        """Wait for the supervisor's 'started' and the worker's hello (before any student
        code runs, so what they report is trustworthy)."""
        hello: list[bytes] = []

        def ready() -> bool:
            if not hello:
                frame = self.frames.next_frame()
                if frame is not None:
                    hello.append(frame)
            return bool(hello and self.worker) or self.status_closed or self.channel_closed

        self._until(ready, START_TIMEOUT)
        if not hello or self.worker is None:
            reason = self.supervisor_error or "it exited before it was ready"
            self.kill()
            raise ZygoteError(f"the sandbox child did not start: {reason}")
        _, status, payload = protocol.parse_reply(hello[0])
        report = json.loads(payload) if status == protocol.HELLO else {}
        self.protections += [str(n) for n in report.get("notes", [])]

    def request(self, seq: int, message: dict, timeout: float) -> tuple[int, bytes]:
        """Send one request; return (status, payload) of its reply, or raise _Fatal."""
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self.channel.settimeout(timeout)
        try:
            protocol.send_frame(self.channel, data)
        except TimeoutError:
            raise _Fatal(_timeout(timeout)) from None
        except OSError:
            raise _Fatal(self._death()) from None
        finally:
            self.channel.setblocking(False)
        reply: list[bytes] = []

        def done() -> bool:
            if not reply:
                frame = self.frames.next_frame()
                if frame is not None:
                    reply.append(frame)
            return bool(reply) or self.channel_closed

        try:
            finished = self._until(done, timeout)
        except (protocol.ProtocolError, ValueError) as exc:
            raise _Fatal(
                StudentError("Crash", f"the process sent an invalid reply ({exc})")
            ) from None
        if not finished:
            raise _Fatal(_timeout(timeout))
        if not reply:
            raise _Fatal(self._death())
        try:
            got_seq, status, payload = protocol.parse_reply(reply[0])
        except protocol.ProtocolError as exc:
            raise _Fatal(
                StudentError("Crash", f"the process sent an invalid reply ({exc})")
            ) from None
        if got_seq != seq or status == protocol.HELLO:
            raise _Fatal(StudentError("Crash", "the process sent a reply out of turn"))
        return status, payload

    def _death(self) -> StudentError:
        """The worker closed its channel: wait for the supervisor's exit report."""
        self._until(lambda: self.exit_status is not None or self.status_closed, EXIT_TIMEOUT)
        if self.out_of_memory:
            return StudentError(
                "MemoryError",
                f"exceeded {format_size(memory_budget(self.limits))} in all its processes "
                "(the submission's memory limit)",
            )
        return describe_exit(self.exit_status, self.limits)

    def kill(self) -> None:
        """End the worker and everything it started; wait until the supervisor confirms."""
        if self.closed:
            return
        try:
            self.status.sendall(b"kill\n")
        except OSError:
            pass
        self._until(lambda: self.exit_status is not None or self.status_closed, EXIT_TIMEOUT)
        if self.exit_status is None and self.worker is not None and os.geteuid() == 0:
            try:  # the supervisor did not answer: the worker's pid is still ours to end
                os.kill(self.worker, signal.SIGKILL)
            except OSError:
                pass
        # Drain what is left of the output so nothing is lost, then close.
        self._until(lambda: self.output_closed, 1.0)
        self.closed = True
        self.channel.close()
        self.status.close()
        os.close(self.out_read)


def _timeout(seconds: float) -> StudentError:
    return StudentError("Timeout", f"timed out after {format_seconds(seconds)}")


def describe_exit(status: int | None, limits: Limits | None = None) -> StudentError:
    """A StudentError for a child that ended on its own (crash, os._exit, signal)."""
    if status is None:
        return StudentError("Crash", "the process ended unexpectedly")
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            cpu = f" of {limits.cpu_time} s" if limits else ""
            return StudentError("CPUTimeLimit", f"exceeded the CPU time limit{cpu}")
        if sig == signal.SIGKILL:
            return StudentError(
                "Crash", "the process was killed (SIGKILL): too much memory or CPU time"
            )
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        return StudentError("Crash", f"the process crashed ({name})")
    return StudentError(
        "Crash",
        f"the process exited with code {os.WEXITSTATUS(status)} "
        "(os._exit, sys.exit in a thread, or a fatal error)",
    )


MAX_TIMEOUTS_PER_FUNCTION = 2  # then that function's (or probe's) other calls fail at once
MAX_TIMEOUTS_PER_EXERCISE = 4  # then every call into the exercise does


class IsolatedBackend:
    """Runs a submission's code in a sandboxed child process (Backend protocol).

    `submission_root` holds `exercises/`. Not thread-safe: one backend serves one
    submission's hidden suite; many backends (sequential or in threads) may share a zygote.
    `protections` lists, in words, what isolation the OS actually gave the child."""

    def __init__(
        self,
        submission_root: Path,
        limits: Limits | None = None,
        *,
        zygote: Zygote | None = None,
        hidden_paths: Iterable[Path] = (),
        readable_paths: Iterable[Path] | None = None,
        package: str = "exercises",
        namespaces: bool = True,
        drop_user: bool = True,
        user_namespace: bool = False,
        cgroups: bool = True,
    ) -> None:
        self.limits = limits or Limits()
        self.zygote = zygote or default_zygote()
        self.package = package
        readable = [
            *osl.default_readable_paths(),
            *(Path(p).resolve() for p in readable_paths or ()),
        ]
        hidden = [*osl.secret_paths(), *(Path(p).resolve() for p in hidden_paths)]
        self.config = SandboxConfig(
            package=package,
            limits=self.limits,
            namespaces=namespaces,
            drop_user=drop_user,
            user_namespace=user_namespace,
            cgroups=cgroups,
            paths=SandboxPaths(
                submission_root=str(Path(submission_root).resolve()),
                hidden=tuple(str(p) for p in hidden),
                readable=tuple(str(p) for p in readable),
            ),
        )
        # The submission's wall-clock budget, from now (starting its sandbox included).
        self.deadline = time.monotonic() + self.limits.submission_timeout
        self.output = bytearray()  # the student's stdout/stderr, first `max_output` bytes
        self.output_dropped = 0
        self.children_started = 0
        self._child: _Child | None = None
        self._import_errors: dict[str, StudentError] = {}
        # (exercise, function or probe) and (exercise, None) -> calls that timed out
        self._timeouts: dict[tuple[str, str | None], int] = {}
        self._timeout_override: float | None = None
        self._seq = 0
        self.protections: list[str] = []
        self._ensure_child()
        self.protections = list(self._child.protections) if self._child else []
        self.protections.append(
            f"wall-clock budget per submission: {format_seconds(self.limits.submission_timeout)}"
            ", then its remaining tests fail"
        )

    # -- Backend protocol ---------------------------------------------------------------------

    def call(self, exercise: str, function: str, args: tuple, kwargs: dict) -> Any:
        return self._run(
            exercise,
            {
                "op": "call",
                "exercise": exercise,
                "function": function,
                "args": args,
                "kwargs": kwargs,
            },
            function,
        )

    def probe(self, exercise: str, probe_fn: Callable, args: tuple, kwargs: dict) -> Any:
        module = probe_fn.__module__
        if not module.startswith("autograder.probes."):
            raise ValueError(f"{probe_fn.__qualname__} is not a probe (autograder/probes/)")
        return self._run(
            exercise,
            {
                "op": "probe",
                "exercise": exercise,
                "probe_module": module,
                "probe_name": probe_fn.__qualname__,
                "args": args,
                "kwargs": kwargs,
            },
            probe_fn.__name__,
        )

    def close(self) -> None:
        if self._child is not None:
            self._child.kill()
            self._child = None

    def __enter__(self) -> IsolatedBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def output_text(self) -> str:
        text = self.output.decode("utf-8", errors="replace")
        if self.output_dropped:
            text += f"\n[… {self.output_dropped} more bytes of output not kept]"
        return text

    # -- internals ----------------------------------------------------------------------------

    def _keep_output(self, data: bytes) -> None:
        room = self.limits.max_output - len(self.output)
        if room > 0:
            self.output += data[:room]
        self.output_dropped += max(0, len(data) - max(room, 0))

    def _ensure_child(self) -> _Child:
        if self._child is None:
            child = _Child(self.zygote, self.config, self._keep_output)
            child.wait_started()
            self._child = child
            self.children_started += 1
        return self._child

    @contextlib.contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        """Calls inside may take up to `seconds` (never less than the configured timeout):
        for a test whose contract allows a long run, such as training a classifier."""
        previous = self._timeout_override
        self._timeout_override = max(seconds, self.limits.timeout)
        try:
            yield
        finally:
            self._timeout_override = previous

    def _budget_left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            if self._child is not None:  # nothing of it may run on
                self._child.kill()
                self._child = None
            raise StudentError(
                "Timeout",
                "not run: the submission used up its time budget of "
                f"{format_seconds(self.limits.submission_timeout)} (--submission-timeout)",
            )
        return left

    def _run(self, exercise: str, message: dict, what: str) -> Any:
        self._budget_left()
        if exercise in self._import_errors:
            raise self._import_errors[exercise]
        # A hanging function would cost a full timeout in every test that calls it.
        for key, most in (
            ((exercise, what), MAX_TIMEOUTS_PER_FUNCTION),
            ((exercise, None), MAX_TIMEOUTS_PER_EXERCISE),
        ):
            if self._timeouts.get(key, 0) >= most:
                where = what if key[1] else exercise
                raise StudentError(
                    "Timeout", f"not run: {most} earlier calls into {where} timed out"
                )
        try:
            return self._run_in_child(exercise, message, what)
        except StudentError as error:
            if error.kind == "Timeout":
                for key in ((exercise, what), (exercise, None)):
                    self._timeouts[key] = self._timeouts.get(key, 0) + 1
            raise

    def _run_in_child(self, exercise: str, message: dict, what: str) -> Any:
        child = self._ensure_child()
        if exercise not in child.loaded:
            try:
                self._round_trip(child, {"op": "load", "exercise": exercise}, "import")
            except StudentError as error:
                if error.kind not in ("ImportError", "SyntaxError", "MissingFile"):
                    error = StudentError(
                        error.kind,
                        f"while importing {self.package}/{exercise}.py: {error.message}",
                        error.detail,
                        error.kinds,
                    )
                self._import_errors[exercise] = error
                raise error from None
            child.loaded.add(exercise)
        return self._round_trip(child, message, what)

    def _round_trip(self, child: _Child, message: dict, what: str) -> Any:
        self._seq += 1
        message["seq"] = self._seq
        timeout = self._timeout_override or self.limits.timeout
        budget = self._budget_left()
        try:
            status, payload = child.request(self._seq, message, min(timeout, budget))
        except _Fatal as fatal:
            child.kill()
            self._child = None
            if fatal.error.kind == "Timeout" and budget < timeout:
                raise StudentError(
                    "Timeout",
                    "timed out: the submission used up its time budget of "
                    f"{format_seconds(self.limits.submission_timeout)} (--submission-timeout)",
                ) from None
            raise fatal.error from None
        if status == protocol.ERROR:
            try:
                kind, text, detail, kinds = protocol.parse_error(payload)
            except protocol.ProtocolError as exc:
                child.kill()
                self._child = None
                raise StudentError("Crash", f"the process sent an invalid reply ({exc})") from None
            raise self._explain(StudentError(kind, text, detail, kinds))
        try:
            return codec.loads(payload)
        except Exception as exc:
            reason = str(exc) if isinstance(exc, codec.UnsupportedValue) else "malformed"
            raise StudentError(
                "UnsupportedValue",
                f"{what} returned a value that could not be decoded safely ({reason})",
            ) from None

    def _explain(self, error: StudentError) -> StudentError:
        """Name the limit behind an error that a limit caused."""
        text = error.message
        if (
            error.kind == "MemoryError"
            or "can't allocate memory" in text
            or "DefaultCPUAllocator" in text
        ):
            return StudentError(
                "MemoryError",
                f"exceeded {format_size(self.limits.memory)} (memory limit)",
                error.detail,
                error.kinds,
            )
        if "[Errno 27]" in text:  # EFBIG: RLIMIT_FSIZE
            return StudentError(
                error.kind,
                f"exceeded the file size limit of {format_size(self.limits.max_file_size)}",
                error.detail,
                error.kinds,
            )
        return error


def backend_factory(
    limits: Limits | None = None,
    hidden_paths: Iterable[Path] = (),
    readable_paths: Iterable[Path] | None = None,
    zygote: Zygote | None = None,
) -> Callable[[Path], IsolatedBackend]:
    """`(staged submission root) -> IsolatedBackend` for the batch grader. Starts the
    zygote now (in the background) so its imports overlap with the grader's own set-up."""
    zygote = zygote or default_zygote()
    hidden = [Path(p) for p in hidden_paths]
    readable = None if readable_paths is None else [Path(p) for p in readable_paths]

    def factory(root: Path) -> IsolatedBackend:
        return IsolatedBackend(
            root, limits, zygote=zygote, hidden_paths=hidden, readable_paths=readable
        )

    return factory
