"""Grading one submission: the one pipeline every route uses.

    stage (unpack, copy exercises/*.py) -> run the hidden suite through a backend -> GradeResult

`torchgrade grade` (in its worker processes), the otter/Gradescope runtime and the
catalogue check all call `grade_one`; what they do with the `GradeResult` (results.json,
grades.csv, feedback, OK test cases) is the result model's business (`autograder.result`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from autograder import __version__
from autograder.judge.suites import HiddenSuite, run_hidden_suite
from autograder.result import GradeResult
from autograder.submissions import Submission, SubmissionError, stage

if TYPE_CHECKING:  # imported where used: the grader's parent process never needs torch
    from autograder.judge.student import Backend

# (staged root) -> backend. The isolated backend's factory also closes over its limits.
BackendFactory = Callable[[Path], "Backend"]


def in_process_backend(root: Path) -> Backend:
    from autograder.judge.student import InProcessBackend

    return InProcessBackend(root, "exercises")


def fingerprint(submission: Submission, exercises: list[str] | None) -> str:
    """What a result depends on: the submission's bytes, the grader version, the selection."""
    selection = ",".join(exercises) if exercises else "all"
    return f"{submission.fingerprint()}:{__version__}:{selection}"


def grade_one(
    submission: Submission, backend: BackendFactory, selection: HiddenSuite
) -> GradeResult:
    """Grade one submission with the hidden tests of `selection`, its code run by the backend
    that `backend` makes for the staged copy. Never raises for anything the submission does:
    a submission that cannot be staged or graded gets an error result with the reason."""
    start = time.perf_counter()
    result = GradeResult(
        submission.name,
        "graded",
        maximum=selection.maximum(),
        fingerprint=fingerprint(submission, selection.selection),
    )
    work = Path(tempfile.mkdtemp(prefix="torchgrade-submission-"))
    os.chmod(work, 0o700)  # other submissions' sandboxes must not read this one
    runner = None
    try:
        staged = stage(submission, work)
        runner = backend(staged)
        result.protections = list(getattr(runner, "protections", []))
        result.outcomes = run_hidden_suite(runner, staged, "exercises", selection.exercises)
    except SubmissionError as exc:
        result.status, result.error = "error", str(exc)
    except Exception as exc:  # a grader fault: still a result, with what happened
        result.status = "error"
        result.error = f"the grader failed on this submission: {type(exc).__name__}: {exc}"
        result.error += "\n" + traceback.format_exc(limit=3)
        result.fingerprint = ""  # never final: the next run tries again
    finally:
        if runner is not None:
            try:
                runner.close()
            except Exception:
                pass
        shutil.rmtree(work, ignore_errors=True)
    result.seconds = time.perf_counter() - start
    return result
