"""How fast torchgrade is, measured side by side in one run (README's Measurements table).

    python benchmarks/speed.py [--jobs 2] [--stubs 4 16] [--realistic 4 16] [--otter 3]

Prints, each as wall-clock seconds and the CPU seconds of the grader's own processes (the
command, its workers and zygotes; not the sandbox children, which their zygote reaps): the
CPU figure is steadier on a shared machine:

- a yardstick, `python -c "import torch"`: the same machine runs a quarter faster or
  slower from hour to hour, and every wall figure scales with it;
- `torchgrade --help` and `torchgrade submit` (median of 5 fresh processes);
- cold start: one stub submission, the whole `torchgrade grade` command, first with an empty
  reference cache (first use of a course) and then with it filled (every later run);
- marginal cost per stub submission: (time for the larger batch - time for the smaller) /
  the difference in count, whole commands at `--jobs J`, the reference cache filled by an
  untimed run of the larger batch (which holds the smaller) first;
- realistic submissions (the solutions and one-bug variants from the mutant catalogue, in
  turn): seconds per submission of the larger batch and the marginal cost;
- `otter run` with the autograder of `torchgrade build`, one by one on the first `--otter`
  of the same realistic zips, and the throughput ratio.

The reference cache lives in a temporary folder for the run ($TORCHGRADE_CACHE_DIR), so
the figures do not depend on earlier runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None):
    """(wall seconds, CPU seconds of the command and everything it waited for, result)."""
    before = os.times()
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return wall, cpu, result


def write_zips(folder: Path, count: int, realistic: bool) -> list[Path]:
    """`count` submission zips: stubs, or solutions and one-bug variants in turn."""
    sys.path.insert(0, str(REPO))
    from autograder.authoring.mutation import build_submission, load_catalogue
    from autograder.kit.commands.submit import pack

    folder.mkdir(parents=True)
    mutants = [m for m in load_catalogue() if not m.correct]
    zips = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(count):
            if not realistic:
                tree = build_submission(Path(tmp) / str(i), "exercises")
            elif i % 2 == 0:
                tree = build_submission(Path(tmp) / str(i), "solutions")
            else:
                tree = build_submission(
                    Path(tmp) / str(i), "solutions", mutants[i // 2 % len(mutants)]
                )
            target = folder / f"s{i:03d}.zip"
            pack(tree, target)
            zips.append(target)
    return zips


def grade(subs: Path, out: Path, jobs: int, env: dict[str, str]) -> tuple[float, float]:
    wall, cpu, _ = timed(
        [str(BIN / "torchgrade"), "grade", str(subs), "--out", str(out), "--jobs", str(jobs), "-q"],
        env,
    )
    return wall, cpu


def row(what: str, wall: float, cpu: float | None = None, note: str = "") -> None:
    cpu_text = f"{cpu:8.2f}" if cpu is not None else " " * 8
    print(f"| {what:<58} | {wall:8.2f} | {cpu_text} | {note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--stubs", type=int, nargs=2, default=(4, 16), metavar=("SMALL", "LARGE"))
    parser.add_argument("--realistic", type=int, nargs=2, default=(4, 16), metavar=("S", "L"))
    parser.add_argument("--otter", type=int, default=3, help="zips graded with otter run")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="torchgrade-speed-"))
    env = {**os.environ, "TORCHGRADE_CACHE_DIR": str(tmp / "cache")}
    try:
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        print("| what | wall s | grader CPU s | note")
        print("|---|---:|---:|---")
        # The machine's speed today (a shared host varies by a quarter from hour to hour):
        # every wall figure below scales with it.
        torch_imports = [timed([sys.executable, "-c", "import torch"], env)[:2] for _ in range(3)]
        row(
            "yardstick: python -c 'import torch'",
            *map(statistics.median, zip(*torch_imports, strict=True)),
            "median of 3",
        )
        helps = [timed([str(BIN / "torchgrade"), "--help"], env)[:2] for _ in range(5)]
        row("torchgrade --help", *map(statistics.median, zip(*helps, strict=True)), "median of 5")
        student = tmp / "student"
        shutil.copytree(REPO / "exercises", student / "exercises")
        submits = [timed([str(BIN / "torchgrade"), "submit"], env, student)[:2] for _ in range(5)]
        row("torchgrade submit", *map(statistics.median, zip(*submits, strict=True)), "median of 5")

        one = tmp / "one"
        write_zips(one, 1, realistic=False)
        wall, cpu = grade(one, tmp / "out-first", args.jobs, env)
        row("1 stub submission, whole command, first use (empty cache)", wall, cpu)
        wall, cpu = grade(one, tmp / "out-cold", args.jobs, env)
        row("1 stub submission, whole command (cache filled)", wall, cpu)

        for kind, (small, large) in (("stub", args.stubs), ("realistic", args.realistic)):
            times = {}
            for count in (small, large):
                subs = tmp / f"{kind}-{count}"
                write_zips(subs, count, realistic=kind == "realistic")
            # Every reference value these submissions need in the cache first, as in every
            # run after a course's first: the batches differ only in their size.
            grade(tmp / f"{kind}-{large}", tmp / f"out-{kind}-warm", args.jobs, env)
            for count in (small, large):
                subs = tmp / f"{kind}-{count}"
                times[count] = grade(subs, tmp / f"out-{kind}-{count}", args.jobs, env)
                row(f"{count} {kind} submissions, whole command, --jobs {args.jobs}", *times[count])
            marginal = [(times[large][i] - times[small][i]) / (large - small) for i in (0, 1)]
            row(f"marginal cost per {kind} submission", *marginal, f"({large} - {small})")
            if kind == "realistic":
                ours = times[large][0] / large
                row(f"realistic, per submission in the batch of {large}", ours)

        built = subprocess.run(
            [str(BIN / "torchgrade"), "build", "--out", str(tmp / "dist")],
            capture_output=True,
            text=True,
        )
        otter = BIN / "otter"
        if built.returncode != 0 or not otter.exists() or args.otter < 1:
            print("otter run: skipped (otter or `torchgrade build` unavailable)")
            return 0
        zips = sorted((tmp / f"realistic-{args.realistic[1]}").glob("*.zip"))[: args.otter]
        walls, cpus = [], []
        for i, submission in enumerate(zips):
            out = tmp / f"otter-{i}"
            out.mkdir()
            cmd = [str(otter), "run", "-a", str(tmp / "dist" / "autograder.zip"), "-o", str(out)]
            wall, cpu, _ = timed([*cmd, str(submission)], env, tmp)
            walls.append(wall)
            cpus.append(cpu)
        theirs = sum(walls) / len(walls)
        row(
            f"otter run, one by one, per realistic submission ({len(zips)})",
            theirs,
            sum(cpus) / len(cpus),
        )
        row("throughput ratio: torchgrade / otter run (realistic)", theirs / ours, None, "x")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
