"""Run the hidden suites against one submission and return its per-test outcomes."""

from __future__ import annotations

import io
import time
from collections.abc import Iterable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autograder.judge import session
from autograder.judge.plugin import HIDDEN_DIR, GradingPlugin, TestOutcome
from autograder.judge.student import Backend, CodeProxy
from autograder.kit.registry import EXERCISE_NAMES


@dataclass
class SuiteResult:
    outcomes: list[TestOutcome]
    seconds: float
    log: str = field(default="", repr=False)  # pytest's own output, for debugging the grader

    def exercise_scores(self) -> dict[str, tuple[float, float]]:
        """exercise -> (score, max_score); skipped tests count in neither."""
        scores = {name: (0.0, 0.0) for name in EXERCISE_NAMES}
        for o in self.outcomes:
            got, top = scores[o.exercise]
            scores[o.exercise] = (got + o.score, top + o.max_score)
        return scores


# No cache, no log capture, no end-of-session gc.collect() passes: the hidden suites run once
# per submission, and these plugins cost more than the tests of a stub submission.
_BASE_ARGS = (
    "-q",
    "--import-mode=importlib",
    "--rootdir",
    str(HIDDEN_DIR),
    "-c",
    str(HIDDEN_DIR / "pytest.ini"),
    "--tb=no",
    "--no-header",
    "-p",
    "no:cacheprovider",
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


def hidden_suite_files(exercises: Iterable[str] | None = None) -> list[str]:
    names = list(EXERCISE_NAMES if exercises is None else exercises)
    return [
        str(HIDDEN_DIR / f"test_{name}.py")
        for name in names
        if (HIDDEN_DIR / f"test_{name}.py").exists()
    ]


def collect_hidden_suite(exercises: Iterable[str] | None = None) -> list[TestOutcome]:
    """Every hidden test with its points, without running anything (skips have 0 points)."""
    plugin = GradingPlugin(None)
    _run_pytest(
        [*hidden_suite_files(exercises), *_BASE_ARGS, "--collect-only"],
        plugin,
        (pytest.ExitCode.OK,),
        "collecting the hidden suite",
    )
    return sorted(plugin.outcomes.values(), key=_order)


def _order(outcome: TestOutcome) -> tuple[int, str]:
    return EXERCISE_NAMES.index(outcome.exercise), outcome.name


def run_hidden_suite(
    backend: Backend,
    source_root: Path | None,
    package: str = "exercises",
    exercises: Iterable[str] | None = None,
    extra_args: Iterable[str] = (),
) -> SuiteResult:
    """Run the hidden tests with `student` bound to `backend`. Never raises for student faults."""
    student = CodeProxy(backend, source_root, package)
    extra_args = list(extra_args)
    if session.reusing() and not extra_args:
        start = time.perf_counter()
        outcomes, log = session.run_collected(hidden_suite_files(exercises), _BASE_ARGS, student)
        return SuiteResult(sorted(outcomes.values(), key=_order), time.perf_counter() - start, log)
    plugin = GradingPlugin(student)
    args = [*hidden_suite_files(exercises), *_BASE_ARGS, *extra_args]
    start = time.perf_counter()
    log = _run_pytest(
        args, plugin, (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), "the hidden suite"
    )
    seconds = time.perf_counter() - start
    return SuiteResult(sorted(plugin.outcomes.values(), key=_order), seconds, log)


def _run_pytest(args: list[str], plugin: GradingPlugin, ok: tuple[int, ...], what: str) -> str:
    """pytest.main with its output captured; returns that output, raises if nothing ran."""
    log = io.StringIO()
    with redirect_stdout(log), redirect_stderr(log):
        code = pytest.main(args, plugins=[plugin])
    if code not in ok or not plugin.outcomes:
        raise RuntimeError(f"{what} did not run (pytest exit {code}):\n{log.getvalue()}")
    return log.getvalue()
