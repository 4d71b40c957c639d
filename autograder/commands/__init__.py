"""The instructor's commands (`grade`, `build`, `cache`, `diff`); the kit has the students'."""

from __future__ import annotations

import argparse

from autograder.kit.registry import EXERCISE_NAMES


def add_exercises_argument(parser: argparse.ArgumentParser, help: str) -> None:
    """`--exercises A B ...`: a selection of the course's exercises (default: all)."""
    parser.add_argument(
        "--exercises",
        nargs="+",
        choices=EXERCISE_NAMES,
        default=None,
        metavar="EXERCISE",
        help=help,
    )
