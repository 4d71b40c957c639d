"""What changed between two grading runs of the same class: review a regrade before
publishing it (after a change of the hidden suites, the tolerances or the submissions).

`compare_runs(old, new)` pairs submissions by name and tests by name. A submission changed
when its status, its score or any test's outcome changed; a test changed for exactly the
submissions graded in both runs whose outcome of it went from passed to not passed
(worsened) or back (improved).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from autograder.files import write_csv_atomic
from autograder.report.data import GradingRun, test_order

SUBMISSION_COLUMNS = [
    "submission",
    "old_status",
    "new_status",
    "old_score",
    "new_score",
    "change",
    "old_percent",
    "new_percent",
    "improved_tests",
    "worsened_tests",
    "new_error",
]
TEST_COLUMNS = ["test", "improved", "worsened", "points", "improved_in", "worsened_in"]
EPSILON = 1e-9


@dataclass
class SubmissionChange:
    submission: str
    old_status: str  # "" when the submission is not in that run
    new_status: str
    old_score: float
    new_score: float
    old_percent: float
    new_percent: float
    new_error: str = ""
    improved: list[str] = field(default_factory=list)  # tests now passing
    worsened: list[str] = field(default_factory=list)  # tests no longer passing

    @property
    def change(self) -> float:
        return self.new_score - self.old_score


@dataclass
class TestChange:
    test: str
    improved: list[str] = field(default_factory=list)  # submissions now passing it
    worsened: list[str] = field(default_factory=list)
    points: float = 0.0


@dataclass
class Regrade:
    old_dir: Path
    new_dir: Path
    compared: int  # submissions in both runs
    submissions: list[SubmissionChange]  # changed only, biggest loss first
    tests: list[TestChange]  # changed only, in suite order

    @property
    def changed(self) -> bool:
        return bool(self.submissions or self.tests)


def _outcomes(run: GradingRun) -> dict[tuple[str, str], tuple[str, float]]:
    tests = run.tests()
    return {
        (r.submission, r.test): (r.outcome, float(r.score)) for r in tests.itertuples(index=False)
    }


def compare_runs(old: GradingRun, new: GradingRun) -> Regrade:
    old_rows = {r["submission"]: r for r in old.grades.to_dict("records")}
    new_rows = {r["submission"]: r for r in new.grades.to_dict("records")}
    old_tests, new_tests = _outcomes(old), _outcomes(new)
    order = test_order(pd.concat([new.tests(), old.tests()]))
    by_test = {name: TestChange(name) for name in order}
    changes = []
    for name in sorted(old_rows.keys() | new_rows.keys()):
        before, after = old_rows.get(name), new_rows.get(name)
        change = SubmissionChange(
            submission=name,
            old_status=before["status"] if before else "",
            new_status=after["status"] if after else "",
            old_score=float(before["score"]) if before else 0.0,
            new_score=float(after["score"]) if after else 0.0,
            old_percent=float(before["percent"]) if before else 0.0,
            new_percent=float(after["percent"]) if after else 0.0,
            new_error=(after["error"] if after else "") or "",
        )
        # Tests compare only where both runs graded the submission: one that now ends in an
        # error (or is new) changed as a whole, which its own row says.
        both_graded = change.old_status == change.new_status == "graded"
        for test in order if both_graded else ():
            was, was_score = old_tests.get((name, test), ("", 0.0))
            now, now_score = new_tests.get((name, test), ("", 0.0))
            if (was == "passed") == (now == "passed"):
                continue
            target = change.improved if now == "passed" else change.worsened
            target.append(test)
            entry = by_test[test]
            (entry.improved if now == "passed" else entry.worsened).append(name)
            entry.points += now_score - was_score
        moved = abs(change.change) > EPSILON or change.old_status != change.new_status
        if moved or change.improved or change.worsened:
            changes.append(change)
    changes.sort(key=lambda c: (c.change, c.submission))
    return Regrade(
        old.out_dir,
        new.out_dir,
        len(old_rows.keys() & new_rows.keys()),
        changes,
        [t for t in by_test.values() if t.improved or t.worsened],
    )


def submissions_frame(regrade: Regrade) -> pd.DataFrame:
    rows = [
        {
            "submission": c.submission,
            "old_status": c.old_status or "absent",
            "new_status": c.new_status or "absent",
            "old_score": c.old_score,
            "new_score": c.new_score,
            "change": round(c.change, 4),
            "old_percent": c.old_percent,
            "new_percent": c.new_percent,
            "improved_tests": " ".join(c.improved),
            "worsened_tests": " ".join(c.worsened),
            "new_error": c.new_error,
        }
        for c in regrade.submissions
    ]
    return pd.DataFrame(rows, columns=SUBMISSION_COLUMNS)


def tests_frame(regrade: Regrade) -> pd.DataFrame:
    rows = [
        {
            "test": t.test,
            "improved": len(t.improved),
            "worsened": len(t.worsened),
            "points": round(t.points, 4),
            "improved_in": " ".join(t.improved),
            "worsened_in": " ".join(t.worsened),
        }
        for t in regrade.tests
    ]
    return pd.DataFrame(rows, columns=TEST_COLUMNS)


def signed(value: float) -> str:
    return "±0" if abs(value) <= EPSILON else f"{value:+g}"


def score_text(status: str, score: float, percent: float) -> str:
    if not status:
        return "absent"
    if status != "graded":
        return status
    return f"{score:g} ({percent:.1f} %)" if not math.isnan(percent) else f"{score:g}"


def names_text(names: list[str], limit: int = 8) -> str:
    text = ", ".join(names[:limit])
    return text + (f" and {len(names) - limit} more" if len(names) > limit else "")


def regrade_text(regrade: Regrade) -> str:
    """The terminal table: changed submissions, then changed tests."""
    up = sum(c.change > EPSILON for c in regrade.submissions)
    down = sum(c.change < -EPSILON for c in regrade.submissions)
    lines = [
        f"Regrade: {regrade.old_dir} -> {regrade.new_dir}",
        f"{regrade.compared} submission(s) in both runs; {len(regrade.submissions)} changed "
        f"({up} up, {down} down), {len(regrade.tests)} test(s) changed.",
    ]
    if not regrade.changed:
        return "\n".join([*lines, "Nothing changed."])
    rows = [("submission", "before", "after", "change", "tests")]
    for c in regrade.submissions:
        tests = []
        if c.improved:
            tests.append(f"+{len(c.improved)} passing")
        if c.worsened:
            tests.append(f"-{len(c.worsened)} failing")
        if c.new_status == "error" and c.new_error:
            tests.append(f"error: {c.new_error}")
        rows.append(
            (
                c.submission,
                score_text(c.old_status, c.old_score, c.old_percent),
                score_text(c.new_status, c.new_score, c.new_percent),
                signed(c.change),
                ", ".join(tests),
            )
        )
    lines += ["", "Submissions whose grade changed (biggest loss first):", *table(rows)]
    if regrade.tests:
        rows = [("test", "improved", "worsened", "points", "submissions")]
        for t in regrade.tests:
            who = [f"+{n}" for n in t.improved] + [f"-{n}" for n in t.worsened]
            rows.append(
                (
                    t.test,
                    str(len(t.improved)),
                    str(len(t.worsened)),
                    signed(t.points),
                    names_text(who),
                )
            )
        lines += ["", "Tests whose outcome changed (+ now passing, - no longer):", *table(rows)]
    return "\n".join(lines)


def table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  " + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def write_regrade(regrade: Regrade, out_dir: Path) -> list[Path]:
    """`regrade_submissions.csv` and `regrade_tests.csv` in `out_dir`, one row per change."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        write_csv_atomic(out_dir / name, list(frame.columns), frame.values.tolist())
        for name, frame in (
            ("regrade_submissions.csv", submissions_frame(regrade)),
            ("regrade_tests.csv", tests_frame(regrade)),
        )
    ]
