"""Where the seconds before the first result go: each start-up part of `torchgrade grade`,
measured alone, one after the other (in a real run they overlap, see below).

    python benchmarks/cold_start.py [SUBMISSION_ZIP]

Each part runs in a fresh interpreter, so every import is paid as a real run pays it:

- `python -c pass` and `import torch`: the floor;
- the grader's parent up to the point where it starts its workers (argument checks,
  reading earlier results): a real run starts the workers there;
- the sandbox's zygote alone, from start to ready (imports, warm-up);
- a grading worker's start (torch, the judge, one collection of the hidden suites), with its
  zygote starting beside it as in a run;
- grading one submission in a started worker (a stub unless SUBMISSION_ZIP is given), with
  the reference cache filled;
- writing the class reports (importing pandas, matplotlib and openpyxl included).

In `torchgrade grade` the zygote and the worker start at the same time (two cores), and the
parent imports its report libraries while they do: the first result comes after about
max(zygote, worker start) + one submission, and the command ends a report-writing later.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from speed import write_zips  # (benchmarks/, this script's folder, is on sys.path)

WORKER = """
import sys, time
from pathlib import Path
from autograder.commands.grade import GradeOptions, _grade_in_worker, _init_worker
from autograder.judge.suites import HiddenSuite
from autograder.sandbox import Limits
from autograder.submissions import discover
submission = discover(Path(sys.argv[1]))[0]
options = GradeOptions(HiddenSuite(), limits=Limits(), reference_cache=Path(sys.argv[2]))
start = time.perf_counter()
_init_worker(options)  # its zygote starts beside it, as in a run
started = time.perf_counter()
_grade_in_worker(submission)  # fills the reference cache on first use
again = time.perf_counter()
_grade_in_worker(submission)
print(started - start, time.perf_counter() - again)
"""

ZYGOTE = """
from autograder.sandbox.zygote import Zygote
zygote = Zygote()
zygote.start()
zygote._wait_ready()
print(zygote.startup_seconds)
zygote.close()
"""

REPORTS = """
import sys, time
from pathlib import Path
start = time.perf_counter()
from autograder.report import write_class_reports
write_class_reports(Path(sys.argv[1]))
print(time.perf_counter() - start)
"""

PARENT = """
import sys
from autograder import workers
def start(self, count):  # the parent's work ends here: a real run starts its workers now
    print("starting workers")
    raise SystemExit(0)
workers.WorkerPool.start = start
from autograder.cli import main
main(sys.argv[1:])
"""


def fresh(code: str, *args: str, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True
    )
    lines = result.stdout.strip().splitlines()
    return time.perf_counter() - start, lines[-1] if lines else ""


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="torchgrade-cold-"))
    env = {**os.environ, "TORCHGRADE_CACHE_DIR": str(tmp / "cache")}
    try:
        if len(sys.argv) > 1:
            submission = tmp / "subs" / Path(sys.argv[1]).name
            submission.parent.mkdir()
            shutil.copy(sys.argv[1], submission)
        else:
            submission = write_zips(tmp / "subs", 1, realistic=False)[0]
        (tmp / "cache").mkdir(mode=0o700)
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        print("| part | seconds |")
        print("|---|---:|")
        print(f"| python -c pass | {fresh('pass', env=env)[0]:.2f} |")
        print(f"| import torch | {fresh('import torch', env=env)[0]:.2f} |")
        parent = fresh(PARENT, "grade", str(submission.parent), "--out", str(tmp / "x"), env=env)[0]
        print(f"| grader parent, up to starting its workers | {parent:.2f} |")
        zygote = float(fresh(ZYGOTE, env=env)[1])
        print(f"| sandbox zygote alone, start to ready | {zygote:.2f} |")
        _, line = fresh(WORKER, str(submission.parent), str(tmp / "cache"), env=env)
        worker, one = (float(x) for x in line.split())
        print(f"| grading worker start, its zygote starting beside it | {worker:.2f} |")
        print(f"| one submission in a started worker (cache filled) | {one:.2f} |")
        graded = subprocess.run(
            [str(Path(sys.executable).parent / "torchgrade"), "grade", str(submission.parent)]
            + ["--out", str(tmp / "out"), "-q"],
            capture_output=True,
            env=env,
        )
        if graded.returncode not in (0, 1):
            raise SystemExit(graded.stderr.decode()[-2000:])
        reports = float(fresh(REPORTS, str(tmp / "out"), env=env)[1])
        print(f"| class reports (imports included) | {reports:.2f} |")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
