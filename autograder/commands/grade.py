"""`torchgrade grade SUBMISSIONS --out DIR`: grade a folder of submissions.

Submissions are graded in parallel worker processes (`--jobs`). Each finished submission
is written at once (`DIR/<name>/results.json`, `feedback.md`) and `grades.csv` is rebuilt
(at most once a second, and at the end), so an interrupted run loses nothing: running the
same command again grades only what is missing or changed (`--force` re-grades everything).
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
from typing import TYPE_CHECKING

from autograder.commands import add_exercises_argument
from autograder.files import private_tempdir
from autograder.submissions import Submission, SubmissionError, discover, row_name
from autograder.workers import EXIT_INTERRUPTED, PoolReport, WorkerPool, WorkersCannotStart

if TYPE_CHECKING:  # imported where used: `torchgrade --help` must not import torch
    from autograder.judge.suites import HiddenSuite
    from autograder.result import GradeResult

BACKENDS = ("isolated", "inprocess")
GRADES_CSV_INTERVAL = 1.0  # seconds between rewrites of grades.csv while grading


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
    add_exercises_argument(
        parser,
        "grade only these exercises (default: all)",
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
    suite: HiddenSuite  # the chosen exercises' hidden tests (collected once per worker)
    backend: str = "isolated"
    limits: object = None
    hidden_paths: list[Path] = field(default_factory=list)  # never readable by student code
    reference_cache: Path | None = None  # folder of the on-disk reference results


# --- worker side -------------------------------------------------------------------------

_WORKER_FACTORY = None
_WORKER_SUITE: HiddenSuite | None = None


def _init_worker(options: GradeOptions) -> None:
    """Runs once per worker: starts the sandbox's warm parent (the zygote) and, while it
    imports, imports the heavy modules here and collects the hidden suites once."""
    global _WORKER_FACTORY, _WORKER_SUITE
    _WORKER_SUITE = options.suite
    if options.backend == "isolated":
        from autograder.sandbox.zygote import default_zygote

        default_zygote()  # first: its imports (seconds) run while this process imports its own
        from autograder.sandbox import backend_factory

        _WORKER_FACTORY = backend_factory(options.limits, options.hidden_paths)
        if options.reference_cache is not None:
            attach_reference_cache(options.reference_cache)
        from autograder.judge import session, suites

        session.reuse_sessions()  # one collection per worker, re-run for each submission
        try:
            session.prepared(suites.hidden_suite_files(options.suite.exercises), suites._BASE_ARGS)
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


def _grade_in_worker(submission: Submission) -> GradeResult:
    from autograder.judge.pipeline import grade_one

    return grade_one(submission, _WORKER_FACTORY, _WORKER_SUITE)


# --- parent side -------------------------------------------------------------------------


def is_current(result: GradeResult | None, submission: Submission, suite: HiddenSuite) -> bool:
    from autograder.judge.pipeline import fingerprint

    return result is not None and result.fingerprint == fingerprint(submission, suite.selection)


def crashed_result(submission: Submission, reason: str, suite: HiddenSuite) -> GradeResult:
    """The result of a submission the grader could not grade (its process died twice, or the
    grader failed): an error, but never final (no fingerprint), so the next run tries again."""
    from autograder.result import GradeResult

    return GradeResult.failed(
        submission.name,
        f"not graded: {reason.strip()}; run the same command again to retry",
        maximum=suite.maximum(),
        fingerprint="",
    )


def build_options(args: argparse.Namespace) -> GradeOptions:
    from autograder.judge.suites import HiddenSuite

    options = GradeOptions(HiddenSuite(args.exercises), backend=args.backend)
    options.hidden_paths = [args.submissions.resolve(), args.out.resolve()]
    if args.backend == "isolated":
        from autograder.sandbox import Limits

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


def exit_status(results: dict[str, GradeResult]) -> int:
    """0: every submission graded; 1: at least one ended in an error (see grades.csv)."""
    return 1 if any(result.status == "error" for result in results.values()) else 0


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
    from autograder.result import GradeResult, read_result, write_grades_csv

    # Every submission's result, read once and kept in memory: grades.csv is rewritten from
    # these after each submission, so an interrupted run still has one row per submission.
    results = {s.name: read_result(out_dir, s.name) for s in submissions}
    todo = [
        s for s in submissions if args.force or not is_current(results[s.name], s, options.suite)
    ]
    results = {name: result or GradeResult.pending(name) for name, result in results.items()}
    errors = 0
    csv_written = 0.0  # when grades.csv was last rewritten (time.monotonic)

    def on_done(result: GradeResult) -> None:
        nonlocal errors, csv_written
        write_feedback(result.write(out_dir))  # the only time a run writes its feedback
        results[result.submission] = result
        # Rewriting grades.csv costs a little per row: in a big class, not after every
        # result. Each result's own files are written at once, and a run that is killed
        # outright gets its grades.csv back from them on the next run.
        if time.monotonic() - csv_written >= GRADES_CSV_INTERVAL:
            write_grades_csv(out_dir, results)
            csv_written = time.monotonic()
        errors += result.status == "error"
        progress.set_postfix(errors=errors, refresh=False)
        progress.update(1)

    def on_crash(submission: Submission, reason: str) -> GradeResult:
        return crashed_result(submission, reason, options.suite)

    pool = WorkerPool(
        args.jobs,
        _init_worker,
        options,
        _grade_in_worker,
        on_done,
        on_crash,
        one_per_worker=options.backend == "inprocess",  # student code is imported into it
    )
    # The workers start first: their start-up (torch, the sandbox's zygote, collecting the
    # suites) takes seconds, and everything below overlaps it.
    pool.start(len(todo))
    if todo:  # this process is mostly idle while the workers grade: the report libraries
        threading.Thread(target=preload_report_libraries, daemon=True).start()
    from tqdm import tqdm

    from autograder.report.feedback import write_feedback

    if not args.quiet:
        print(
            f"{len(submissions)} submission(s) in {args.submissions}; {len(todo)} to grade "
            f"({len(submissions) - len(todo)} already graded), backend {options.backend}, "
            f"{args.jobs} job(s)"
        )
    progress = tqdm(total=len(todo), unit="submission", disable=args.quiet, dynamic_ncols=True)
    write_grades_csv(out_dir, results)  # a row for every submission from the start
    try:
        report = pool.run(todo)
    except WorkersCannotStart as exc:
        print(f"torchgrade grade: {exc}; nothing more was graded", file=sys.stderr)
        report = pool.report
        report.interrupted = True
    finally:
        progress.close()
        write_grades_csv(out_dir, results)
    try:  # a Ctrl-C now (after one that stopped grading) exits at once
        from autograder.report import write_class_reports
        from autograder.report.data import GradingRun
        from autograder.report.summary import summary_table

        run_data = GradingRun.of(out_dir, results)
        write_class_reports(run_data)
        print(summary_table(run_data, time.perf_counter() - start))
        for line in report.lines():
            print(line)
        protections = next((r.protections for r in results.values() if r.protections), [])
        if protections and not args.quiet:
            print("isolation: " + "; ".join(protections))
        if report.interrupted:
            print(interrupted_message(args, report, len(todo)), file=sys.stderr)
            return EXIT_INTERRUPTED
        if args.compare is not None:
            from autograder.report.data import load_run
            from autograder.report.regrade import compare_runs, regrade_text, write_regrade

            regrade = compare_runs(load_run(args.compare), run_data)
            print(regrade_text(regrade))
            write_regrade(regrade, out_dir)
        return exit_status(results)
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


def preload_report_libraries() -> None:
    """Import what the feedback, report.html and grades.xlsx need (pandas, matplotlib,
    openpyxl: over a second). (Not at a lower priority: a thread that holds the GIL while
    the scheduler passes it over would stall the main thread.)"""
    try:
        import autograder.report.feedback  # noqa: F401
        import autograder.report.html  # noqa: F401
        import autograder.report.xlsx  # noqa: F401
    except Exception:
        pass  # the reports are written without them, or say what is missing, at the end
