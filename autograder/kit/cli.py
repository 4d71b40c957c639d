"""The `torchgrade` command line of the student kit: check, submit, notebooks.

Each command is one module with `register(subparsers)`, which adds its parser and sets
`func(args) -> int` as the default. The full installation (`autograder.cli`) adds the
instructor's commands to these; the student release installs this one.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from autograder import __version__

STUDENT_COMMANDS = (
    "autograder.kit.commands.check",  # run the public tests of exercises/
    "autograder.kit.commands.submit",  # pack exercises/ into a submission zip
    "autograder.kit.commands.notebooks",  # generate or extract the exercise notebooks
)


def build_parser(commands: Sequence[str] = STUDENT_COMMANDS) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="torchgrade",
        description="Exercises and a safe, fast autograder for an introductory PyTorch course.",
    )
    parser.add_argument("--version", action="version", version=f"torchgrade {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in commands:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None, commands: Sequence[str] = STUDENT_COMMANDS) -> int:
    args = build_parser(commands).parse_args(argv)
    args.command_line = list(sys.argv[1:] if argv is None else argv)  # (to say how to resume)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
