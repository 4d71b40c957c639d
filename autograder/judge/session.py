"""A pytest session that collects the hidden suites once and runs them for many submissions.

`pytest.main` per submission configures pytest, imports and collects ~190 tests and builds
their fixture closures every time: for a stub submission that costs more than its tests.
A `SuiteSession` does that once per grading process, then runs the same collected items for
each submission with pytest's own run protocol (`pytest_runtest_protocol`, the hook that
`pytest_runtestloop` calls), exactly as a fresh session would:

- the submission's `student` proxy goes into the config's stash before each run;
- the last item of each run is run with `nextitem=None`, so pytest tears down every fixture
  (the session-scoped `student` and `reference` too) and the next run builds them afresh;
- pytest resets an item's fixture state after each run of it (what re-run plugins rely on);
- outcomes, and what tests record on their items (`record_property`), start from the
  collected state (points, hints, skips) for each run;
- so do the random generators: the test modules' own (`RNG = np.random.default_rng(...)`)
  and the global ones of torch, NumPy and `random`. Every submission gets the inputs a
  fresh session would give it, whichever submissions this process graded before (and the
  reference's values for them are the ones remembered).

Anything unexpected while setting up or running (pytest's internal errors, an interrupted
run) closes the session; the caller falls back to a fresh one.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import random
from collections.abc import Callable, Sequence
from contextlib import redirect_stderr, redirect_stdout
from functools import partial
from typing import Any

import pytest
from _pytest.config import _prepareconfig

from autograder.judge.plugin import STUDENT_KEY, GradingPlugin, TestOutcome
from autograder.judge.student import CodeProxy


class SessionError(RuntimeError):
    """The session could not be set up or broke during a run: use a fresh one."""


class SuiteSession:
    """The hidden suites of one exercise selection, collected once (see module docstring)."""

    def __init__(self, args: list[str]) -> None:
        self.plugin = GradingPlugin(None)
        self._log = io.StringIO()
        self._closed = False
        with redirect_stdout(self._log), redirect_stderr(self._log):
            try:
                self.config = _prepareconfig(args, plugins=[self.plugin])
                self.config._do_configure()
                self.session = pytest.Session.from_config(self.config)
                self.session.exitstatus = pytest.ExitCode.OK
                self.config.hook.pytest_sessionstart(session=self.session)
                self.config.hook.pytest_collection(session=self.session)
            except BaseException as exc:
                raise SessionError(f"collecting the hidden suites failed: {exc!r}") from exc
        if self.session.testsfailed or not self.session.items:
            raise SessionError(f"collecting the hidden suites failed:\n{self._log.getvalue()}")
        self.items: list[pytest.Item] = list(self.session.items)
        self._random = RandomState.of(self.items)
        self.tests = tuple(self.plugin.collected)  # what `HiddenSuite` holds, collected here
        self.collected: dict[str, TestOutcome] = copy.deepcopy(self.plugin.outcomes)
        # What a test records (`record_property`) stays on its item: each run starts afresh.
        self._properties = [list(item.user_properties) for item in self.items]

    def run(self, student: CodeProxy) -> tuple[dict[str, TestOutcome], str]:
        """Run every collected test with `student`; return the outcomes and pytest's output."""
        if self._closed:
            raise SessionError("the session is closed")
        self._random.restore()
        self.plugin.outcomes = {  # (deepcopy took as long as a stub's tests of one exercise)
            name: dataclasses.replace(outcome, values=dict(outcome.values))
            for name, outcome in self.collected.items()
        }
        self.config.stash[STUDENT_KEY] = student
        log = io.StringIO()
        hook: Any = self.config.hook
        try:
            with redirect_stdout(log), redirect_stderr(log):
                for index, item in enumerate(self.items):
                    item.user_properties[:] = self._properties[index]
                    following = self.items[index + 1] if index + 1 < len(self.items) else None
                    hook.pytest_runtest_protocol(item=item, nextitem=following)
                    if self.session.shouldfail or self.session.shouldstop:
                        raise SessionError(
                            f"pytest stopped: {self.session.shouldfail or self.session.shouldstop}"
                        )
        except BaseException:
            self.close()
            raise
        finally:
            del self.config.stash[STUDENT_KEY]
        return self.plugin.outcomes, log.getvalue()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with redirect_stdout(self._log), redirect_stderr(self._log):
            try:
                self.config.hook.pytest_sessionfinish(
                    session=self.session, exitstatus=self.session.exitstatus
                )
            finally:
                self.config._ensure_unconfigure()

    @property
    def closed(self) -> bool:
        return self._closed


class RandomState:
    """The state of every random generator a hidden-suite run may draw from, to start each
    run from: the global ones of torch, NumPy and `random`, and the test modules' own."""

    def __init__(self, generators: Sequence[Any] = ()) -> None:
        import numpy as np
        import torch

        self._saved: list[tuple[Callable[[Any], object], Any]] = [
            (torch.set_rng_state, torch.get_rng_state()),
            (np.random.set_state, np.random.get_state()),
            (random.setstate, random.getstate()),
        ]
        for generator in generators:
            if isinstance(generator, np.random.Generator):
                bits = generator.bit_generator
                self._saved.append((partial(setattr, bits, "state"), bits.state))
            elif isinstance(generator, torch.Generator | np.random.RandomState):
                self._saved.append((generator.set_state, generator.get_state()))
            elif isinstance(generator, random.Random):
                self._saved.append((generator.setstate, generator.getstate()))

    @classmethod
    def of(cls, items: Sequence[pytest.Item]) -> RandomState:
        """Now, with the generators at the top level of the items' modules."""
        modules = {id(m): m for m in (getattr(item, "module", None) for item in items) if m}
        return cls([value for module in modules.values() for value in vars(module).values()])

    def restore(self) -> None:
        for set_state, state in self._saved:
            set_state(state)


# --- one session per exercise selection, for the life of a grading process -----------------

_REUSE = False
_SESSIONS: dict[tuple[str, ...], SuiteSession] = {}
# pytest's terminal output and per-test capturing are not needed: outcomes come from the
# plugin, and pytest's output is captured around each run.
_TERMINAL_ARGS = ("-q", "--tb=no", "--no-header")
_SESSION_ARGS = ("-p", "no:terminal", "--capture=no")


def reuse_sessions(enabled: bool = True) -> None:
    """Called once by a batch grader's worker: later hidden-suite runs share collections."""
    global _REUSE
    _REUSE = enabled


def reusing() -> bool:
    return _REUSE


def prepared(files: Sequence[str], base_args: Sequence[str]) -> SuiteSession:
    """This process's session for `files`, collected now if it is not yet (a closed one, left
    by a broken run, is replaced)."""
    key = tuple(files)
    suite = _SESSIONS.get(key)
    if suite is None or suite.closed:
        args = [*files, *(a for a in base_args if a not in _TERMINAL_ARGS), *_SESSION_ARGS]
        suite = _SESSIONS[key] = SuiteSession(args)
    return suite


def run_collected(
    files: Sequence[str], base_args: Sequence[str], student: CodeProxy
) -> tuple[dict[str, TestOutcome], str]:
    """Run `files` with `student` in this process's session for them."""
    return prepared(files, base_args).run(student)
