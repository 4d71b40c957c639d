"""Grading runs made up through the result model, for the report and regrade tests.

`synthetic.write(out, plan)` (a fixture) writes what `torchgrade grade --out OUT` would
after grading submissions described by `plan` (name -> Profile), without running any
student code: the tests are the real hidden suite's (names, points, hints), their outcomes
come from the plan.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from autograder.judge.pipeline import (
    GradeRecord,
    grades_row,
    pending_row,
    results_json,
    suite_maximum,
    write_grades_csv,
    write_json_atomic,
)
from autograder.judge.plugin import TestOutcome
from autograder.judge.suites import collect_hidden_suite
from autograder.kit.registry import EXERCISE_NAMES

STUB_MESSAGE = (
    "NotImplementedError: {exercise}.first_function: start here, the stub says how\n"
    '  File "/tmp/sandbox/submission/exercises/{exercise}.py", line 12, in first_function\n'
    "    raise NotImplementedError("
)
SYNTAX_MESSAGE = "SyntaxError: invalid syntax ({exercise}.py, line 269)"
WRONG_MESSAGE = "logits: {n} of 20 values differ from the reference (largest error 0.{n}7)"


@dataclass
class Profile:
    """How one made-up submission did. Exercises not named pass every test."""

    not_started: tuple[str, ...] = ()
    syntax_error: tuple[str, ...] = ()
    wrong: dict[str, int] = field(default_factory=dict)  # exercise -> tests failed
    error: str = ""  # non-empty: the submission could not be graded
    pending: bool = False  # not graded yet (an interrupted run)


@pytest.fixture(scope="session")
def hidden_tests() -> list[TestOutcome]:
    return [t for t in collect_hidden_suite() if t.status != "skipped"]


def outcomes_for(profile: Profile, tests: list[TestOutcome], seed: int) -> list[TestOutcome]:
    rng = random.Random(seed)
    wrong = {
        exercise: set(rng.sample([t.name for t in tests if t.exercise == exercise], count))
        for exercise, count in profile.wrong.items()
    }
    outcomes = []
    for test in tests:
        message = ""
        if test.exercise in profile.not_started:
            message = STUB_MESSAGE.format(exercise=test.exercise)
        elif test.exercise in profile.syntax_error:
            message = SYNTAX_MESSAGE.format(exercise=test.exercise)
        elif test.name in wrong.get(test.exercise, ()):
            message = WRONG_MESSAGE.format(n=rng.randint(1, 9))
        if message:
            outcomes.append(replace(test, status="failed", score=0.0, message=message))
        else:
            outcomes.append(replace(test, status="passed", score=test.max_score, message=""))
    return outcomes


def write_synthetic_run(
    out: Path, plan: dict[str, Profile], tests: list[TestOutcome]
) -> dict[str, dict]:
    """Write results.json per submission and grades.csv; return name -> results."""
    maximum = suite_maximum()
    everything, rows = {}, {}
    for seed, (name, profile) in enumerate(sorted(plan.items())):
        if profile.pending:
            rows[name] = pending_row(name)
            continue
        if profile.error:
            record = GradeRecord(name, "error", error=profile.error)
        else:
            record = GradeRecord(name, "graded", outcomes=outcomes_for(profile, tests, seed))
        results = results_json(record, maximum)
        write_json_atomic(out / name / "results.json", results)
        everything[name] = results
        rows[name] = grades_row(results)
    write_grades_csv(out, rows)
    return everything


def class_of(size: int, seed: int = 0) -> dict[str, Profile]:
    """A class of `size` submissions with the mix a real course has."""
    rng = random.Random(seed)
    plan: dict[str, Profile] = {}
    for i in range(size):
        roll = rng.random()
        name = f"student-{i:03d}"
        if roll < 0.04:
            plan[name] = Profile(error="the zip is empty")
        elif roll < 0.12:
            done = rng.randint(0, 3)
            plan[name] = Profile(not_started=EXERCISE_NAMES[done:])
        elif roll < 0.2:
            plan[name] = Profile(syntax_error=(rng.choice(EXERCISE_NAMES),))
        else:
            wrong = {e: rng.randint(1, 3) for e in rng.sample(EXERCISE_NAMES, rng.randint(0, 3))}
            plan[name] = Profile(wrong=wrong)
    return plan


@dataclass
class SyntheticRuns:
    """What a test needs to make up a run: `write(out, plan)`, `Profile`, `class_of`."""

    tests: list[TestOutcome]
    Profile: type = Profile
    class_of: Callable[..., dict[str, Profile]] = staticmethod(class_of)

    def write(self, out: Path, plan: dict[str, Profile]) -> dict[str, dict]:
        return write_synthetic_run(out, plan, self.tests)


@pytest.fixture(scope="session")
def synthetic(hidden_tests: list[TestOutcome]) -> SyntheticRuns:
    return SyntheticRuns(hidden_tests)
