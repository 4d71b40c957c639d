"""Instructor and student reports built from a grading output folder.

`torchgrade grade --out DIR` writes `DIR/<submission>/results.json` and `DIR/grades.csv`;
everything here is derived from those files, so reports can be rebuilt at any time.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from autograder.report.data import RESULTS_JSON
from autograder.report.feedback import write_feedback

__all__ = ["write_feedback", "write_grades_xlsx", "write_report_html", "write_reports"]

# matplotlib and openpyxl take a second to import: only when those reports are written.
_LAZY = {"write_report_html": "html", "write_grades_xlsx": "xlsx"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)


def write_reports(out_dir: Path) -> list[Path]:
    """Write every submission's feedback.md, grades.xlsx and report.html; return their paths.

    Safe to run again: each file is rewritten whole."""
    out_dir = Path(out_dir)
    from autograder.report.html import write_report_html
    from autograder.report.xlsx import write_grades_xlsx

    written = [write_feedback(path) for path in sorted(out_dir.glob(f"*/{RESULTS_JSON}"))]
    written.append(write_grades_xlsx(out_dir))
    written.append(write_report_html(out_dir))
    return written
