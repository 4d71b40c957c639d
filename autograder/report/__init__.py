"""Instructor and student reports built from a grading output folder.

`torchgrade grade --out DIR` writes `DIR/<submission>/results.json` (+ `feedback.md`) and
`DIR/grades.csv`; everything here is derived from those, so reports can be rebuilt at any
time. A run is loaded once (`report.data.load_run`) and every report is built from it.
"""

from __future__ import annotations

from pathlib import Path

from autograder.report.data import GradingRun, load_run
from autograder.report.feedback import write_feedback
from autograder.report.html import write_report_html
from autograder.report.xlsx import write_grades_xlsx
from autograder.result import RESULTS_JSON

__all__ = [
    "write_class_reports",
    "write_feedback",
    "write_grades_xlsx",
    "write_report_html",
    "write_reports",
]


def write_class_reports(run: Path | GradingRun) -> list[Path]:
    """Write grades.xlsx and report.html from one loaded run; return their paths."""
    run = load_run(run)
    return [write_grades_xlsx(run), write_report_html(run)]


def write_reports(out_dir: Path) -> list[Path]:
    """Write every submission's feedback.md, grades.xlsx and report.html; return their paths.

    Safe to run again: each file is rewritten whole."""
    out_dir = Path(out_dir)
    written = [write_feedback(path) for path in sorted(out_dir.glob(f"*/{RESULTS_JSON}"))]
    return written + write_class_reports(out_dir)
