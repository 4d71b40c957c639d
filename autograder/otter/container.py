"""The trusted steps around otter: before it looks at the upload, and after it has finished.

Otter picks "the submission" by globbing the top of `<autograder>/submission/` and runs it
in a Jupyter kernel whose working directory (and import path) is that folder. So before
otter or the kernel sees anything, the student's upload is moved out of that folder into
`<autograder>/torchgrade-upload/` (`quarantine_upload`): otter then finds only our entry
notebook, whatever the upload's shape (loose modules, several notebooks, a course folder
with its `conftest.py`), and no uploaded file can shadow a module the kernel imports.

- Gradescope and `otter grade` run `run_autograder` -> `run_otter.py` (ours): it quarantines
  the upload, locks the engine's secrets (`lock_engine`), runs otter, and then writes
  `results/results.json` from the grader's own result (`write_gradescope_results`).
- `otter run` runs otter in-process: `TorchgradePlugin.before_grading` (listed in the zip's
  `otter_config.json`) does the same quarantine and locking before the kernel starts.

The kernel then grades the quarantined upload with the isolated backend (`runtime.grade`).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path

from autograder.otter.runtime import ENTRY_NOTEBOOK, RESULT_FILE, UPLOAD_DIR
from autograder.sandbox import protections as osl

ENGINE_DIR = "torchgrade"  # source/files/<ENGINE_DIR>: the engine, the solutions, the settings
CONTAINER_ROOT = Path("/autograder")  # Gradescope's and otter grade's autograder folder
# Entries otter adds to the submission folder; everything else there came from the student.
OTTER_ADDITIONS = frozenset({"tests", ENTRY_NOTEBOOK, "__init__.py"})


def engine_dir(autograder_dir: Path) -> Path:
    return Path(autograder_dir) / "source" / "files" / ENGINE_DIR


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def quarantine_upload(autograder_dir: Path, otter_prepared: bool) -> Path:
    """Move the student's files out of `<autograder>/submission/` into the upload folder.

    `otter_prepared`: otter has already copied its files in (the plugin's case); those stay,
    except the engine copy (never used: the kernel imports `source/files/torchgrade`) and
    an uploaded `__init__.py`, which is emptied."""
    submission = Path(autograder_dir) / "submission"
    upload = Path(autograder_dir) / UPLOAD_DIR
    upload.mkdir(mode=0o700, exist_ok=True)
    for entry in sorted(submission.iterdir()):
        if otter_prepared and entry.name in OTTER_ADDITIONS:
            if entry.name == "__init__.py" and not entry.is_symlink():
                entry.write_text("", encoding="utf-8")
            continue
        if otter_prepared and entry.name in (ENGINE_DIR, "__pycache__"):
            _remove(entry)
            continue
        target = upload / entry.name
        if os.path.lexists(target):  # the same name twice (a second pass): keep the first
            _remove(entry)
        else:
            os.rename(entry, target)
    return upload


def _chmod(path: Path, mode: int) -> None:
    if path.exists() and not path.is_symlink():
        os.chmod(path, mode)


def lock_engine(autograder_dir: Path, container: bool) -> list[str]:
    """As root, make what student code must not read root-only (0700): the reference
    solutions, the hidden suites, otter's test files, the upload and the results; and let
    the sandbox user reach the engine's other modules, its probes and the data (and, in a
    container, the Python installation). Returns what was changed, in words.

    This is what protects the secrets where the sandbox gets no mount namespace (Docker's
    default seccomp profile forbids them): the child then runs as its own unprivileged
    user and file permissions are all that stands between it and the reference."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return []
    root = Path(autograder_dir).resolve()
    engine = engine_dir(root)
    notes = []
    secret = [
        root / "source" / "tests",
        root / "submission" / "tests",
        root / UPLOAD_DIR,
        root / RESULT_FILE,
        root / "submission_metadata.json",
        engine / "solutions",
        engine / "autograder" / "hidden",
    ]
    for path in secret:
        _chmod(path, 0o700 if path.is_dir() else 0o600)
    notes.append("solutions, hidden suites, otter's tests and the upload are root-only (0700)")
    # Folders the sandbox user must traverse: inside the autograder folder always (otter run's
    # temporary folder is 0700); outside it only in a container, never on an instructor's host.
    reachable = [engine / "autograder", engine / "data"]
    if container:
        reachable += osl.needed_paths()
    opened = []
    for path in reachable:
        barrier = osl.traversal_barrier(path)
        while barrier is not None and (container or root.parent in (barrier, *barrier.parents)):
            os.chmod(barrier, os.stat(barrier).st_mode | stat.S_IXOTH)
            opened.append(str(barrier))
            barrier = osl.traversal_barrier(path)
    if opened:
        notes.append("made traversable (not listable) for the sandbox user: " + ", ".join(opened))
    return notes


# --- otter run: the plugin -------------------------------------------------------------------


class TorchgradePlugin:
    """An otter plugin (see otter's AbstractOtterPlugin): quarantines the upload and locks the
    engine before the grading kernel starts; reports the grading in otter's summary."""

    def __init__(
        self, submission_path: str | None, submission_metadata: dict, plugin_config: dict
    ) -> None:
        # `otter generate` makes one without a submission; otter run: <ag>/submission/<entry>
        self.autograder_dir = Path(submission_path or ".").resolve().parent.parent

    def before_grading(self, config) -> None:
        quarantine_upload(self.autograder_dir, otter_prepared=True)
        lock_engine(self.autograder_dir, container=False)

    def after_grading(self, results) -> None:
        """Each case's result is the grader's own student-safe message, not the doctest
        transcript around it (~1 KB of boilerplate per failed test)."""
        grader = read_grader_results(self.autograder_dir) or {}
        outputs = {t["name"].removesuffix(" (skipped)"): t for t in grader.get("tests", [])}
        for test_file in results.results.values():
            for case in test_file.test_case_results:
                test = outputs.get(case.test_case.name)
                if test is None:
                    continue
                if test.get("extra_data", {}).get("outcome") == "skipped":
                    case.message = test["output"]
                else:
                    case.message = "✅ passed" if case.passed else f"❌ {test['output']}"

    def generate_report(self) -> str:
        results = read_grader_results(self.autograder_dir)
        if results is None:
            return "torchgrade: the grading kernel wrote no results"
        return grading_report(results)


# --- after otter -----------------------------------------------------------------------------


def read_grader_results(autograder_dir: Path) -> dict | None:
    try:
        return json.loads((Path(autograder_dir) / RESULT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def grading_report(results: dict) -> str:
    extra = results.get("extra_data", {})
    lines = [
        f"torchgrade: {results.get('score', 0):g} of {extra.get('max_score', 0):g} points, "
        f"{len(results.get('tests', []))} hidden tests"
    ]
    if extra.get("error"):
        lines.append(f"could not be graded: {extra['error'].splitlines()[0]}")
    lines += [f"isolation: {p}" for p in extra.get("protections", [])]
    return "\n".join(lines)


def write_gradescope_results(autograder_dir: Path, otter_error: str = "") -> dict:
    """`results/results.json` from the grader's own results (one row per hidden test), or,
    when the kernel wrote none, a zero score that says why."""
    from autograder.judge.pipeline import GradeRecord
    from autograder.otter.runtime import dumps, gradescope_results
    from autograder.otter.settings import OtterSettings

    autograder_dir = Path(autograder_dir)
    results = read_grader_results(autograder_dir)
    if results is None:
        reason = otter_error or "the grading kernel produced no results"
        settings = OtterSettings.load(engine_dir(autograder_dir))
        results = gradescope_results(GradeRecord("submission", "error", reason), settings)
    out = autograder_dir / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dumps(results) + "\n", encoding="utf-8")
    return results


def run_in_container(autograder_dir: Path | None = None) -> int:
    """What `run_otter.py` runs (Gradescope, otter grade): quarantine, lock, otter, results."""
    autograder_dir = Path(autograder_dir or CONTAINER_ROOT).resolve()
    container = autograder_dir == CONTAINER_ROOT
    metadata = autograder_dir / "submission_metadata.json"
    if not metadata.exists():  # Gradescope writes it, otter grade an empty one; plugins read it
        metadata.write_text("{}", encoding="utf-8")
    quarantine_upload(autograder_dir, otter_prepared=False)
    for note in lock_engine(autograder_dir, container=container):
        print(f"torchgrade: {note}")
    from otter.run.run_autograder import main as run_otter

    otter_error = ""
    try:
        # The upload is already out of otter's sight: it must not unpack zips itself.
        run_otter(str(autograder_dir), zips=False)
    except Exception as exc:  # otter's own failure: still a results.json, with the reason
        otter_error = f"{type(exc).__name__}: {exc}"
        print(f"torchgrade: otter failed: {otter_error}", file=sys.stderr)
    results = write_gradescope_results(autograder_dir, otter_error)
    print(grading_report(results))
    return 0
