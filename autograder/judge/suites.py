"""The hidden suites: collected once (names, points, hints, maxima) and run per submission.

`collect_hidden_suite` is the one source of what the suites hold: `torchgrade grade` takes
each exercise's maximum from it, `torchgrade build` the otter test cases. `run_hidden_suite`
runs them with the `student` fixture bound to a backend; the pipeline
(`autograder.judge.pipeline`) turns that run into a `GradeResult`.

Importing this module is cheap (no pytest, no torch): `torchgrade grade` builds its
`HiddenSuite` and starts its workers before anything heavy is imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.kit.registry import EXERCISE_NAMES

if TYPE_CHECKING:
    from autograder.judge.plugin import GradingPlugin
    from autograder.judge.student import Backend
    from autograder.result import TestOutcome

HIDDEN_DIR = Path(__file__).parent.parent / "hidden"

# No log capture, no end-of-session gc.collect() passes: the hidden suites run once per
# submission, and these plugins cost more than the tests of a stub submission.
_BASE_ARGS = (
    "--import-mode=importlib",
    "--rootdir",
    str(HIDDEN_DIR),
    "-c",
    str(HIDDEN_DIR / "pytest.ini"),
    "--tb=no",
    "--no-header",
    "-p",
    "no:logging",
    "-p",
    "no:unraisableexception",
    "-p",
    "no:threadexception",
    "-p",
    "no:doctest",
    "-p",
    "no:junitxml",
    "-p",
    "no:pastebin",
    "-p",
    "no:stepwise",
)


@dataclass(frozen=True)
class HiddenTest:
    """One hidden test (one case of a parametrized test) as collected, before any run."""

    __test__ = False  # not a pytest test class

    name: str  # "<exercise>::<test id>", as in the results
    exercise: str
    points: float  # declared, also for a test that is skipped on this machine
    hint: str
    cuda: bool
    skipped: bool = False  # skipped on this machine (a CUDA test without a GPU)
    skip_reason: str = ""

    @property
    def counted_points(self) -> float:
        """What the test adds to the maximum here: nothing when it is skipped."""
        return 0.0 if self.skipped else self.points


class HiddenSuite:
    """The hidden tests of some exercises (all of them when `exercises` is None), collected
    on first use; picklable and cheap to send uncollected: a grading worker collects it from
    the pytest session it runs the suites in (see `_collect`)."""

    def __init__(
        self, exercises: Iterable[str] | None = None, tests: Iterable[HiddenTest] | None = None
    ) -> None:
        self.exercises = None if exercises is None else tuple(exercises)
        self._tests = None if tests is None else tuple(tests)

    @property
    def tests(self) -> tuple[HiddenTest, ...]:
        return self.collect()._tests

    def collect(self) -> HiddenSuite:
        """Collect the tests now (once); return the suite."""
        if self._tests is None:
            self._tests = _collect(self.exercises)
        return self

    @property
    def selection(self) -> list[str] | None:
        """The exercises chosen, as the command line gives them (None: all)."""
        return None if self.exercises is None else list(self.exercises)

    def maximum(self) -> dict[str, float]:
        """Points available per exercise on this machine (skipped tests excluded)."""
        maximum = {name: 0.0 for name in EXERCISE_NAMES}
        for test in self.tests:
            maximum[test.exercise] += test.counted_points
        return maximum


def hidden_suite_files(exercises: Iterable[str] | None = None) -> list[str]:
    names = list(EXERCISE_NAMES if exercises is None else exercises)
    return [
        str(HIDDEN_DIR / f"test_{name}.py")
        for name in names
        if (HIDDEN_DIR / f"test_{name}.py").exists()
    ]


def collect_hidden_suite(exercises: Iterable[str] | None = None) -> HiddenSuite:
    """The hidden suite of `exercises` (default: all), collected now."""
    return HiddenSuite(exercises).collect()


def _collect(exercises: tuple[str, ...] | None) -> tuple[HiddenTest, ...]:
    """Every hidden test with its points and hint, in course order (nothing is run). A
    grading worker takes them from the session it runs the suites in: one collection."""
    import pytest

    from autograder.judge import session
    from autograder.judge.plugin import GradingPlugin

    files = hidden_suite_files(exercises)
    if not files:
        raise RuntimeError(f"no hidden suites in {HIDDEN_DIR}")
    if session.reusing():
        try:
            return tuple(sorted(session.prepared(files, _BASE_ARGS).tests, key=_order))
        except session.SessionError:
            pass  # collected afresh below, which says what is wrong
    plugin = GradingPlugin(None)
    _run(
        [*files, *_BASE_ARGS, "--collect-only"],
        plugin,
        (pytest.ExitCode.OK,),
        "collecting the hidden suite",
    )
    return tuple(sorted(plugin.collected, key=_order))


def _order(test: HiddenTest | TestOutcome) -> tuple[int, str]:
    return EXERCISE_NAMES.index(test.exercise), test.name


def run_hidden_suite(
    backend: Backend,
    source_root: Path | None,
    package: str = "exercises",
    exercises: Iterable[str] | None = None,
    extra_args: Iterable[str] = (),
) -> list[TestOutcome]:
    """Run the hidden tests with `student` bound to `backend`; each test's outcome, in course
    order. Never raises for student faults."""
    import pytest

    from autograder.judge import session
    from autograder.judge.plugin import GradingPlugin
    from autograder.judge.student import CodeProxy

    student = CodeProxy(backend, source_root, package)
    extra_args = list(extra_args)
    if session.reusing() and not extra_args:  # the worker's one collection, run again
        outcomes, _log = session.run_collected(hidden_suite_files(exercises), _BASE_ARGS, student)
        return sorted(outcomes.values(), key=_order)
    plugin = GradingPlugin(student)
    args = [*hidden_suite_files(exercises), *_BASE_ARGS, *extra_args]
    _run(args, plugin, (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), "the hidden suite")
    return sorted(plugin.outcomes.values(), key=_order)


def _run(args: list[str], plugin: GradingPlugin, ok: tuple[int, ...], what: str) -> str:
    """Run pytest; returns its output (for debugging the grader), raises if nothing ran."""
    from autograder.kit.pytest_run import run_pytest

    code, log = run_pytest(args, [plugin])
    if code not in ok or not plugin.outcomes:
        raise RuntimeError(f"{what} did not run (pytest exit {code}):\n{log}")
    return log
