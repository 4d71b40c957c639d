"""`torchgrade cache [--clear]`: where the reference cache lives, how big it is, emptying it.

`torchgrade grade` keeps the reference solutions' results on disk (autograder.judge.reference_cache)
so that a run does not compute them again; entries are keyed by everything they depend on,
so clearing is never needed for correctness, only to reclaim the space.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "cache",
        help="show or clear the reference cache of `torchgrade grade`",
        description="Print where `torchgrade grade` keeps the reference solutions' results "
        "($TORCHGRADE_CACHE_DIR, else $XDG_CACHE_HOME/torchgrade, else ~/.cache/torchgrade) "
        "and their size; --clear deletes them (the next run computes them again).",
    )
    parser.add_argument("--clear", action="store_true", help="delete the cached results")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from autograder.judge.reference_cache import cache_files, clear, default_cache_dir

    folder = default_cache_dir()
    if args.clear:
        removed = clear(folder)
        print(f"removed {removed} reference cache file(s) from {folder}")
        return 0
    files = cache_files(folder)
    size = sum(p.stat().st_size for p in files)
    print(f"reference cache: {folder} ({len(files)} course key(s), {size / 2**20:.1f} MiB)")
    return 0
