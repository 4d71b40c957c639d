"""What a busy neighbour costs a correct submission, with and without a cgroup per sandbox.

A correct submission asks for a confusion matrix of a million labels (about 0.1 s of CPU)
again and again: alone, then beside tests/hostile/busy_sessions (40 busy processes, each in
its own session) with a cgroup per sandbox, then the same with the cgroups switched off.
Prints the median latency of each and the ratios. Usage: python benchmarks/neighbour_cpu.py [N]
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from autograder.sandbox import IsolatedBackend, Limits, Zygote

REPO = Path(__file__).resolve().parent.parent
LIMITS = Limits(timeout=60.0)


def latencies(root: Path, zygote: Zygote, cgroups: bool, n: int) -> list[float]:
    rng = np.random.default_rng(0)
    args = (rng.integers(0, 10, 1_000_000), rng.integers(0, 10, 1_000_000), 10)
    times = []
    with IsolatedBackend(root, LIMITS, zygote=zygote, cgroups=cgroups) as backend:
        backend.call("metrics", "confusion_matrix", args, {})  # imports the module
        for _ in range(n):
            start = time.perf_counter()
            backend.call("metrics", "confusion_matrix", args, {})
            times.append(time.perf_counter() - start)
    return times


def main(n: int = 10) -> None:
    with tempfile.TemporaryDirectory(prefix="torchgrade-bench-") as tmp:
        honest = Path(tmp) / "honest"
        (honest / "exercises").mkdir(parents=True)
        shutil.copy(REPO / "solutions" / "metrics.py", honest / "exercises" / "metrics.py")
        busy = Path(tmp) / "busy"
        shutil.copytree(REPO / "tests" / "hostile" / "busy_sessions", busy)
        zygote = Zygote()
        zygote.start()
        medians = {"alone": statistics.median(latencies(honest, zygote, True, n))}
        for label, cgroups in (("beside busy, cgroups", True), ("beside busy, no cgroups", False)):
            neighbour = IsolatedBackend(busy, LIMITS, zygote=zygote, cgroups=cgroups)
            if label.endswith("cgroups") and cgroups:
                share = [p for p in neighbour.protections if "cgroup" in p]
                print("protection:", share[0] if share else "none")
            with neighbour.time_limit(120):  # its import forks the 40 busy processes
                neighbour.call("metrics", "binary_accuracy", ([1], [0.7]), {})
            try:
                medians[label] = statistics.median(latencies(honest, zygote, cgroups, n))
            finally:
                neighbour.close()
        zygote.close()
    for label, seconds in medians.items():
        ratio = seconds / medians["alone"]
        print(f"{label:>24}: median {seconds * 1000:.0f} ms per call ({ratio:.1f}x alone)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
