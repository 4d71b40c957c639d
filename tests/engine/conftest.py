"""Fixtures shared by the engine tests.

`own_processes`: the processes a test started. `synthetic`: grading runs made up through
the result model, for the report and regrade tests: `synthetic.write(out, plan)` writes what
`torchgrade grade --out OUT` would after grading submissions described by `plan` (name ->
Profile), without running any student code: the tests are the real hidden suite's (names,
points, hints), their outcomes come from the plan.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import random
import sys
import time
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

PR_SET_CHILD_SUBREAPER = 36


class OwnProcesses:
    """The live processes this test session started, wherever they were reparented.

    The session is made a child subreaper (Linux), so an orphan of a grader or a sandbox is
    reparented to it instead of to init: every process a test started stays a descendant of
    the session, and processes of another grader running on the same machine never count."""

    def __init__(self) -> None:
        self.root = os.getpid()
        self.reaper = False
        if sys.platform.startswith("linux"):
            libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
            self.reaper = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0

    def live(self) -> dict[int, str]:
        """pid -> "pid name (ppid N)" of every live (not zombie) descendant of the session."""
        children: dict[int, list[int]] = {}
        described: dict[int, str] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
            if state not in ("Z", "X"):
                children.setdefault(int(ppid), []).append(int(entry.name))
                described[int(entry.name)] = f"{entry.name} {name} (ppid {ppid})"
        found, todo = {}, [self.root]
        while todo:
            for child in children.get(todo.pop(), []):
                found[child] = described[child]
                todo.append(child)
        return found

    def since(self, before: set[int] | dict[int, str], wait: float = 5.0) -> list[str]:
        """Descendants that are not in `before`, after waiting up to `wait` s for them to end."""
        deadline = time.monotonic() + wait
        while True:
            new = [text for pid, text in self.live().items() if pid not in before]
            if not new or time.monotonic() > deadline:
                return new
            time.sleep(0.05)


@pytest.fixture(scope="session")
def own_processes() -> OwnProcesses:
    if not sys.platform.startswith("linux"):
        pytest.skip("process accounting through /proc needs Linux")
    return OwnProcesses()


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
