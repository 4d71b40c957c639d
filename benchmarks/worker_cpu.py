"""CPU seconds a grading worker spends per submission (steady on a shared machine).

    python benchmarks/worker_cpu.py FOLDER_OF_ZIPS [--requests N]

Starts one grading worker exactly as `torchgrade grade` does (`_init_worker`), grades every
submission in the folder with it, and prints the wall-clock and the worker's own CPU seconds
per submission, the first two not counted (zygote start, first collection, reference
values). The sandbox children's CPU is not included. Run it from two checkouts
(`PYTHONPATH=<checkout>`) on the same zips to compare them side by side. `--requests N`
also lists the N requests to the sandbox that took longest per submission (the round trip:
the child's own work for it, plus sending and decoding), and how many there were.
"""

from __future__ import annotations

import argparse
import collections
import os
import time
from pathlib import Path

import autograder
from autograder.commands.grade import GradeOptions, _grade_in_worker, _init_worker
from autograder.judge.suites import HiddenSuite
from autograder.sandbox import Limits
from autograder.sandbox.backend import IsolatedBackend
from autograder.submissions import discover


def time_requests() -> tuple[collections.Counter, collections.Counter]:
    """Wrap the sandbox backend's two kinds of request; (seconds, count) per request name."""
    seconds: collections.Counter = collections.Counter()
    counts: collections.Counter = collections.Counter()
    for kind in ("call", "probe"):
        original = getattr(IsolatedBackend, kind)

        def timed(self, exercise, function, args, kwargs, _original=original, _kind=kind):
            name = function if isinstance(function, str) else function.__name__
            start = time.perf_counter()
            try:
                return _original(self, exercise, function, args, kwargs)
            finally:
                seconds[f"{_kind} {exercise}.{name}"] += time.perf_counter() - start
                counts[f"{_kind} {exercise}.{name}"] += 1

        setattr(IsolatedBackend, kind, timed)
    return seconds, counts


def main(folder: Path, requests: int) -> None:
    seconds, counts = time_requests()
    options = GradeOptions(
        HiddenSuite(), limits=Limits(), reference_cache=Path("/tmp/torchgrade-bench-cache")
    )
    _init_worker(options)
    submissions = discover(folder)
    for submission in submissions[:2]:
        _grade_in_worker(submission)
    seconds.clear()
    counts.clear()
    wall, cpu = time.perf_counter(), time.process_time()
    for submission in submissions[2:]:
        _grade_in_worker(submission)
    n = max(1, len(submissions) - 2)
    wall, cpu = (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n
    print(
        f"{Path(autograder.__file__).parents[1]}: per submission wall {wall:.3f} s, "
        f"worker CPU {cpu:.3f} s (load average {os.getloadavg()[0]:.1f})"
    )
    if requests:
        total = sum(seconds.values()) / n
        print(f"requests to the sandbox: {sum(counts.values()) / n:.0f}, {total:.3f} s in all")
        for name, spent in seconds.most_common(requests):
            print(f"  {spent / n * 1000:7.1f} ms  x{counts[name] / n:<4.0f} {name}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--requests", type=int, default=0, metavar="N")
    arguments = parser.parse_args()
    main(arguments.folder, arguments.requests)
