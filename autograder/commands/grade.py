"""`torchgrade grade SUBMISSIONS --out DIR`: grade a folder of submissions.

Submissions are graded in parallel worker processes (`--jobs`). Each finished submission
is written at once (`DIR/<name>/results.json`, `feedback.md`) and `grades.csv` is rebuilt,
so an interrupted run loses nothing: running the same command again grades only what is
missing or changed (`--force` re-grades everything).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder.files import private_tempdir
from autograder.kit.registry import EXERCISE_NAMES
from autograder.submissions import Submission, SubmissionError, discover, row_name
from autograder.workers import EXIT_INTERRUPTED, PoolReport, WorkerPool, WorkersCannotStart

if TYPE_CHECKING:  # imported where used: `torchgrade --help` must not import torch
    from autograder.judge.pipeline import GradeRecord

BACKENDS = ("isolated", "inprocess")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "grade",
        help="grade a folder of submissions",
        description="Grade every submission (a .zip, or a folder with exercises/) in "
        "SUBMISSIONS (a folder, or a single .zip) with the hidden suites. Writes grades.csv, "
        "grades.xlsx, report.html and DIR/<submission>/results.json + feedback.md/.html. "
        "Exit status: 0 when every submission was graded, 1 when any ended in an error "
        "(named in the summary and grades.csv), 2 for a bad command line.",
    )
    parser.add_argument("submissions", type=Path, metavar="SUBMISSIONS")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("grades"),
        metavar="DIR",
        help="output folder, outside SUBMISSIONS (default: ./grades)",
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=os.cpu_count() or 1,
        help="submissions graded in parallel (default: number of cores)",
    )
    parser.add_argument(
        "--force", action="store_true", help="re-grade submissions that already have results in DIR"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar (for CI logs)")
    parser.add_argument(
        "--compare",
        type=Path,
        default=None,
        metavar="PREVIOUS_OUT",
        help="after grading, show what changed since the run in PREVIOUS_OUT (as `torchgrade "
        "diff PREVIOUS_OUT DIR`) and write DIR/regrade_submissions.csv, regrade_tests.csv",
    )
    parser.add_argument(
        "--exercises",
        nargs="+",
        choices=EXERCISE_NAMES,
        default=None,
        metavar="EXERCISE",
        help="grade only these exercises (default: all)",
    )
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default="isolated",
        help="isolated (default): student code runs in sandboxed child "
        "processes; inprocess: imported into a fresh grader process, "
        "no limits (trusted code only)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="compute the reference's results afresh instead of reading them from the "
        "reference cache (see `torchgrade cache`)",
    )
    limits_arguments(parser)
    parser.set_defaults(func=run)


def limits_arguments(parser: argparse.ArgumentParser) -> None:
    try:
        from autograder.sandbox import Limits
    except ImportError:
        return
    Limits.add_arguments(parser)


@dataclass
class GradeOptions:
    backend: str = "isolated"
    exercises: list[str] | None = None
    limits: object = None
    hidden_paths: list[Path] = field(default_factory=list)  # never readable by student code
    reference_cache: Path | None = None  # folder of the on-disk reference results


# --- worker side -------------------------------------------------------------------------

_WORKER_FACTORY = None
_WORKER_EXERCISES: list[str] | None = None


def _init_worker(options: GradeOptions) -> None:
    """Runs once per worker: starts the sandbox's warm parent (the zygote) and, while it
    imports, imports the heavy modules here and collects the hidden suites once."""
    global _WORKER_FACTORY, _WORKER_EXERCISES
    _WORKER_EXERCISES = options.exercises
    if options.backend == "isolated":
        from autograder.sandbox import backend_factory

        _WORKER_FACTORY = backend_factory(options.limits, options.hidden_paths)  # starts it
        if options.reference_cache is not None:
            attach_reference_cache(options.reference_cache)
        from autograder.judge import session, suites

        session.reuse_sessions()  # one collection per worker, re-run for each submission
        try:
            session.prepared(suites.hidden_suite_files(options.exercises), suites._BASE_ARGS)
        except session.SessionError:
            pass  # the first submission reports what is wrong with the suites
    else:  # in-process: one submission per worker, which imports the student's code
        import torch  # noqa: F401  (imported once per worker, not per submission)

        from autograder.judge.pipeline import in_process_backend

        _WORKER_FACTORY = in_process_backend


def attach_reference_cache(folder: Path) -> None:
    """Answer the reference's calls from the on-disk cache (only where student code runs in
    the sandbox, which cannot see the folder; never in-process)."""
    from autograder.judge.reference_cache import open_for_this_course
    from autograder.judge.student import MemoizedBackend

    try:
        MemoizedBackend.disk = open_for_this_course(folder)
    except Exception as exc:  # unreadable or corrupt: grading only gets slower
        print(f"torchgrade grade: reference cache not used: {exc}", file=sys.stderr)


def _grade_in_worker(submission: Submission) -> tuple[GradeRecord, dict[str, float] | None]:
    """The submission's record, and the points available per exercise as this worker's one
    collection of the hidden suites counted them (None where it has none)."""
    from autograder.judge.pipeline import grade_submission

    return grade_submission(submission, _WORKER_FACTORY, _WORKER_EXERCISES), _worker_maximum()


def _worker_maximum() -> dict[str, float] | None:
    from autograder.judge import session, suites

    if not session.reusing():
        return None
    files = suites.hidden_suite_files(_WORKER_EXERCISES)
    try:
        collected = session.prepared(files, suites._BASE_ARGS)
    except session.SessionError:
        return None
    maximum = {name: 0.0 for name in EXERCISE_NAMES}
    for outcome in collected.collected.values():
        maximum[outcome.exercise] += outcome.max_score
    return maximum


# --- parent side -------------------------------------------------------------------------


def is_current(out_dir: Path, submission: Submission, exercises: list[str] | None) -> bool:
    from autograder.judge.pipeline import fingerprint, read_results

    results = read_results(out_dir, submission.name)
    if results is None:
        return False
    return results.get("extra_data", {}).get("fingerprint") == fingerprint(submission, exercises)


def crashed_record(submission: Submission, reason: str, exercises: list[str] | None) -> GradeRecord:
    """The row of a submission the grader could not grade (its process died twice, or the
    grader failed): an error, but never final (no fingerprint), so the next run tries again."""
    from autograder.judge.pipeline import GradeRecord

    return GradeRecord(
        submission.name,
        "error",
        error=f"not graded: {reason.strip()}; run the same command again to retry",
        fingerprint="",
    )


def build_options(args: argparse.Namespace) -> GradeOptions:
    options = GradeOptions(backend=args.backend, exercises=args.exercises)
    options.hidden_paths = [args.submissions.resolve(), args.out.resolve()]
    if args.backend == "isolated":
        try:
            from autograder.sandbox import Limits
        except ImportError:
            print(
                "torchgrade: the isolated backend is not available in this installation; "
                "use --backend inprocess",
                file=sys.stderr,
            )
            raise SystemExit(2) from None
        try:
            options.limits = Limits.from_args(args)
        except ValueError as exc:  # a limit of 0 or below
            raise UsageError(str(exc)) from None
        if not args.no_cache:
            options.reference_cache = usable_cache_dir()
            if options.reference_cache is not None:
                options.hidden_paths.append(options.reference_cache.resolve())
    return options


def usable_cache_dir() -> Path | None:
    from autograder.judge.reference_cache import default_cache_dir, private_folder

    try:
        return private_folder(default_cache_dir())
    except OSError as exc:
        print(f"torchgrade grade: reference cache not used: {exc}", file=sys.stderr)
        return None


class UsageError(Exception):
    """A bad command line: one line that says what is wrong and what to do."""


def find_submissions(path: Path) -> list[Submission]:
    """The submissions of SUBMISSIONS: a folder of them, or one .zip (a one-submission run)."""
    if not path.exists():
        raise UsageError(
            f"{path} does not exist; pass the folder that holds the submissions "
            "(one .zip or folder per student)"
        )
    if path.is_file():
        if path.suffix.lower() == ".zip":
            return [Submission(row_name(path.name), path)]
        raise UsageError(
            f"{path} is a file, not a folder of submissions; put the submissions (one .zip "
            "or folder per student) in a folder and pass that folder"
        )
    try:
        return discover(path)
    except SubmissionError as exc:
        raise UsageError(str(exc)) from None


def check_out_dir(out_dir: Path, submissions: Path) -> None:
    """--out must be a folder (or not exist yet) outside the submissions folder."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir} is a file; name a folder (it is created if missing)")
    inputs = submissions.resolve()
    if inputs.is_dir() and out_dir.resolve().is_relative_to(inputs):
        raise UsageError(
            f"--out {out_dir} is inside the submissions folder {submissions}; the next run "
            "would grade it as a submission. Choose a folder outside it."
        )


def check_compare(previous: Path | None, out_dir: Path) -> None:
    if previous is None:
        return
    if not (previous / "grades.csv").is_file():
        raise UsageError(
            f"--compare {previous} is not a grading output folder (no grades.csv); name the "
            "--out folder of the earlier run"
        )
    if previous.resolve() == out_dir.resolve():
        raise UsageError("--compare names the --out folder itself; grade into a new folder")


def exit_status(rows: dict[str, dict]) -> int:
    """0: every submission graded; 1: at least one ended in an error (see grades.csv)."""
    return 1 if any(row["status"] == "error" for row in rows.values()) else 0


def run(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    try:
        submissions = find_submissions(args.submissions)
        check_out_dir(args.out, args.submissions)
        check_compare(args.compare, args.out)
        if args.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        options = build_options(args)
    except UsageError as exc:
        print(f"torchgrade grade: {exc}", file=sys.stderr)
        return 2
    out_dir: Path = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    with private_tempdir(out_dir):  # nothing of the run stays in /tmp
        return grade_folder(args, submissions, options, out_dir, start)


def grade_folder(
    args: argparse.Namespace,
    submissions: list[Submission],
    options: GradeOptions,
    out_dir: Path,
    start: float,
) -> int:
    from tqdm import tqdm

    from autograder.judge.pipeline import (
        grades_row,
        read_grades_rows,
        results_json,
        suite_maximum,
        write_grades_csv,
        write_json_atomic,
    )

    # Points per exercise: counted by the workers' one collection of the hidden suites (this
    # process collects only for the in-process backend, or if no worker could say).
    maximum: dict[str, float] = {}
    names = [s.name for s in submissions]
    todo = [s for s in submissions if args.force or not is_current(out_dir, s, options.exercises)]
    if not args.quiet:
        print(
            f"{len(submissions)} submission(s) in {args.submissions}; {len(todo)} to grade "
            f"({len(submissions) - len(todo)} already graded), backend {options.backend}, "
            f"{args.jobs} job(s)"
        )
    progress = tqdm(total=len(todo), unit="submission", disable=args.quiet, dynamic_ncols=True)
    errors = 0
    rows = read_grades_rows(out_dir, names)  # kept in memory, rewritten after each submission
    write_grades_csv(out_dir, rows)  # a row for every submission from the start

    def on_done(result: Any) -> None:
        """`result`: (record, the worker's maximum) from a worker, or a crashed record."""
        nonlocal errors
        record, worker_maximum = result if isinstance(result, tuple) else (result, None)
        if not maximum:
            maximum.update(worker_maximum or suite_maximum(options.exercises))
        path = out_dir / record.submission / "results.json"
        results = results_json(record, maximum)
        write_json_atomic(path, results)
        write_feedback_if_available(path)
        rows[record.submission] = grades_row(results)
        write_grades_csv(out_dir, rows)
        errors += record.status == "error"
        progress.set_postfix(errors=errors, refresh=False)
        progress.update(1)

    def on_crash(submission: Submission, reason: str) -> GradeRecord:
        return crashed_record(submission, reason, options.exercises)

    pool = WorkerPool(
        args.jobs,
        _init_worker,
        options,
        _grade_in_worker,
        on_done,
        on_crash,
        one_per_worker=options.backend == "inprocess",  # student code is imported into it
    )
    if todo:  # while the workers grade, this process is mostly idle: load the report libraries
        threading.Thread(target=preload_report_libraries, daemon=True).start()
    try:
        report = pool.run(todo)
    except WorkersCannotStart as exc:
        print(f"torchgrade grade: {exc}; nothing more was graded", file=sys.stderr)
        report = pool.report
        report.interrupted = True
    finally:
        progress.close()
        write_grades_csv(out_dir, rows)
    try:  # a Ctrl-C now (after one that stopped grading) exits at once
        write_reports_if_available(out_dir)
        print(summary(out_dir, time.perf_counter() - start))
        for line in report.lines():
            print(line)
        protections = active_protections(out_dir, names)
        if protections and not args.quiet:
            print("isolation: " + "; ".join(protections))
        if report.interrupted:
            print(interrupted_message(args, report, len(todo)), file=sys.stderr)
            return EXIT_INTERRUPTED
        if args.compare is not None:
            from autograder.report.data import load_run
            from autograder.report.regrade import compare_runs, regrade_text, write_regrade

            regrade = compare_runs(load_run(args.compare), load_run(out_dir))
            print(regrade_text(regrade))
            write_regrade(regrade, out_dir)
        return exit_status(rows)
    finally:
        pool.restore_sigint()


def interrupted_message(args: argparse.Namespace, report: PoolReport, todo: int) -> str:
    left = todo - report.finished - len(report.crashed) - len(report.faults)
    command = shlex.join(["torchgrade", *getattr(args, "command_line", [])])
    return (
        f"interrupted: kept the {report.finished} result(s) finished in this run "
        f"(grades.csv and the reports are written); {left} submission(s) not graded yet. "
        f"To finish, run: {command}"
    )


def active_protections(out_dir: Path, names: list[str]) -> list[str]:
    """What the sandbox gave the graded submissions, from their results files."""
    from autograder.judge.pipeline import read_results

    for name in names:
        results = read_results(out_dir, name)
        if results and results["extra_data"].get("protections"):
            return list(results["extra_data"]["protections"])
    return []


def preload_report_libraries() -> None:
    """Import what report.html and grades.xlsx need (matplotlib, openpyxl: over a second)."""
    try:
        import autograder.report.html  # noqa: F401
        import autograder.report.xlsx  # noqa: F401
    except Exception:
        pass  # the reports are written without them, or say what is missing, at the end


def write_feedback_if_available(results_path: Path) -> None:
    try:
        from autograder.report.feedback import write_feedback
    except ImportError:
        return
    write_feedback(results_path)


def write_reports_if_available(out_dir: Path) -> None:
    try:
        from autograder.report import write_reports
    except ImportError:
        return
    write_reports(out_dir)


def summary(out_dir: Path, seconds: float) -> str:
    try:
        from autograder.report.summary import summary_table
    except ImportError:
        import pandas as pd

        grades = pd.read_csv(out_dir / "grades.csv")
        return (
            f"{len(grades)} submissions, mean {grades['percent'].mean():.1f} %, "
            f"{(grades['status'] == 'error').sum()} errors, {seconds:.1f} s"
        )
    return summary_table(out_dir, seconds)
