"""The pytest plugin that turns a hidden-suite run into per-test points.

Hidden tests carry `@pytest.mark.points(n)` and a one-line docstring, the hint a student
sees. The plugin hands the suite its `student` proxy, skips CUDA tests where no GPU exists
(their points leave the maximum) and records one `TestOutcome` per test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.judge.checks import Mismatch
from autograder.judge.student import CodeProxy, StudentError
from autograder.judge.suites import HiddenTest
from autograder.result import TestOutcome

NO_CUDA_REASON = "needs a CUDA GPU and none is available here; not counted in the maximum"


def points_of(item: pytest.Item) -> float:
    marker = item.get_closest_marker("points")
    if marker is None or not marker.args:
        raise pytest.UsageError(f"{item.nodeid}: hidden tests need @pytest.mark.points(n)")
    return float(marker.args[0])


def hint_of(item: pytest.Item) -> str:
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    return " ".join(doc.split())


def exercise_of(item: pytest.Item) -> str:
    return Path(str(item.fspath)).stem.removeprefix("test_")


def safe_message(excinfo: pytest.ExceptionInfo | None) -> str:
    if excinfo is None:
        return ""
    exc = excinfo.value
    if isinstance(exc, StudentError):
        text = str(exc)
        return text if not exc.detail else f"{text}\n{exc.detail}"
    if isinstance(exc, Mismatch):
        return str(exc)
    if isinstance(exc, AssertionError):
        return "Your result did not match the reference."
    return f"The check could not use your result ({type(exc).__name__})."


class GradingPlugin:
    """Registered by the suites runner: the collected tests, and their outcomes for one
    submission."""

    def __init__(self, student: CodeProxy | None) -> None:
        self.student = student
        self.collected: list[HiddenTest] = []
        self.outcomes: dict[str, TestOutcome] = {}
        self._names: dict[str, str] = {}  # pytest node id -> outcome name

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        if self.student is not None:
            config.stash[STUDENT_KEY] = self.student

    @pytest.hookimpl(trylast=True)  # after the hidden conftest has marked CUDA skips
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            exercise = exercise_of(item)
            name = f"{exercise}::{item.name}"
            self._names[item.nodeid] = name
            skip = item.get_closest_marker("skip")
            test = HiddenTest(
                name,
                exercise,
                points_of(item),
                hint_of(item),
                item.get_closest_marker("cuda") is not None,
                skip is not None,
                skip.kwargs.get("reason", "") if skip else "",
            )
            self.collected.append(test)
            status, message = ("skipped", test.skip_reason) if skip else ("failed", "not run")
            self.outcomes[name] = TestOutcome(
                name, exercise, test.counted_points, 0.0, status, test.hint, message
            )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome = self.outcomes.get(self._names.get(report.nodeid, ""))
        if outcome is None:
            return
        if report.when == "call":
            for key, value in report.user_properties:
                if isinstance(value, int | float):
                    outcome.values[str(key)] = float(value)
        if report.skipped:
            outcome.status, outcome.score, outcome.max_score = "skipped", 0.0, 0.0
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
            outcome.message = str(reason).removeprefix("Skipped: ")
        elif report.failed:
            if outcome.status != "failed" or outcome.message == "not run":  # keep the first
                outcome.message = str(report.longrepr)
            outcome.status, outcome.score = "failed", 0.0
        elif report.when == "call" and outcome.status != "skipped":
            outcome.status, outcome.score, outcome.message = "passed", outcome.max_score, ""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo
    ) -> pytest.TestReport:
        """The report, with the student-safe message as its text. pytest's own traceback
        formatting is never shown and costs more than all the tests of a stub submission."""
        excinfo = call.excinfo
        if excinfo is None:
            outcome, longrepr = "passed", None
        elif excinfo.errisinstance(pytest.skip.Exception):
            outcome = "skipped"
            longrepr = (str(item.path), item.location[1], f"Skipped: {excinfo.value.msg}")
        else:
            outcome, longrepr = "failed", safe_message(excinfo) or "The test failed."
        return pytest.TestReport(
            item.nodeid,
            item.location,
            {},
            outcome,
            longrepr,
            call.when,
            duration=call.duration,
            start=call.start,
            stop=call.stop,
            user_properties=item.user_properties,
        )


STUDENT_KEY = pytest.StashKey[CodeProxy]()
