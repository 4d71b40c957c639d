"""Reading a grading output folder: grades.csv, the results.json files and pass rates.

Every report reads through here, so the feedback pages, grades.xlsx, report.html and the
terminal summary agree on each number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from autograder.kit.registry import EXERCISE_NAMES
from autograder.result import GRADES_CSV, GradeResult, read_result

FEEDBACK_MD = "feedback.md"
FEEDBACK_HTML = "feedback.html"
TEST_COLUMNS = [
    "submission",
    "test",
    "exercise",
    "outcome",
    "score",
    "max_score",
    "hint",
    "message",
]
RATE_COLUMNS = ["test", "exercise", "passed", "failed", "skipped", "attempted", "pass_rate", "hint"]


@dataclass
class GradingRun:
    """What one `torchgrade grade --out DIR` left behind."""

    out_dir: Path
    grades: pd.DataFrame  # grades.csv, one row per submission
    results: dict[str, GradeResult | None]  # submission -> its result (None: not recorded)
    # Built once (each report asks for them): copies are handed out.
    _tests: pd.DataFrame | None = field(default=None, init=False, repr=False, compare=False)
    _rates: pd.DataFrame | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def of(cls, out_dir: Path, results: dict[str, GradeResult | None]) -> GradingRun:
        """The run of results already in memory (the grade command's) and its grades.csv."""
        grades = read_grades(Path(out_dir))
        recorded = {
            name: None if r is None or r.status == "pending" else r for name, r in results.items()
        }
        return cls(Path(out_dir), grades, {n: recorded.get(n) for n in grades["submission"]})

    @property
    def graded(self) -> pd.DataFrame:
        return self.grades[self.grades["status"] == "graded"]

    def has_feedback(self, name: str) -> bool:
        return self.results.get(name) is not None

    def tests(self) -> pd.DataFrame:
        if self._tests is None:
            self._tests = tests_frame(self.results)
        return self._tests.copy()

    def pass_rates(self) -> pd.DataFrame:
        if self._rates is None:
            self._rates = pass_rates(self.tests())
        return self._rates.copy()

    def exercise_maximum(self) -> dict[str, float]:
        return exercise_maximum(self.results)


def read_grades(out_dir: Path) -> pd.DataFrame:
    # na_filter=False: a submission called "NA" or "null" stays a name, an empty error stays "".
    grades = pd.read_csv(
        out_dir / GRADES_CSV,
        dtype={"submission": str, "status": str, "error": str},
        na_filter=False,
    )
    numeric = [c for c in grades.columns if c not in ("submission", "status", "error")]
    grades[numeric] = grades[numeric].apply(pd.to_numeric, errors="coerce")
    # Totals of an error row are 0; its exercise cells stay empty (NaN): nothing was graded.
    totals = [c for c in ("score", "max_score", "percent") if c in grades]
    grades[totals] = grades[totals].fillna(0.0)
    return grades.astype({c: float for c in numeric})


def load_run(out_dir: Path | GradingRun) -> GradingRun:
    """The run in `out_dir` (loaded once; a run already loaded is returned as it is)."""
    if isinstance(out_dir, GradingRun):
        return out_dir
    out_dir = Path(out_dir)
    grades = read_grades(out_dir)
    # Every results.json through the result model's one reader.
    results = {name: read_result(out_dir, name) for name in grades["submission"]}
    return GradingRun(out_dir, grades, results)


def tests_frame(results: dict[str, GradeResult | None]) -> pd.DataFrame:
    """One row per (submission, test) in suite order; outcome is passed | failed | skipped."""
    rows = [
        {
            "submission": name,
            "test": o.name,
            "exercise": o.exercise,
            "outcome": o.status,
            "score": float(o.score),
            "max_score": float(o.max_score),
            "hint": o.hint,
            "message": (o.message or "").strip(),
        }
        for name, result in results.items()
        if result is not None and result.status == "graded"
        for o in result.outcomes
    ]
    return pd.DataFrame(rows, columns=TEST_COLUMNS)


def test_order(tests: pd.DataFrame) -> list[str]:
    """Test names by exercise (course order), then in the order the suite ran them."""
    first = tests.drop_duplicates("test")
    rank = {name: i for i, name in enumerate(EXERCISE_NAMES)}
    keyed = sorted(
        enumerate(first.itertuples()), key=lambda p: (rank.get(p[1].exercise, len(rank)), p[0])
    )
    return [row.test for _, row in keyed]


def pass_rates(tests: pd.DataFrame) -> pd.DataFrame:
    """Per test: counts and pass rate among submissions that ran it; hardest first.

    Skipped runs (a CUDA test without a GPU) count neither way. Ties keep course order."""
    order = test_order(tests)
    counts = (
        pd.crosstab(tests["test"], tests["outcome"])
        .reindex(index=order, columns=["passed", "failed", "skipped"], fill_value=0)
        .astype(int)
    )
    first = tests.drop_duplicates("test").set_index("test").reindex(order)
    frame = pd.DataFrame(
        {
            "test": order,
            "exercise": first["exercise"].to_numpy(),
            "passed": counts["passed"].to_numpy(),
            "failed": counts["failed"].to_numpy(),
            "skipped": counts["skipped"].to_numpy(),
        }
    )
    frame["attempted"] = frame["passed"] + frame["failed"]
    attempted = frame["attempted"].where(frame["attempted"] > 0)  # NaN: never attempted
    frame["pass_rate"] = 100.0 * frame["passed"] / attempted
    frame["hint"] = first["hint"].to_numpy()
    frame = frame[RATE_COLUMNS]
    # Never-attempted tests (skipped everywhere) go last: they say nothing about difficulty.
    frame["_order"] = range(len(frame))
    frame = frame.sort_values(["pass_rate", "_order"], na_position="last", kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)


def exercise_maximum(results: dict[str, GradeResult | None]) -> dict[str, float]:
    """Points available per exercise: the largest maximum any submission was graded out of."""
    maximum = {name: 0.0 for name in EXERCISE_NAMES}
    for result in results.values():
        if result is None:
            continue
        for name, points in result.exercise_scores().items():
            maximum[name] = max(maximum.get(name, 0.0), float(points["max_score"]))
    return maximum


def fmt_points(value: float) -> str:
    return f"{value:g}"
