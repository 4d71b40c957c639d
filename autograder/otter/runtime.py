"""The torchgrade side of the otter-grader autograder: runs inside otter's kernel.

Otter executes `torchgrade_grade.py` (copied into the submission folder) as if it were the
submission, then loads the OK test files `tests/<exercise>.py`. Both call into this module:
the hidden suites run once per submission, in-process, exactly as `torchgrade grade
--backend inprocess` runs them (same staging, same suites, same points), and each OK case
reports the outcome of one hidden test. A test skipped here (a CUDA test without a GPU) is
worth 0 points, so it leaves the maximum just as it does in `torchgrade grade`.

Nothing here raises for anything a submission does: a submission that cannot be staged or
graded fails every case with the reason.
"""

from __future__ import annotations

import shutil
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from autograder.judge.plugin import TestOutcome

ENGINE_DIR = "torchgrade"  # files/<ENGINE_DIR>/: the grading engine and the reference solutions
ENTRY_SCRIPT = "torchgrade_grade.py"  # the one top-level .py otter finds in the submission
# Entries that otter puts into the submission folder next to the student's files.
OTTER_ENTRIES = frozenset({ENGINE_DIR, ENTRY_SCRIPT, "tests", "__init__.py", "__pycache__"})


@dataclass
class SuiteRun:
    """The hidden suites' outcomes for the submission being graded (or why there are none)."""

    outcomes: dict[str, TestOutcome] = field(default_factory=dict)
    error: str = ""
    seconds: float = 0.0


_RUN: SuiteRun | None = None


def grade(submission: Path | None = None) -> SuiteRun:
    """Grade the submission in `submission` (default: the current folder), once per process."""
    global _RUN
    if _RUN is None:
        _RUN = run_suites(Path.cwd() if submission is None else Path(submission))
    return _RUN


def run_suites(submission: Path) -> SuiteRun:
    """Stage the student's files in `submission` and run every hidden suite on them."""
    from autograder.judge.student import InProcessBackend
    from autograder.judge.suites import run_hidden_suite
    from autograder.submissions import Submission, SubmissionError, stage

    work = Path(tempfile.mkdtemp(prefix="torchgrade-otter-"))
    try:
        _ensure_data()
        handed_in = student_submission(submission, work / "submission")
        staged = stage(Submission("submission", handed_in), work / "staging")
        backend = InProcessBackend(staged, "exercises")
        try:
            result = run_hidden_suite(backend, staged, "exercises")
        finally:
            backend.close()
        return SuiteRun({o.name: o for o in result.outcomes}, "", result.seconds)
    except SubmissionError as exc:
        return SuiteRun(error=str(exc))
    except Exception as exc:  # a grader fault: every case fails with the reason
        return SuiteRun(
            error=f"the grader failed: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def student_submission(submission: Path, dest: Path) -> Path:
    """What the student handed in, without otter's additions: the zip itself when the folder
    holds just that zip (a platform that does not unpack uploads), else a copy of the
    student's files in `dest`."""
    entries = [
        e
        for e in sorted(submission.iterdir())
        if e.name not in OTTER_ENTRIES and not e.is_symlink()
    ]
    zips = [e for e in entries if e.is_file() and e.suffix.lower() == ".zip"]
    unpacked = [e for e in entries if e.is_dir() or e.suffix.lower() in (".py", ".ipynb")]
    if len(zips) == 1 and not unpacked:
        return zips[0]
    dest.mkdir(parents=True)
    for entry in entries:
        if entry.is_dir():
            shutil.copytree(
                entry,
                dest / entry.name,
                symlinks=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )
        else:
            shutil.copy2(entry, dest / entry.name)
    return dest


def _ensure_data() -> None:
    try:
        from autograder.kit.datagen import ensure_data
    except ImportError:  # an engine without generated data
        return
    ensure_data()


# --- used by the OK test files --------------------------------------------------------------


def case_points(name: str, declared: float) -> float:
    """The points hidden test `name` is worth here: 0 if it was skipped (no GPU), else its
    declared points (also when the suite could not run: the case then fails)."""
    outcome = grade().outcomes.get(name)
    if outcome is not None and outcome.status == "skipped":
        return 0.0
    return float(declared)


def check(name: str) -> None:
    """Print nothing if hidden test `name` passed (or was skipped), else why it failed.

    OK cases are doctests that expect no output, so anything printed fails the case and is
    shown to the student: the test's hint and message, never its source or expected values."""
    run = grade()
    outcome = run.outcomes.get(name)
    if outcome is None:
        reason = run.error or "this test did not run"
        print(f"Your submission could not be graded: {reason.strip().splitlines()[0]}")
    elif outcome.status == "failed":
        print(outcome.message or "The test failed.")


def ok_case(name: str, points: float, hint: str) -> dict:
    """One OK-format test case that reports hidden test `name`."""
    return {
        "name": name,
        "code": f">>> from autograder.otter.runtime import check\n>>> check({name!r})\n",
        "hidden": False,
        "locked": False,
        "points": case_points(name, points),
        "failure_message": hint or None,
    }


def ok_test(exercise: str, cases: list[tuple[str, float, str]]) -> dict:
    """The OK test of one exercise: one case per (hidden test, points, hint)."""
    return {
        "name": exercise,
        "all_or_nothing": False,
        "suites": [
            {
                "type": "doctest",
                "scored": True,
                "setup": "",
                "teardown": "",
                "cases": [ok_case(*case) for case in cases],
            }
        ],
    }
