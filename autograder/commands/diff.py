"""`torchgrade diff OLD NEW`: what a regrade changed, before it is published.

OLD and NEW are two `torchgrade grade --out` folders of the same class (say, before and
after a change of the hidden suites, the tolerances or the submissions). Prints the
submissions whose grade changed and the tests whose outcome changed, each with exactly the
submissions concerned; `--out DIR` also writes them as CSV files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="compare two grading runs: changed grades and tests",
        description="Compare two `torchgrade grade --out` folders of the same class: print "
        "every submission whose grade changed and every test whose outcome changed (with the "
        "submissions concerned). Exit status: 0 if nothing changed, 1 if something did.",
    )
    parser.add_argument("old", type=Path, metavar="OLD", help="the earlier output folder")
    parser.add_argument("new", type=Path, metavar="NEW", help="the later output folder")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="also write DIR/regrade_submissions.csv and DIR/regrade_tests.csv",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    for folder in (args.old, args.new):
        if not (folder / "grades.csv").is_file():
            print(
                f"torchgrade diff: {folder} is not a grading output folder (no grades.csv); "
                "pass two folders written by `torchgrade grade --out`",
                file=sys.stderr,
            )
            return 2
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        print(f"torchgrade diff: --out {args.out} is a file; name a folder", file=sys.stderr)
        return 2
    from autograder.report.data import load_run
    from autograder.report.regrade import compare_runs, regrade_text, write_regrade

    regrade = compare_runs(load_run(args.old), load_run(args.new))
    print(regrade_text(regrade))
    if args.out is not None:
        written = write_regrade(regrade, args.out)
        print("Written: " + ", ".join(str(p) for p in written))
    return 1 if regrade.changed else 0
