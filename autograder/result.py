"""The result of grading one submission, and every file that records it.

`GradeResult` is the one result model: the judge's pipeline makes it, `torchgrade grade`
and the otter runtime use it, and the reports read it back. It owns its serialisations:
`results.json` in Gradescope's schema (`to_gradescope()` / `from_gradescope()`, written by
`write()` and read by `read_result()`, nothing else parses that file) and its `grades.csv`
row (`csv_row()`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder import __version__
from autograder.files import read_json, write_atomic, write_csv_atomic
from autograder.kit.registry import EXERCISE_NAMES

RESULTS_JSON = "results.json"
GRADES_CSV = "grades.csv"
GRADES_COLUMNS = ["submission", "status", "score", "max_score", "percent", *EXERCISE_NAMES, "error"]
NOT_GRADED_YET = "not graded yet: run the same command again to finish"


@dataclass
class TestOutcome:
    """One hidden test's outcome for one submission."""

    __test__ = False  # not a pytest test class

    name: str  # "<exercise>::<test function>"
    exercise: str
    max_score: float
    score: float
    status: str  # passed | failed | skipped
    hint: str
    message: str  # safe for the student: never the test source or expected values
    # Numbers the test recorded (`request.node.user_properties`), e.g. for a leaderboard;
    # kept in memory (the otter runtime's leaderboard), not written to results.json.
    values: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_gradescope(self) -> dict:
        if self.status == "skipped":
            output = f"Skipped: {self.message}"
        elif self.status == "passed":
            output = self.hint
        else:
            output = "\n".join(p for p in (self.hint, self.message) if p)
        return {
            "name": self.name,
            "score": self.score,
            "max_score": self.max_score,
            "status": "failed" if self.status == "failed" else "passed",
            "output": output,
            "tags": [self.exercise],
            "visibility": "visible",
            "extra_data": {"outcome": self.status, "hint": self.hint, "message": self.message},
        }

    @classmethod
    def from_gradescope(cls, test: dict) -> TestOutcome:
        extra = test.get("extra_data") or {}
        name = str(test["name"])
        return cls(
            name=name,
            exercise=str((test.get("tags") or [name.split("::")[0]])[0]),
            max_score=float(test.get("max_score", 0.0)),
            score=float(test.get("score", 0.0)),
            status=extra.get("outcome") or test.get("status", "failed"),
            hint=extra.get("hint", ""),
            message=extra.get("message", ""),
        )


@dataclass
class GradeResult:
    """What grading one submission gave: per-test outcomes, or why there are none."""

    submission: str
    status: str  # graded | error
    error: str = ""
    outcomes: list[TestOutcome] = field(default_factory=list)
    # Points available per exercise: what an error result is graded out of.
    maximum: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    protections: list[str] = field(default_factory=list)
    fingerprint: str = ""
    version: str = __version__

    @classmethod
    def failed(cls, submission: str, error: str, **fields) -> GradeResult:
        return cls(submission, "error", error=error, **fields)

    @classmethod
    def pending(cls, submission: str) -> GradeResult:
        """A submission not graded yet (an interrupted run): still a row, and `pending`,
        never mistaken for an error."""
        return cls(submission, "pending", error=NOT_GRADED_YET)

    # --- numbers -------------------------------------------------------------------------

    def exercise_scores(self) -> dict[str, dict[str, float]]:
        """exercise -> {"score", "max_score"}; skipped tests count in neither."""
        if self.status != "graded":
            return {
                name: {"score": 0.0, "max_score": self.maximum.get(name, 0.0)}
                for name in EXERCISE_NAMES
            }
        scores = {name: {"score": 0.0, "max_score": 0.0} for name in EXERCISE_NAMES}
        for o in self.outcomes:
            entry = scores.setdefault(o.exercise, {"score": 0.0, "max_score": 0.0})
            entry["score"] += o.score
            entry["max_score"] += o.max_score
        return scores

    @property
    def score(self) -> float:
        return sum(e["score"] for e in self.exercise_scores().values())

    @property
    def max_score(self) -> float:
        return sum(e["max_score"] for e in self.exercise_scores().values())

    @property
    def percent(self) -> float:
        top = self.max_score
        return round(100 * self.score / top, 2) if top else 0.0

    def outcome(self, name: str) -> TestOutcome | None:
        return next((o for o in self.outcomes if o.name == name), None)

    # --- serialisations ------------------------------------------------------------------

    def to_gradescope(self) -> dict:
        """results.json: Gradescope's format, plus our own extra_data."""
        exercises = self.exercise_scores()
        score = sum(e["score"] for e in exercises.values())
        max_score = sum(e["max_score"] for e in exercises.values())
        percent = round(100 * score / max_score, 2) if max_score else 0.0
        if self.status == "graded":
            failed = sum(o.status == "failed" for o in self.outcomes)
            output = (
                f"{score:g} of {max_score:g} points ({percent:g} %). "
                f"{failed} test(s) failed; see each test for a hint."
            )
        else:
            output = f"Your submission could not be graded: {self.error.splitlines()[0]}"
        return {
            "score": score,
            "execution_time": round(self.seconds, 2),
            "output": output,
            "tests": [o.to_gradescope() for o in self.outcomes] if self.status == "graded" else [],
            "extra_data": {
                "submission": self.submission,
                "status": self.status,
                "error": self.error,
                "max_score": max_score,
                "percent": percent,
                "exercises": exercises,
                "protections": self.protections,
                "fingerprint": self.fingerprint,
                "torchgrade_version": self.version,
            },
        }

    @classmethod
    def from_gradescope(cls, data: dict, submission: str = "") -> GradeResult:
        extra = data.get("extra_data") or {}
        exercises = extra.get("exercises") or {}
        return cls(
            submission=str(extra.get("submission", submission)),
            status=str(extra.get("status", "error")),
            error=str(extra.get("error") or ""),
            outcomes=[TestOutcome.from_gradescope(t) for t in data.get("tests") or []],
            maximum={k: float(v.get("max_score", 0.0)) for k, v in exercises.items()},
            seconds=float(data.get("execution_time", 0.0)),
            protections=list(extra.get("protections") or []),
            fingerprint=str(extra.get("fingerprint", "")),
            version=str(extra.get("torchgrade_version", "")),
        )

    def write(self, out_dir: Path) -> Path:
        """Write `out_dir/<submission>/results.json` (atomically); return its path."""
        path = Path(out_dir) / self.submission / RESULTS_JSON
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_gradescope(), indent=2, ensure_ascii=False) + "\n"
        return write_atomic(path, text)

    def csv_row(self) -> dict:
        """The submission's row in grades.csv."""
        exercises = self.exercise_scores()
        row = {
            "submission": self.submission,
            "status": self.status,
            "score": round(float(self.score), 4),
            "max_score": self.max_score,
            "percent": self.percent,
        }
        for name in EXERCISE_NAMES:  # an error row leaves them empty: nothing was graded
            score = exercises.get(name, {}).get("score", 0.0)
            row[name] = round(float(score), 4) if self.status == "graded" else ""
        row["error"] = self.error.splitlines()[0] if self.error else ""
        return row


def load_result(path: Path) -> GradeResult | None:
    """The result in the results.json at `path`, or None when it is missing or unreadable."""
    path = Path(path)
    data = read_json(path)
    if data is None:
        return None
    try:
        return GradeResult.from_gradescope(data, path.parent.name)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def read_result(out_dir: Path, name: str) -> GradeResult | None:
    """`out_dir/<name>/results.json`, or None when it is missing or unreadable."""
    return load_result(Path(out_dir) / name / RESULTS_JSON)


def write_grades_csv(out_dir: Path, results: dict[str, GradeResult | None]) -> Path:
    """grades.csv: one row per submission, sorted by name; a submission without a result
    yet (an interrupted run) still has its row; no text cell reads as a formula."""
    rows = [(results[name] or GradeResult.pending(name)).csv_row() for name in sorted(results)]
    table = [[row[c] for c in GRADES_COLUMNS] for row in rows]
    return write_csv_atomic(Path(out_dir) / GRADES_CSV, GRADES_COLUMNS, table)
