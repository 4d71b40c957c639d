"""CPU seconds a grading worker spends per submission (steady on a shared machine).

    python benchmarks/worker_cpu.py FOLDER_OF_ZIPS

Starts one grading worker exactly as `torchgrade grade` does (`_init_worker`), grades every
submission in the folder with it, and prints the wall-clock and the worker's own CPU seconds
per submission, the first two not counted (zygote start, first collection, reference
values). The sandbox children's CPU is not included. Run it from two checkouts
(`PYTHONPATH=<checkout>`) on the same zips to compare them side by side.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import autograder
from autograder.commands.grade import GradeOptions, _grade_in_worker, _init_worker
from autograder.judge.suites import HiddenSuite
from autograder.sandbox import Limits
from autograder.submissions import discover


def main(folder: Path) -> None:
    fields = GradeOptions.__dataclass_fields__
    extra = (
        {"reference_cache": Path("/tmp/torchgrade-bench-cache")}
        if "reference_cache" in fields
        else {}
    )
    _init_worker(GradeOptions(HiddenSuite(), backend="isolated", limits=Limits(), **extra))
    submissions = discover(folder)
    for submission in submissions[:2]:
        _grade_in_worker(submission)
    wall, cpu = time.perf_counter(), time.process_time()
    for submission in submissions[2:]:
        _grade_in_worker(submission)
    n = max(1, len(submissions) - 2)
    wall, cpu = (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n
    print(
        f"{Path(autograder.__file__).parents[1]}: per submission wall {wall:.3f} s, "
        f"worker CPU {cpu:.3f} s (load average {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
