"""Instructor and student reports built from a grading output folder.

`torchgrade grade --out DIR` writes `DIR/<submission>/results.json` and `DIR/grades.csv`;
everything here is derived from those files, so reports can be rebuilt at any time.
Submodules are imported where they are used, so importing the package loads nothing heavy.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_class_reports", "write_reports"]


def write_class_reports(run) -> list[Path]:
    """Write grades.xlsx and report.html from one loaded run (a `GradingRun`, or the output
    folder to load it from); return their paths."""
    from autograder.report.data import load_run
    from autograder.report.html import write_report_html
    from autograder.report.xlsx import write_grades_xlsx

    run = load_run(run)
    return [write_grades_xlsx(run), write_report_html(run)]


def write_reports(out_dir: Path) -> list[Path]:
    """Write every submission's feedback.md and feedback.html, grades.xlsx and report.html;
    return their paths. Safe to run again: each file is rewritten whole."""
    from autograder.report.data import FEEDBACK_HTML
    from autograder.report.feedback import write_feedback
    from autograder.report.html import write_report_html
    from autograder.report.xlsx import write_grades_xlsx
    from autograder.result import RESULTS_JSON

    out_dir = Path(out_dir)
    written = []
    for path in sorted(out_dir.glob(f"*/{RESULTS_JSON}")):
        written += [write_feedback(path), path.with_name(FEEDBACK_HTML)]
    written.append(write_grades_xlsx(out_dir))
    written.append(write_report_html(out_dir))
    return written
