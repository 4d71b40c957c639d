"""`torchgrade` command line: the student kit's commands plus the instructor's.

One module per command; see `autograder.kit.cli` for how a command registers itself.
"""

from __future__ import annotations

import argparse
import sys

from autograder.kit import cli as kit_cli

COMMANDS = (
    *kit_cli.STUDENT_COMMANDS,
    "autograder.commands.grade",  # instructor: grade a folder of submissions
    "autograder.commands.diff",  # instructor: what changed between two grading runs
    "autograder.commands.build",  # instructor: otter autograder, student release, notebooks
    "autograder.commands.cache",  # instructor: show or clear the reference cache of `grade`
)


def build_parser() -> argparse.ArgumentParser:
    return kit_cli.build_parser(COMMANDS)


def main(argv: list[str] | None = None) -> int:
    return kit_cli.main(argv, COMMANDS)


if __name__ == "__main__":
    sys.exit(main())
