"""The torchgrade side of the otter-grader autograder: runs in otter's grading kernel.

Otter executes the entry notebook `torchgrade_grade.ipynb` as "the submission", then loads
one OK test file per hidden test from `tests/`. Both call into this module. The kernel is
trusted: no student code runs in it (the upload was moved out of its sight before it
started, see `container.py`). It grades the upload once, through the same pipeline and the
same isolated backend as `torchgrade grade` (student code in sandboxed children, per-call
time limits decided here), writes the grader's results for Gradescope, and each OK case
reports the outcome of its hidden test. A test skipped here (a CUDA test without a GPU) is
worth 0 points, so it leaves the maximum just as it does in `torchgrade grade`.

Nothing here raises for anything a submission does: a submission that cannot be staged or
graded fails every case with the reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import traceback
from dataclasses import replace
from pathlib import Path

ENTRY_NOTEBOOK = "torchgrade_grade.ipynb"  # the one notebook otter finds in the submission
UPLOAD_DIR = "torchgrade-upload"  # <autograder>/: the student's upload, out of otter's sight
RESULT_FILE = "torchgrade-results.json"  # <autograder>/: the grader's results.json
ENGINE_ROOT = Path(__file__).resolve().parents[2]  # holds autograder/ and solutions/

# A traceback line's path in the sandbox or the staging folder, shown from exercises/ on.
SANDBOX_PATH = re.compile(r'File "[^"\n]*?/(exercises/[^"\n/]+)"')

_RESULT = None  # this kernel's GradeResult, once graded


def grade(submission_dir: Path | None = None):
    """Grade the upload of the submission in `submission_dir` (default: the current folder,
    otter's `<autograder>/submission`), once per process; return the GradeResult."""
    global _RESULT
    if _RESULT is None:
        _RESULT = grade_folder(Path.cwd() if submission_dir is None else Path(submission_dir))
    return _RESULT


def grade_folder(submission_dir: Path, namespaces: bool = True):
    """Grade the upload of `<autograder>/submission` and write the grader's results.json to
    `<autograder>/torchgrade-results.json`; return the GradeResult. `namespaces=False`
    grades as in a container that forbids them (Docker's default): only the separate
    user, the file permissions and the rlimits protect."""
    from autograder.otter.settings import OtterSettings
    from autograder.result import GradeResult

    autograder_dir = submission_dir.resolve().parent
    work = Path(tempfile.mkdtemp(prefix="torchgrade-otter-"))
    settings = OtterSettings()
    try:
        settings = OtterSettings.load(ENGINE_ROOT)
        _ensure_data()
        upload = upload_of(autograder_dir, submission_dir, work)
        result = grade_upload(upload, settings, autograder_dir, namespaces)
    except Exception as exc:  # a grader fault: every case fails with the reason
        result = GradeResult.failed(
            "submission",
            f"the grader failed: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}",
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    try:
        write_results(result, settings, autograder_dir / RESULT_FILE)
    except OSError:
        pass  # otter run in a read-only place: otter's own results still come out
    return result


def upload_of(autograder_dir: Path, submission_dir: Path, work: Path) -> Path:
    """What the student handed in: the quarantined upload (a single zip or notebook in it
    stands for itself), else (no quarantine ran) a copy of the submission folder without
    otter's additions."""
    from autograder.otter.container import ENGINE_DIR, OTTER_ADDITIONS

    upload = autograder_dir / UPLOAD_DIR
    if not upload.is_dir():
        upload = work / "upload"
        upload.mkdir()
        for entry in sorted(submission_dir.iterdir()):
            if entry.name in OTTER_ADDITIONS or entry.name in (ENGINE_DIR, "__pycache__"):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.copytree(entry, upload / entry.name, symlinks=True)
            elif entry.is_file() and not entry.is_symlink():
                shutil.copy2(entry, upload / entry.name)
    entries = [e for e in upload.iterdir() if not e.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_file() and entries[0].suffix.lower() == ".zip":
        return entries[0]
    return upload


def grade_upload(upload: Path, settings, autograder_dir: Path, namespaces: bool = True):
    """The one grading pipeline, with the isolated backend, on `upload`."""
    from autograder.judge.pipeline import grade_one
    from autograder.judge.suites import HiddenSuite
    from autograder.sandbox import IsolatedBackend, default_zygote
    from autograder.submissions import Submission

    limits, zygote = settings.sandbox_limits(), default_zygote()
    hidden = [autograder_dir / "source" / "tests", autograder_dir / "submission" / "tests"]

    def backend(root: Path) -> IsolatedBackend:
        return IsolatedBackend(
            root, limits, zygote=zygote, hidden_paths=hidden, namespaces=namespaces
        )

    return grade_one(Submission("submission", upload), backend, HiddenSuite(settings.exercises))


def gradescope_results(result, settings) -> dict:
    """The grader's results.json for Gradescope: one test per hidden test with its
    visibility; skipped tests carry no pass/fail status (Gradescope would show "passed")."""
    from autograder.judge.suites import HiddenSuite
    from autograder.report.feedback import render_feedback

    if result.status != "graded" and not result.maximum:  # graded out of the suite's points
        result = replace(result, maximum=HiddenSuite(settings.exercises).maximum())
    data = result.to_gradescope()
    if all(settings.visibility_for(t["name"]) == "visible" for t in data["tests"]):
        # The feedback page's summary (per exercise, where to start), as torchgrade grade's
        # feedback has it; not where some tests are kept from students for now.
        data["output"] = render_feedback(data, "text")
    for test in data["tests"]:
        outcome = test.pop("extra_data", {}).get("outcome")  # hint and message: in the output
        test.pop("tags", None)
        test["output"] = concise(test["output"])
        test["visibility"] = settings.visibility_for(test["name"])
        if outcome == "skipped":
            test.pop("status", None)
            test["name"] += " (skipped)"
            test["extra_data"] = {"outcome": outcome}
    data["stdout_visibility"] = "visible" if settings.show_stdout else "hidden"
    if settings.leaderboard:
        data["leaderboard"] = leaderboard(result, settings)
    return data


def leaderboard(result, settings) -> list[dict]:
    """Gradescope's leaderboard columns: each entry's value ("<exercise>:<name>") as a hidden
    test of that exercise recorded it, 0 where none did (the test failed before measuring)."""
    columns = []
    for entry in settings.leaderboard:
        exercise, _, key = entry["value"].partition(":")
        recorded = [
            o.values[key]
            for o in result.outcomes
            if o.exercise == exercise and key in getattr(o, "values", {})
        ]
        value = recorded[0] if recorded else 0.0
        columns.append({"name": entry["name"], "value": value, "order": entry.get("order", "desc")})
    return columns


def concise(output: str) -> str:
    """A test's output as Gradescope shows it: traceback paths from `exercises/` on, and no
    traceback under a stub's NotImplementedError (it points at the stub's own `raise`)."""
    output = SANDBOX_PATH.sub(r'File "\1"', output)
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("NotImplementedError: "):
            return "\n".join(lines[: i + 1])
    return output


def dumps(results: dict) -> str:
    return json.dumps(results, ensure_ascii=False, separators=(",", ":"))


def write_results(result, settings, path: Path) -> None:
    text = dumps(gradescope_results(result, settings))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def _ensure_data() -> None:
    from autograder.kit.datagen import ensure_data

    ensure_data()


# --- used by the OK test files --------------------------------------------------------------


def case_points(name: str, declared: float) -> float:
    """The points hidden test `name` is worth here: 0 if it was skipped (no GPU), else its
    declared points (also when the suite could not run: the case then fails)."""
    outcome = _outcome(name)
    if outcome is not None and outcome.status == "skipped":
        return 0.0
    return float(declared)


def _outcome(name: str):
    return next((o for o in grade().outcomes if o.name == name), None)


def check(name: str) -> None:
    """Print nothing if hidden test `name` passed (or was skipped), else why it failed.

    OK cases are doctests that expect no output, so anything printed fails the case and is
    shown to the student: the test's hint and message, never its source or expected values."""
    result = grade()
    outcome = _outcome(name)
    if outcome is None:
        reason = result.error or "this test did not run"
        print(f"Your submission could not be graded: {reason.strip().splitlines()[0]}")
    elif outcome.status == "failed":
        print(outcome.message or "The test failed.")


def ok_test(name: str, points: float, hint: str) -> dict:
    """The OK-format test of one hidden test: one case that reports its outcome."""
    return {
        "name": name,
        "points": case_points(name, points),
        "suites": [
            {
                "type": "doctest",
                "scored": True,
                "setup": "",
                "teardown": "",
                "cases": [
                    {
                        "name": name,
                        "code": f">>> from autograder.otter.runtime import check\n"
                        f">>> check({name!r})\n",
                        "hidden": False,
                        "locked": False,
                        "failure_message": hint,
                    }
                ],
            }
        ],
    }
