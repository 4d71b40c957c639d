"""Grade the solutions, the stubs and every catalogued mutant of some exercises in-process.

    python -m autograder.authoring.catalogue_check [EXERCISE ...]

prints one line per submission with its points per exercise, and a verdict: the solutions
and the correct variants must score full marks, the stubs nothing, and each mutant must
lose points in its own exercise and in no other. The project's tests assert the same.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder.authoring.mutation import Mutant, build_submission, load_catalogue
from autograder.judge.student import InProcessBackend
from autograder.judge.suites import SuiteResult, run_hidden_suite
from autograder.kit.registry import EXERCISE_NAMES


@dataclass
class CatalogueRow:
    name: str
    kind: str  # solutions | stubs | mutant | variant
    exercise: str | None
    scores: dict[str, tuple[float, float]]
    problem: str  # "" when the row behaves as it must

    @property
    def ok(self) -> bool:
        return not self.problem


def grade_tree(root: Path, exercises: list[str]) -> SuiteResult:
    backend = InProcessBackend(root, "exercises")
    try:
        return run_hidden_suite(backend, root, "exercises", exercises)
    finally:
        backend.close()


def verdict(kind: str, exercise: str | None, scores: dict[str, tuple[float, float]]) -> str:
    problems = []
    for name, (got, top) in scores.items():
        full = got == top
        if kind in ("solutions", "variant") and not full:
            problems.append(f"{name} {got:g}/{top:g} (expected full marks)")
        elif kind == "stubs" and got != 0:
            problems.append(f"{name} {got:g}/{top:g} (expected 0)")
        elif kind == "mutant" and name == exercise and full:
            problems.append(f"{name} {got:g}/{top:g} (bug not caught)")
        elif kind == "mutant" and name != exercise and not full:
            problems.append(f"{name} {got:g}/{top:g} (points lost outside {exercise})")
    return "; ".join(problems)


def check_catalogue(
    exercises: list[str], mutants: list[Mutant] | None = None, include_baselines: bool = True
) -> list[CatalogueRow]:
    catalogue = load_catalogue() if mutants is None else mutants
    plan: list[tuple[str, str, str | None, Mutant | None, str]] = []
    if include_baselines:
        plan += [
            ("solutions", "solutions", None, None, "solutions"),
            ("stubs", "stubs", None, None, "exercises"),
        ]
    plan += [
        (m.name, "variant" if m.correct else "mutant", m.exercise, m, "solutions")
        for m in catalogue
        if m.exercise in exercises
    ]
    rows = []
    with tempfile.TemporaryDirectory(prefix="torchgrade-catalogue-") as tmp:
        for i, (name, kind, exercise, mutant, source) in enumerate(plan):
            root = build_submission(Path(tmp) / f"s{i}", source, mutant)
            # A mutant changes only its own module, and each hidden suite reaches only its
            # own exercise's module (`suite_reach` proves it), so the other exercises keep
            # the solutions' full marks: grading the mutant's own suite is enough.
            graded = [exercise] if exercise else exercises
            scores = {
                k: v for k, v in grade_tree(root, graded).exercise_scores().items() if k in graded
            }
            rows.append(CatalogueRow(name, kind, exercise, scores, verdict(kind, exercise, scores)))
    return rows


class RecordingBackend:
    """Wraps a backend and records which exercises' modules the tests reached."""

    def __init__(self, backend) -> None:
        self.backend = backend
        self.reached: set[str] = set()

    def call(self, exercise, function, args, kwargs):
        self.reached.add(exercise)
        return self.backend.call(exercise, function, args, kwargs)

    def probe(self, exercise, probe_fn, args, kwargs):
        self.reached.add(exercise)
        return self.backend.probe(exercise, probe_fn, args, kwargs)

    def close(self) -> None:
        self.backend.close()


def suite_reach(exercises: list[str]) -> dict[str, set[str]]:
    """exercise -> the exercise modules its hidden suite called into (on the solutions)."""
    reach = {}
    with tempfile.TemporaryDirectory(prefix="torchgrade-reach-") as tmp:
        root = build_submission(Path(tmp), "solutions")
        for exercise in exercises:
            backend = RecordingBackend(InProcessBackend(root, "exercises"))
            try:
                run_hidden_suite(backend, root, "exercises", [exercise])
            finally:
                backend.close()
            reach[exercise] = backend.reached
    return reach


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("exercises", nargs="*", choices=[[], *EXERCISE_NAMES], default=[])
    args = parser.parse_args(argv)
    exercises = args.exercises or list(EXERCISE_NAMES)
    for exercise, reached in suite_reach(exercises).items():
        if reached - {exercise}:
            print(f"BAD suite {exercise} also calls into {sorted(reached - {exercise})}")
    rows = check_catalogue(exercises)
    for row in rows:
        points = "  ".join(f"{k}={g:g}/{t:g}" for k, (g, t) in row.scores.items())
        print(
            f"{'ok ' if row.ok else 'BAD'} {row.kind:9} {row.name:45} {points}"
            + (f"\n      {row.problem}" if row.problem else "")
        )
    bad = [r for r in rows if not r.ok]
    print(f"{len(rows) - len(bad)} of {len(rows)} behave as they must")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
