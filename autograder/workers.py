"""The grading processes behind `torchgrade grade`: one submission at a time each.

Each worker is a spawned process that runs `init(init_arg)` once, then grades the
submissions the parent sends it over a pipe, one at a time, saying when it starts one and
sending back its result. Because the parent knows which submission each worker holds:

- a worker that dies charges only the submission it had started, and only after that
  submission was tried again in a fresh worker; every other submission is untouched;
- what is recorded for a submission that killed two workers, or met a fault of the
  grader's, comes from `on_crash` (the grade command makes it an error that is never final:
  a re-run tries it again);
- Ctrl-C (SIGINT, which a terminal sends to the whole process group) stops the pool within
  a fraction of a second: workers ignore SIGINT and are killed by the parent, which keeps
  every result that had arrived; a second Ctrl-C, while the grader still writes its
  reports, exits at once.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import sys
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from autograder.submissions import Submission

EXIT_INTERRUPTED = 130  # what a shell reports for a command ended by Ctrl-C
MAX_FAILED_STARTS = 3  # workers in a row that die before they are ready: give up
POLL_SECONDS = 0.2  # how often the parent looks at a Ctrl-C between messages


class WorkersCannotStart(RuntimeError):
    """Grading processes keep dying before they are ready (the grader's environment)."""


@dataclass
class PoolReport:
    """What happened in the pool, for the run's summary."""

    finished: int = 0
    retried: list[str] = field(default_factory=list)  # worker died; graded in a fresh one
    crashed: list[str] = field(default_factory=list)  # killed two workers: from on_crash
    faults: list[str] = field(default_factory=list)  # the grader failed on them: from on_crash
    worker_deaths: int = 0
    interrupted: bool = False

    def lines(self) -> list[str]:
        def names(items: list[str]) -> str:
            return ", ".join(items) if len(items) <= 5 else f"{len(items)} submissions"

        out = []
        if self.worker_deaths:
            out.append(
                f"{self.worker_deaths} grading process(es) died; only the submission each had "
                "started was affected"
            )
        if self.retried:
            out.append(f"graded again in a fresh process: {names(self.retried)}")
        if self.crashed:
            out.append(
                "error rows, the grading process died twice (not final: the next run tries "
                f"them again): {names(self.crashed)}"
            )
        if self.faults:
            out.append(
                "error rows, the grader failed (not final: the next run tries them again): "
                f"{names(self.faults)}"
            )
        return out


# --- worker side ---------------------------------------------------------------------------


def _worker_main(
    conn: Connection, init: Callable[[Any], None], task: Callable, init_arg: Any, limit: int
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    init(init_arg)
    conn.send(("ready", None))
    done = 0
    while limit == 0 or done < limit:
        try:
            submission = conn.recv()
        except EOFError:
            break
        if submission is None:
            break
        conn.send(("started", None))
        try:
            message = ("done", task(submission))
        except Exception:  # a fault of the grader's: reported, never the student's
            message = ("fault", traceback.format_exc(limit=5))
        conn.send(message)
        done += 1
    _exit_quickly()


def _exit_quickly() -> None:
    """End the worker as a normal exit would (atexit handlers: its zygote is closed), but
    without finalizing the interpreter: with torch and pandas imported that alone takes
    about two seconds, which the grader would wait for after the last submission."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    os._exit(0)


# --- parent side ---------------------------------------------------------------------------


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    ready: bool = False
    holding: Submission | None = None  # sent to it
    started: bool = False  # it said it began grading what it holds
    retiring: bool = False  # told to end


class WorkerPool:
    """`jobs` grading processes; see the module's docstring.

    `task(submission)` runs in a worker and returns a picklable result; `on_done(result)`
    runs in the parent as each arrives; `on_crash(submission, reason)` makes the result of a
    submission that killed two workers or met a fault of the grader's. With
    `one_per_worker` every submission gets a fresh process (student code imported into it)."""

    def __init__(
        self,
        jobs: int,
        init: Callable[[Any], None],
        init_arg: Any,
        task: Callable[[Submission], Any],
        on_done: Callable[[Any], None],
        on_crash: Callable[[Submission, str], Any],
        one_per_worker: bool = False,
    ) -> None:
        self.jobs = max(1, jobs)
        self.init, self.init_arg, self.task = init, init_arg, task
        self.on_done, self.on_crash = on_done, on_crash
        self.limit = 1 if one_per_worker else 0
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[_Worker] = []
        self.report = PoolReport()
        self._previous_handler: Any = None
        self._recording = self._exit_pending = False
        self._catching = False  # the pool's SIGINT handler is installed

    # -- Ctrl-C --

    def _on_sigint(self, signum: int, frame: Any) -> None:
        if not self.report.interrupted:
            self.report.interrupted = True
        elif self._recording:
            self._exit_pending = True  # once the result being written is whole
        else:
            self.exit_now()

    def _record(self, result: Any) -> None:
        """`on_done(result)`, never cut in half by a second Ctrl-C."""
        self._recording = True
        try:
            self.on_done(result)
        finally:
            self._recording = False
        if self._exit_pending:
            self.exit_now()

    def exit_now(self) -> None:
        """End the grader at once: workers killed (their sandboxes end with them)."""
        os.write(2, b"interrupted again: stopped at once (finished results are kept)\n")
        for worker in self.workers:
            if worker.process.pid is not None:
                try:
                    os.kill(worker.process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        os._exit(EXIT_INTERRUPTED)

    def restore_sigint(self) -> None:
        """Give Ctrl-C back to whoever had it before `run` (after the reports are written).
        After an interrupted run it stays with the pool: the command is ending, and a second
        Ctrl-C must end it at once until the very end (the interpreter's shutdown included,
        where a KeyboardInterrupt would kill it by the signal, with a traceback)."""
        if self.report.interrupted:
            return
        if self._previous_handler is not None:
            signal.signal(signal.SIGINT, self._previous_handler)
            self._previous_handler = None
        self._catching = False

    # -- lifecycle --

    def _start_worker(self) -> None:
        ours, theirs = self.context.Pipe()
        process = self.context.Process(
            target=_worker_main,
            args=(theirs, self.init, self.task, self.init_arg, self.limit),
            daemon=True,
        )
        # Blocked until the worker ignores it: a Ctrl-C during its start-up is not its own.
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        theirs.close()
        self.workers.append(_Worker(process, ours))

    def _end_all(self) -> None:
        """Idle workers are told to end (their zygotes close cleanly); after a Ctrl-C, or
        if one does not end within seconds, it is killed."""
        if not self.report.interrupted:
            for worker in self.workers:
                if not worker.retiring and not self.limit:
                    try:
                        worker.conn.send(None)
                    except OSError:
                        pass
            for worker in self.workers:
                worker.process.join(timeout=10)
        for worker in self.workers:
            if worker.process.exitcode is None:
                worker.process.kill()
        for worker in self.workers:
            worker.process.join(timeout=5)
            worker.conn.close()
        self.workers = []

    # -- the loop --

    def start(self, count: int) -> None:
        """Start the workers that `count` submissions need now, so that their start-up
        (seconds: torch, the sandbox's zygote, collecting the suites) overlaps what the caller
        does before `run`. From here on Ctrl-C is the pool's (see `run`)."""
        self._catch_sigint()
        while len(self.workers) < min(self.jobs, count):
            self._start_worker()

    def _catch_sigint(self) -> None:
        if self._catching:
            return
        self._catching = True
        try:
            self._previous_handler = signal.signal(signal.SIGINT, self._on_sigint)
        except ValueError:  # not the main thread: Ctrl-C stays as it was
            self._previous_handler = None

    def run(self, todo: list[Submission]) -> PoolReport:
        """Grade `todo`; return what happened. After a Ctrl-C the workers are killed and the
        report says `interrupted` (results that had arrived went to on_done); Ctrl-C then
        stays with the pool (a second one exits) until `restore_sigint`."""
        self._catch_sigint()
        queue = deque(todo)
        attempts: dict[str, int] = {}
        failed_starts = 0
        try:
            while (queue or self._busy()) and not self.report.interrupted:
                while len(self.workers) < min(self.jobs, len(queue) + self._busy()):
                    self._start_worker()
                handles: dict[Any, _Worker] = {}
                for worker in self.workers:
                    handles[worker.conn] = handles[worker.process.sentinel] = worker
                for handle in wait(list(handles), timeout=POLL_SECONDS):
                    worker = handles[handle]
                    if worker not in self.workers or self.report.interrupted:
                        continue  # handled through its other handle, or stopping
                    alive = self._drain(worker, queue)
                    if not alive or worker.process.exitcode is not None:
                        if not worker.ready and queue:
                            failed_starts += 1
                        self._dead(worker, queue, attempts)
                    elif worker.ready:
                        failed_starts = 0
                    if failed_starts >= MAX_FAILED_STARTS:
                        raise WorkersCannotStart(
                            f"{failed_starts} grading processes in a row ended while starting "
                            f"({_describe_exit(worker.process.exitcode)})"
                        )
        finally:
            self._end_all()
            if not self.report.interrupted:
                self.restore_sigint()
        return self.report

    def _busy(self) -> int:
        return sum(1 for w in self.workers if w.holding)

    def _drain(self, worker: _Worker, queue: deque) -> bool:
        """Handle every message the worker has sent; False once its pipe is closed."""
        try:
            while worker.conn.poll():
                kind, payload = worker.conn.recv()
                self._handle(worker, kind, payload, queue)
        except (EOFError, OSError):
            return False
        return True

    def _handle(self, worker: _Worker, kind: str, payload: Any, queue: deque) -> None:
        if kind == "ready":
            worker.ready = True
        elif kind == "started":
            worker.started = True
            return
        elif kind in ("done", "fault"):
            submission, worker.holding, worker.started = worker.holding, None, False
            if kind == "done":
                self.report.finished += 1
                self._record(payload)
            elif submission is not None:
                self.report.faults.append(submission.name)
                self._record(self.on_crash(submission, "the grader failed: " + payload))
            if self.limit:
                return  # it ends by itself after its one submission
        if queue and not worker.retiring:
            worker.holding = queue.popleft()
            worker.conn.send(worker.holding)
        elif not worker.holding and not worker.retiring:
            worker.retiring = True
            worker.conn.send(None)

    def _dead(self, worker: _Worker, queue: deque, attempts: dict[str, int]) -> None:
        """The worker's process ended (or its pipe broke)."""
        worker.process.join(timeout=5)
        if worker.process.exitcode is None:  # a broken pipe, yet still running: end it
            worker.process.kill()
            worker.process.join()
        worker.conn.close()
        self.workers.remove(worker)
        submission = worker.holding
        if submission is None:
            return  # it had finished its work
        if not worker.started:
            queue.appendleft(submission)  # never began it: not its fault
            return
        self.report.worker_deaths += 1
        attempts[submission.name] = attempts.get(submission.name, 0) + 1
        if attempts[submission.name] < 2:
            self.report.retried.append(submission.name)
            queue.appendleft(submission)  # first in line, for a fresh worker
            return
        self.report.crashed.append(submission.name)
        reason = f"the grading process died twice ({_describe_exit(worker.process.exitcode)})"
        self._record(self.on_crash(submission, reason))


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "it stopped answering"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
