"""`torchgrade check [EXERCISE ...]`: the student's progress report from the public tests.

One line per exercise. A failing exercise shows its first failure with the decisive lines
of the assertion (expected vs got); an exercise not started shows the stub's hint, where to
start. `-v` shows every failure.
"""

from __future__ import annotations

import argparse
import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.kit.failure_messages import STUB_ERROR, decisive_lines, stub_hint_of
from autograder.kit.registry import EXERCISE_NAMES

if TYPE_CHECKING:  # imported in run(): the command must start without pytest and torch
    import pytest


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="run the public tests and show each exercise's status",
        description="Run the public tests of the named exercises (all by default) against "
        "exercises/ and print one line per exercise.",
    )
    parser.add_argument(
        "exercises", nargs="*", metavar="EXERCISE", help=f"any of: {', '.join(EXERCISE_NAMES)}"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show every failure, not only the first"
    )
    parser.add_argument(
        "--impl", choices=["exercises", "solutions"], default="exercises", help=argparse.SUPPRESS
    )  # instructors: check the reference
    parser.add_argument(
        "--tests",
        type=Path,
        default=None,
        metavar="DIR",
        help="the public tests folder (default: tests/public here)",
    )
    parser.set_defaults(func=run)


@dataclass
class Failure:
    test: str
    message: str  # the whole assertion message


@dataclass
class ExerciseStatus:
    name: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    not_implemented: int = 0
    failures: list[Failure] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.failed == 0 and self.passed:
            return "passing"
        if self.failed and self.not_implemented == self.failed and self.passed == 0:
            return "not started"
        if self.failed:
            return "failing"
        return "no tests"

    def start_hint(self) -> str:
        """The stub's own hint: where to start."""
        return next((h for f in self.failures if (h := stub_hint_of(f.message))), "")


class _Collector:
    def __init__(self) -> None:
        self.status = {name: ExerciseStatus(name) for name in EXERCISE_NAMES}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        exercise = Path(report.fspath).stem.removeprefix("test_")
        status = self.status.get(exercise)
        if status is None or (report.when != "call" and not report.failed and not report.skipped):
            return
        if report.skipped:
            status.skipped += 1
        elif report.failed:
            status.failed += 1
            message = _message(report)
            if STUB_ERROR in message:
                status.not_implemented += 1
            status.failures.append(Failure(report.nodeid.split("::")[-1], message))
        elif report.when == "call":
            status.passed += 1


def _message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    return text.strip() or "failed"


def failure_lines(failure: Failure, indent: str) -> list[str]:
    lines = decisive_lines(failure.message)
    return [f"{indent}{failure.test}:", *(f"{indent}  {line}" for line in lines)]


def find_tests(given: Path | None) -> Path:
    candidates = [given] if given else [Path("tests/public"), Path("tests")]
    for candidate in candidates:
        if candidate and candidate.is_dir() and any(candidate.glob("test_*.py")):
            return candidate
    raise FileNotFoundError(
        "no public tests found: run this in the course folder (the one "
        "with exercises/ and tests/public/), or pass --tests DIR"
    )


def run(args: argparse.Namespace) -> int:
    unknown = [e for e in args.exercises if e not in EXERCISE_NAMES]
    if unknown:
        print(
            f"torchgrade check: unknown exercise {', '.join(unknown)}; choose from "
            f"{', '.join(EXERCISE_NAMES)}",
            file=sys.stderr,
        )
        return 2
    try:
        tests = find_tests(args.tests)
    except FileNotFoundError as exc:
        print(f"torchgrade check: {exc}", file=sys.stderr)
        return 2
    selected = args.exercises or list(EXERCISE_NAMES)
    files = [str(tests / f"test_{e}.py") for e in selected if (tests / f"test_{e}.py").exists()]
    import pytest

    collector = _Collector()
    sys.path.insert(0, str(Path.cwd()))  # the student's exercises/ package
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        pytest.main(
            [
                *files,
                "-q",
                "-p",
                "no:cacheprovider",
                "--tb=line",
                f"--impl={args.impl}",
                "-W",
                "ignore::DeprecationWarning",
            ],
            plugins=[collector],
        )
    width = max(len("exercise"), *(len(e) for e in selected))
    total_passed = total = 0
    print(f"{'exercise':{width}}  status       tests")
    for name in selected:
        s = collector.status[name]
        count = s.passed + s.failed
        total_passed += s.passed
        total += count
        line = f"{name:{width}}  {s.state:11}  {s.passed}/{count} passed"
        if s.skipped:
            line += f", {s.skipped} skipped"
        print(line)
        indent = " " * (width + 2)
        if s.state == "not started" and s.start_hint():
            print(f"{indent}start with {s.start_hint()}")
        elif s.state == "failing":
            shown = s.failures if args.verbose else s.failures[:1]
            print(f"{indent}{'failures' if args.verbose else 'first failure'}:")
            for failure in shown:
                print("\n".join(failure_lines(failure, indent + "  ")))
            if len(s.failures) > len(shown):
                print(f"{indent}({len(s.failures) - 1} more: torchgrade check -v {name})")
    done = sum(collector.status[n].state == "passing" for n in selected)
    print(f"total: {done}/{len(selected)} exercises passing, {total_passed}/{total} tests passed")
    return 0 if done == len(selected) else 1
