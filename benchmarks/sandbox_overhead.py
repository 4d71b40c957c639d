"""Per-submission overhead of isolated grading, and the zygote's start-up time.

Grades the exercise stubs (where nothing runs long) as N submissions through
`IsolatedBackend` and the real hidden-suite runner, then the same through the in-process
backend for comparison. Usage: python benchmarks/sandbox_overhead.py [N]
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
import time
from pathlib import Path

from autograder.judge.student import InProcessBackend, StudentError
from autograder.judge.suites import run_hidden_suite
from autograder.sandbox import IsolatedBackend, Limits, Zygote

REPO = Path(__file__).resolve().parent.parent


def stub_submissions(n: int, into: Path) -> list[Path]:
    roots = []
    for i in range(n):
        root = into / f"stub{i:02d}"
        shutil.copytree(
            REPO / "exercises", root / "exercises", ignore=shutil.ignore_patterns("__pycache__")
        )
        roots.append(root)
    return roots


def spawn_and_call(roots: list[Path], zygote: Zygote) -> tuple[float, float, float]:
    """Seconds to start + close a backend (no student call), the same without a cgroup
    (interleaved, so both see the same load), and per trivial call."""
    spawn = {True: 0.0, False: 0.0}
    for root in roots:
        for cgroups in (True, False):
            t0 = time.perf_counter()
            IsolatedBackend(root, Limits(), zygote=zygote, cgroups=cgroups).close()
            spawn[cgroups] += time.perf_counter() - t0
    with IsolatedBackend(roots[0], Limits(), zygote=zygote) as backend:
        args = ([1, 0, 1], [0.7, 0.6, 0.2])
        for _ in range(5):  # the first call imports the module
            with contextlib.suppress(StudentError):
                backend.call("metrics", "binary_accuracy", args, {})
        t0 = time.perf_counter()
        for _ in range(200):
            with contextlib.suppress(StudentError):
                backend.call("metrics", "binary_accuracy", args, {})
        call = (time.perf_counter() - t0) / 200
    return spawn[True] / len(roots), spawn[False] / len(roots), call


def grade_all(roots: list[Path], make, exercises: list[str] | None) -> list[float]:
    times = []
    for root in roots:
        t0 = time.perf_counter()
        backend = make(root)
        try:
            result = run_hidden_suite(backend, root, "exercises", exercises)
        finally:
            backend.close()
        times.append(time.perf_counter() - t0)
        assert sum(o.score for o in result.outcomes) == 0, "stubs must score 0"
    return times


def main(n: int = 20) -> None:
    with tempfile.TemporaryDirectory(prefix="torchgrade-bench-") as tmp:
        roots = stub_submissions(n, Path(tmp))
        zygote = Zygote()
        start = time.perf_counter()
        zygote.start()
        IsolatedBackend(roots[0], Limits(), zygote=zygote).close()
        print(
            f"zygote start-up: {zygote.startup_seconds:.2f} s (its imports "
            f"{zygote.import_seconds:.2f} s); first child ready after "
            f"{time.perf_counter() - start:.2f} s"
        )
        spawn, spawn_no_cgroup, call = spawn_and_call(roots, zygote)
        print(
            f"child start + clean-up: {spawn * 1000:.0f} ms per submission "
            f"({spawn_no_cgroup * 1000:.0f} ms without its cgroup); "
            f"a call round trip: {call * 1000:.2f} ms"
        )
        run_hidden_suite(InProcessBackend(roots[0]), roots[0])  # warm pytest + reference
        for exercises in (["metrics"], None):
            label = "all hidden suites" if exercises is None else "metrics suite"
            means = {}
            for name, make in (
                ("isolated", lambda r: IsolatedBackend(r, Limits(), zygote=zygote)),
                ("in-process", lambda r: InProcessBackend(r)),
            ):
                times = sorted(grade_all(roots, make, exercises))
                means[name] = sum(times) / n
                print(
                    f"{label}, {name:>10}: {n} stub submissions, mean {means[name]:.3f} s, "
                    f"median {times[n // 2]:.3f} s per submission"
                )
            print(
                f"{label}: isolation overhead {means['isolated'] - means['in-process']:+.3f} s "
                "per submission"
            )
        zygote.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
