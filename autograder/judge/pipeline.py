"""Grading one submission, and the files that record it.

The pipeline for one submission: stage (unpack, copy exercises/*.py) -> run the hidden
suite through a backend -> a `GradeRecord` -> `DIR/<name>/results.json` (Gradescope's
format). `grades.csv` is rebuilt from the results files, so it always has exactly one row
per submission, however the run was interrupted.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from autograder import __version__
from autograder.files import read_json, write_atomic, write_csv_atomic
from autograder.judge.plugin import TestOutcome
from autograder.judge.student import Backend, InProcessBackend
from autograder.judge.suites import collect_hidden_suite, run_hidden_suite
from autograder.kit.registry import EXERCISE_NAMES
from autograder.submissions import Submission, SubmissionError, stage

GRADES_COLUMNS = ["submission", "status", "score", "max_score", "percent", *EXERCISE_NAMES, "error"]

# (staged root) -> backend. The isolated backend's factory also closes over its limits.
BackendFactory = Callable[[Path], Backend]


@dataclass
class GradeRecord:
    submission: str
    status: str  # graded | error
    error: str = ""
    outcomes: list[TestOutcome] = field(default_factory=list)
    seconds: float = 0.0
    protections: list[str] = field(default_factory=list)
    fingerprint: str = ""

    def exercise_scores(self, maximum: dict[str, float]) -> dict[str, dict[str, float]]:
        scores = {
            name: {"score": 0.0, "max_score": maximum.get(name, 0.0)} for name in EXERCISE_NAMES
        }
        if self.status == "graded":
            for name in scores:
                scores[name]["max_score"] = 0.0
            for o in self.outcomes:
                scores[o.exercise]["score"] += o.score
                scores[o.exercise]["max_score"] += o.max_score
        return scores


def suite_maximum(exercises: list[str] | None = None) -> dict[str, float]:
    """Points available per exercise on this machine (skipped tests excluded)."""
    maximum = {name: 0.0 for name in EXERCISE_NAMES}
    for outcome in collect_hidden_suite(exercises):
        maximum[outcome.exercise] += outcome.max_score
    return maximum


def fingerprint(submission: Submission, exercises: list[str] | None) -> str:
    """What a result depends on: the submission's bytes, the grader version, the selection."""
    selection = ",".join(exercises) if exercises else "all"
    return f"{submission.fingerprint()}:{__version__}:{selection}"


def in_process_backend(root: Path) -> Backend:
    return InProcessBackend(root, "exercises")


def grade_submission(
    submission: Submission,
    backend_factory: BackendFactory = in_process_backend,
    exercises: list[str] | None = None,
) -> GradeRecord:
    """Grade one submission. Never raises for anything the submission does."""
    start = time.perf_counter()
    record = GradeRecord(submission.name, "graded", fingerprint=fingerprint(submission, exercises))
    work = Path(tempfile.mkdtemp(prefix="torchgrade-submission-"))
    os.chmod(work, 0o700)  # other submissions' sandboxes must not read this one
    backend = None
    try:
        staged = stage(submission, work)
        backend = backend_factory(staged)
        record.protections = list(getattr(backend, "protections", []))
        record.outcomes = run_hidden_suite(backend, staged, "exercises", exercises).outcomes
    except SubmissionError as exc:
        record.status, record.error = "error", str(exc)
    except Exception as exc:  # a grader fault: still a row, with what happened
        record.status = "error"
        record.error = f"the grader failed on this submission: {type(exc).__name__}: {exc}"
        record.error += "\n" + traceback.format_exc(limit=3)
        record.fingerprint = ""  # never final: the next run tries again
    finally:
        if backend is not None:
            try:
                backend.close()
            except Exception:
                pass
        shutil.rmtree(work, ignore_errors=True)
    record.seconds = time.perf_counter() - start
    return record


def _test_entry(o: TestOutcome) -> dict:
    output = o.hint if o.status == "passed" else "\n".join(p for p in (o.hint, o.message) if p)
    if o.status == "skipped":
        output = f"Skipped: {o.message}"
    return {
        "name": o.name,
        "score": o.score,
        "max_score": o.max_score,
        "status": "failed" if o.status == "failed" else "passed",
        "output": output,
        "tags": [o.exercise],
        "visibility": "visible",
        "extra_data": {"outcome": o.status, "hint": o.hint, "message": o.message},
    }


def results_json(record: GradeRecord, maximum: dict[str, float]) -> dict:
    """The submission's results in Gradescope's format (plus our own extra_data)."""
    exercises = record.exercise_scores(maximum)
    score = sum(e["score"] for e in exercises.values())
    max_score = sum(e["max_score"] for e in exercises.values())
    percent = round(100 * score / max_score, 2) if max_score else 0.0
    if record.status == "graded":
        failed = sum(o.status == "failed" for o in record.outcomes)
        output = (
            f"{score:g} of {max_score:g} points ({percent:g} %). "
            f"{failed} test(s) failed; see each test for a hint."
        )
    else:
        output = f"Your submission could not be graded: {record.error.splitlines()[0]}"
    return {
        "score": score,
        "execution_time": round(record.seconds, 2),
        "output": output,
        "tests": [_test_entry(o) for o in record.outcomes] if record.status == "graded" else [],
        "extra_data": {
            "submission": record.submission,
            "status": record.status,
            "error": record.error,
            "max_score": max_score,
            "percent": percent,
            "exercises": exercises,
            "protections": record.protections,
            "fingerprint": record.fingerprint,
            "torchgrade_version": __version__,
        },
    }


def write_json_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def read_results(out_dir: Path, name: str) -> dict | None:
    return read_json(out_dir / name / "results.json")


def grades_row(results: dict) -> dict:
    extra = results["extra_data"]
    row = {
        "submission": extra["submission"],
        "status": extra["status"],
        "score": round(float(results["score"]), 4),
        "max_score": extra["max_score"],
        "percent": extra["percent"],
    }
    for name in EXERCISE_NAMES:  # an error row leaves them empty: nothing was graded
        score = extra["exercises"].get(name, {}).get("score", 0.0)
        row[name] = round(float(score), 4) if extra["status"] == "graded" else ""
    row["error"] = extra["error"].splitlines()[0] if extra["error"] else ""
    return row


def pending_row(name: str) -> dict:
    """The row of a submission not graded yet (an interrupted run): still a row, and
    `pending`, never mistaken for an error."""
    return {
        "submission": name,
        "status": "pending",
        "score": 0.0,
        "max_score": 0.0,
        "percent": 0.0,
        **{n: "" for n in EXERCISE_NAMES},
        "error": "not graded yet: run the same command again to finish",
    }


def read_grades_rows(out_dir: Path, names: list[str]) -> dict[str, dict]:
    """name -> grades row, from each results.json in `out_dir` (read once per run)."""
    rows = {}
    for name in names:
        results = read_results(out_dir, name)
        rows[name] = grades_row(results) if results is not None else pending_row(name)
    return rows


def write_grades_csv(out_dir: Path, rows: dict[str, dict]) -> Path:
    """grades.csv: one row per submission, sorted by name (UTF-8 with BOM, for Excel; no
    text cell reads as a formula)."""
    table = [[rows[name].get(c, "") for c in GRADES_COLUMNS] for name in sorted(rows)]
    return write_csv_atomic(out_dir / "grades.csv", GRADES_COLUMNS, table)
