"""`torchgrade submit`: pack the student's exercises/ into the zip the graders expect."""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

from autograder.kit.registry import EXERCISE_NAMES


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "submit",
        help="pack exercises/ into a submission zip",
        description="Pack the .py modules of exercises/ into a zip that `torchgrade grade`, "
        "otter and Gradescope accept.",
    )
    parser.add_argument(
        "--from",
        dest="source",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="folder that contains exercises/ (default: current folder)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("submission.zip"),
        metavar="FILE",
        help="zip to write (default: submission.zip)",
    )
    parser.set_defaults(func=run)


def pack(source: Path, out: Path) -> list[str]:
    """Write `out` with exercises/*.py from `source`; return the packed names."""
    package = source / "exercises"
    if not package.is_dir():
        raise FileNotFoundError(
            f"no exercises/ folder in {source.resolve()}: run this from the folder that holds "
            f"exercises/, or pass --from DIR"
        )
    modules = sorted(p for p in package.glob("*.py") if p.is_file())
    if not modules:
        raise FileNotFoundError(f"{package} has no .py files to submit")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for module in modules:
            # Fixed timestamps: the same files always give the same zip.
            info = zipfile.ZipInfo(f"exercises/{module.name}", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, module.read_bytes())
    return [m.name for m in modules]


def run(args: argparse.Namespace) -> int:
    try:
        names = pack(args.source, args.out)
    except FileNotFoundError as exc:
        print(f"torchgrade submit: {exc}", file=sys.stderr)
        return 2
    missing = [e for e in EXERCISE_NAMES if f"{e}.py" not in names]
    print(f"wrote {args.out} with {len(names)} module(s)")
    if missing:
        print(f"note: not included (missing): {', '.join(missing)}")
    return 0
