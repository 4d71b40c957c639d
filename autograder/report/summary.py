"""The short table `torchgrade grade` prints when it finishes."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from autograder.report.data import load_run

HARDEST = 3
ERRORS_NAMED = 10  # the summary names this many errors with their reason


def class_numbers(grades: pd.DataFrame) -> dict:
    """Counts and percent statistics over every submission (an error counts as 0 %)."""
    # Errors count as 0 %; submissions not graded yet do not count at all.
    percent = grades.loc[grades["status"] != "pending", "percent"].astype(float)
    empty = percent.empty
    return {
        "submissions": len(grades),
        "graded": int((grades["status"] == "graded").sum()),
        "errors": int((grades["status"] == "error").sum()),
        "pending": int((grades["status"] == "pending").sum()),
        "mean": math.nan if empty else float(percent.mean()),
        "median": math.nan if empty else float(percent.median()),
        "min": math.nan if empty else float(percent.min()),
        "max": math.nan if empty else float(percent.max()),
    }


def _pct(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.2f} %"


def summary_table(out_dir: Path, seconds: float) -> str:
    """A plain-text table: counts, percent statistics, time taken, the hardest tests."""
    run = load_run(Path(out_dir))
    numbers = class_numbers(run.grades)
    rates = run.pass_rates().dropna(subset=["pass_rate"]).head(HARDEST)
    rows = [
        ("submissions", str(numbers["submissions"])),
        ("graded", str(numbers["graded"])),
        ("errors", str(numbers["errors"])),
        ("mean", _pct(numbers["mean"])),
        ("median", _pct(numbers["median"])),
        ("min", _pct(numbers["min"])),
        ("max", _pct(numbers["max"])),
        ("time taken", f"{seconds:.1f} s"),
    ]
    name_width = max((len(name) for name in rates["test"]), default=0)
    hardest = [
        f"{r.test:<{name_width}}  {r.pass_rate:3.0f} % passed ({r.passed}/{r.attempted})"
        for r in rates.itertuples()
    ] or ["–"]
    rows += [("hardest tests" if i == 0 else "", text) for i, text in enumerate(hardest)]
    failed = run.grades[run.grades["status"] == "error"]
    named = [f"{r.submission}: {r.error or 'no reason recorded'}" for r in failed.itertuples()]
    if len(named) > ERRORS_NAMED:
        named = [*named[:ERRORS_NAMED], f"... and {len(named) - ERRORS_NAMED} more in grades.csv"]
    rows += [("errors in" if i == 0 else "", text) for i, text in enumerate(named)]
    if numbers["pending"]:
        rows.insert(3, ("not graded yet", f"{numbers['pending']} (run the same command again)"))
    width = max(len(key) for key, _ in rows)
    lines = [f"  {key:<{width}}  {value}" for key, value in rows]
    out = Path(out_dir)
    return "\n".join([f"Grades in {out}/ (grades.csv, grades.xlsx, report.html):", *lines])
