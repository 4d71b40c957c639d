"""Grading throughput: torchgrade grade vs otter run on the same submissions.

    python benchmarks/grade_throughput.py [--count N] [--jobs J] [--otter-count M]

Builds N mixed submissions (solutions, stubs, every mutant, broken ones), grades them with
`torchgrade grade --jobs J` (isolated backend), then grades M of them one by one with
`otter run` and the autograder built by `torchgrade build` (skipped when otter or the
autograder cannot be built), and prints seconds per submission for both and their ratio.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--otter-count", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None, help="keep the outputs here")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    tmp = Path(tempfile.mkdtemp(prefix="torchgrade-bench-"))
    try:
        subs = tmp / "subs"
        run(
            [
                sys.executable,
                "-m",
                "autograder.authoring.samples",
                str(subs),
                "--count",
                str(args.count),
            ],
            check=True,
        )
        start = time.perf_counter()
        graded = run(
            [
                str(bin_dir / "torchgrade"),
                "grade",
                str(subs),
                "--out",
                str(tmp / "out"),
                "--jobs",
                str(args.jobs),
                "--quiet",
            ]
        )
        ours = (time.perf_counter() - start) / args.count
        if graded.returncode not in (0, 1):  # 1: some samples are broken on purpose
            print(graded.stdout, graded.stderr)
            return 1
        print(graded.stdout.strip())
        print(
            f"torchgrade grade --jobs {args.jobs}: {args.count} submissions, "
            f"{ours:.2f} s per submission"
        )

        otter = bin_dir / "otter"
        built = run([str(bin_dir / "torchgrade"), "build", "--out", str(tmp / "dist")])
        autograder = tmp / "dist" / "autograder.zip"
        if not otter.exists() or built.returncode != 0 or not autograder.exists():
            print("otter run: skipped (otter or `torchgrade build` unavailable)")
            return 0
        zips = sorted(p for p in subs.glob("*.zip") if "solutions" in p.name or "mutant" in p.name)
        zips = zips[: args.otter_count]
        start = time.perf_counter()
        for i, submission in enumerate(zips):
            out = tmp / f"otter-{i}"
            out.mkdir()
            result = run(
                [str(otter), "run", "-a", str(autograder), "-o", str(out), str(submission)], cwd=tmp
            )
            if result.returncode != 0:
                print(f"otter run failed on {submission.name}:\n{result.stderr[-2000:]}")
                return 1
        theirs = (time.perf_counter() - start) / max(1, len(zips))
        print(f"otter run (one by one): {len(zips)} submissions, {theirs:.2f} s per submission")
        print(f"throughput ratio: torchgrade is {theirs / ours:.1f}x otter run")
        return 0
    finally:
        if args.keep:
            shutil.copytree(tmp, args.keep, dirs_exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
