"""Instructor and student reports built from a grading output folder.

`torchgrade grade --out DIR` writes `DIR/<submission>/results.json` and `DIR/grades.csv`;
everything here is derived from those files, so reports can be rebuilt at any time.
Submodules are imported where they are used, so importing the package loads nothing heavy.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_reports"]


def write_reports(out_dir: Path) -> list[Path]:
    """Write every submission's feedback.md and feedback.html, grades.xlsx and report.html;
    return their paths. Safe to run again: each file is rewritten whole."""
    from autograder.report.data import FEEDBACK_HTML, RESULTS_JSON
    from autograder.report.feedback import write_feedback
    from autograder.report.html import write_report_html
    from autograder.report.xlsx import write_grades_xlsx

    out_dir = Path(out_dir)
    written = []
    for path in sorted(out_dir.glob(f"*/{RESULTS_JSON}")):
        written += [write_feedback(path), path.with_name(FEEDBACK_HTML)]
    written.append(write_grades_xlsx(out_dir))
    written.append(write_report_html(out_dir))
    return written
