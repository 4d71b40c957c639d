"""`torchgrade` command line: one module per subcommand in autograder/commands/."""

from __future__ import annotations

import argparse
import importlib
import sys

from autograder import __version__

# One module per subcommand in autograder.commands. Each has `register(subparsers)`, which
# adds its parser and sets `func(args) -> int` as the default.
COMMANDS = (
    "check",  # student: run the public tests of exercises/
    "submit",  # student: pack exercises/ into a submission zip
    "grade",  # instructor: grade a folder of submissions
    "build",  # instructor: otter autograder, student release, notebooks
    "notebooks",  # instructor: generate the exercise notebooks
    "cache",  # instructor: show or clear the reference cache of `grade`
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="torchgrade",
        description="Exercises and a safe, fast autograder for an introductory PyTorch course.",
    )
    parser.add_argument("--version", action="version", version=f"torchgrade {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMANDS:
        try:
            module = importlib.import_module(f"autograder.commands.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"autograder.commands.{module_name}":
                raise
            continue  # a command that this installation does not ship (the student release)
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
