"""`torchgrade notebooks [--out DIR]`: one notebook per exercise, generated from the stubs.

`torchgrade notebooks --extract NOTEBOOKS [--out DIR]` goes the other way: the code cells of
the exercise notebooks in NOTEBOOKS become `DIR/exercises/<name>.py`, ready for
`torchgrade submit`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.kit.registry import EXERCISE_NAMES


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "notebooks",
        help="generate the exercise notebooks (or extract modules from them)",
        description="Write DIR/<exercise>.ipynb for each exercise: an introduction, the stub "
        "code in editable cells and a check cell running its public tests. With "
        "--extract, turn filled-in notebooks back into exercises/<exercise>.py.",
    )
    parser.add_argument(
        "exercises",
        nargs="*",
        metavar="EXERCISE",
        help=f"any of: {', '.join(EXERCISE_NAMES)} (default: all)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="output folder (default: ./notebooks; with --extract: the "
        "current folder, which gets exercises/)",
    )
    parser.add_argument(
        "--extract",
        type=Path,
        default=None,
        metavar="NOTEBOOKS",
        help="a folder of exercise notebooks to turn into exercises/*.py",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from autograder.kit.notebooks import notebooks_to_package, write_notebooks

    unknown = [e for e in args.exercises if e not in EXERCISE_NAMES]
    if unknown:
        print(
            f"torchgrade notebooks: unknown exercise {', '.join(unknown)}; choose from "
            f"{', '.join(EXERCISE_NAMES)}",
            file=sys.stderr,
        )
        return 2
    if args.extract is not None:
        try:
            package = notebooks_to_package(args.extract, args.out or Path("."))
        except ValueError as exc:
            print(f"torchgrade notebooks: {exc}", file=sys.stderr)
            return 2
        modules = sorted(p.name for p in package.glob("*.py") if p.name != "__init__.py")
        print(f"wrote {len(modules)} module(s) to {package}: {', '.join(modules)}")
        return 0
    written = write_notebooks(args.out or Path("notebooks"), args.exercises or None)
    print(f"wrote {len(written)} notebook(s) to {args.out or Path('notebooks')}")
    return 0
