"""Flake audit: no point may depend on the machine, the load or the order of things.

    python -m autograder.authoring.flake_audit                    # full: 5 repetitions
    python -m autograder.authoring.flake_audit --repeats 1 --quick --exercises softmax
    python -m autograder.authoring.flake_audit --backend isolated --json out.json

grades the solutions and every correct variant of the mutant catalogue (all of which must
score full marks) again and again, each time in a fresh worker process with another
configuration: torch using 1 or 2 threads, an idle machine or one loaded with busy
processes (one per core), another PYTHONHASHSEED, the submissions in another order and the
hidden tests in a shuffled order. Every verdict (each test's pass/fail and points) must be
identical across all runs and equal to full marks. It prints the verdicts that differed,
and the distribution of test durations (the margin that time limits have), and exits
non-zero on any difference.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.authoring.mutation import build_submission, load_catalogue
from autograder.kit.registry import EXERCISE_NAMES

ORDER_SEED_ENV = "TORCHGRADE_AUDIT_ORDER_SEED"
TRAINING_SEED = 6606  # the hidden training suite's split


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Loaded with `-p autograder.authoring.flake_audit` in the workers: shuffle the suites
    and the tests inside each (kept together, so a module-scoped fixture runs once)."""
    seed = os.environ.get(ORDER_SEED_ENV)
    if seed is None:
        return
    rng = random.Random(int(seed))
    groups: dict[str, list[pytest.Item]] = {}
    for item in items:
        groups.setdefault(str(item.path), []).append(item)
    order = list(groups.values())
    rng.shuffle(order)
    for group in order:
        rng.shuffle(group)
    items[:] = [item for group in order for item in group]


@dataclass(frozen=True)
class Configuration:
    threads: int
    loaded: bool
    hash_seed: int
    order_seed: int

    def label(self) -> str:
        load = "loaded" if self.loaded else "idle"
        return (
            f"{self.threads} thread(s), {load}, hash seed {self.hash_seed}, order {self.order_seed}"
        )


def configurations(repeats: int, seed: int = 0, quick: bool = False) -> list[Configuration]:
    """`repeats` rounds of the four combinations of 1/2 threads and idle/loaded (`quick`:
    only 1 thread idle and 2 threads loaded), each run with its own hash seed and order."""
    rng = random.Random(seed)
    combinations = (
        [(1, False), (2, True)] if quick else [(1, False), (1, True), (2, False), (2, True)]
    )
    return [
        Configuration(threads, loaded, rng.randrange(1, 2**31), rng.randrange(2**31))
        for _ in range(repeats)
        for threads, loaded in combinations
    ]


def submissions(directory: Path, exercises: list[str]) -> dict[str, Path]:
    """The solutions and every correct variant of `exercises`, as submission folders."""
    trees = {"solutions": build_submission(directory / "solutions", "solutions")}
    for mutant in load_catalogue():
        if mutant.correct and mutant.exercise in exercises:
            trees[mutant.name] = build_submission(directory / mutant.name, "solutions", mutant)
    return trees


def _busy() -> list[subprocess.Popen]:
    """One spinning process per core: a machine as busy as a shared grading host."""
    spin = "while True:\n    pass\n"
    return [
        subprocess.Popen([sys.executable, "-c", spin]) for _ in range(max(os.cpu_count() or 1, 1))
    ]


def run_configuration(
    config: Configuration, trees: dict[str, Path], exercises: list[str], backend: str
) -> dict:
    """One worker process grading every tree under `config`; its verdicts and durations."""
    names = sorted(trees)
    random.Random(config.order_seed).shuffle(names)  # the order submissions start in
    env = dict(os.environ)
    env.update(
        PYTHONHASHSEED=str(config.hash_seed),
        OMP_NUM_THREADS=str(config.threads),
        MKL_NUM_THREADS=str(config.threads),
        **{ORDER_SEED_ENV: str(config.order_seed)},
    )
    command = [
        sys.executable,
        "-m",
        "autograder.authoring.flake_audit",
        "--worker",
        "--threads",
        str(config.threads),
        "--backend",
        backend,
        "--exercises",
        *exercises,
        "--trees",
        *[f"{name}={trees[name]}" for name in names],
    ]
    hogs = _busy() if config.loaded else []
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    if done.returncode != 0:
        raise RuntimeError(f"audit worker failed ({config.label()}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def worker(trees: list[str], exercises: list[str], threads: int, backend: str) -> dict:
    """Grade each `name=path` tree in order; print {name: {test: [status, score, max,
    seconds]}} as one JSON line."""
    import torch

    from autograder.judge.student import InProcessBackend
    from autograder.judge.suites import run_hidden_suite

    torch.set_num_threads(threads)
    extra = ["-p", "autograder.authoring.flake_audit"]
    verdicts = {}
    for entry in trees:
        name, _, path = entry.partition("=")
        root = Path(path)
        if backend == "isolated":
            from autograder.sandbox import IsolatedBackend

            grader = IsolatedBackend(root)
        else:
            grader = InProcessBackend(root, "exercises")
        try:
            started = time.perf_counter()
            result = run_hidden_suite(grader, root, "exercises", exercises, extra_args=extra)
            seconds = time.perf_counter() - started
        finally:
            grader.close()
        verdicts[name] = {
            "seconds": seconds,
            "tests": {o.name: [o.status, o.score, o.max_score] for o in result.outcomes},
        }
    if "training" in exercises:
        verdicts["__training__"] = reference_training_seconds()
    return verdicts


def reference_training_seconds() -> dict:
    """The reference classifier's training under this configuration: wall-clock and CPU
    seconds (the time rule grades CPU seconds; the call's limit scales with the wall time)."""
    from autograder.judge.student import InProcessBackend
    from autograder.probes import training

    backend = InProcessBackend(None, "solutions")
    try:
        split = training.digits_split(TRAINING_SEED)
        run = backend.probe("training", training.classifier_run, (*split, 4), {})
    finally:
        backend.close()
    return {"seconds": run["seconds"], "cpu_seconds": run["cpu_seconds"]}


@dataclass
class AuditReport:
    runs: int
    differences: list[str]
    not_full: list[str]
    seconds: dict[str, list[float]]  # configuration kind -> submission grading times
    training: dict[str, list[tuple[float, float]]]  # kind -> reference (wall, CPU) seconds

    @property
    def ok(self) -> bool:
        return not self.differences and not self.not_full


def audit(
    exercises: list[str],
    repeats: int,
    backend: str = "inprocess",
    seed: int = 0,
    quick: bool = False,
) -> AuditReport:
    configs = configurations(repeats, seed, quick)
    with tempfile.TemporaryDirectory(prefix="torchgrade-audit-") as tmp:
        trees = submissions(Path(tmp), exercises)
        results = [(c, run_configuration(c, trees, exercises, backend)) for c in configs]
    differences, not_full = [], []
    seconds: dict[str, list[float]] = {}
    training: dict[str, list[tuple[float, float]]] = {}
    for name in sorted(trees):
        baseline_config, baseline = results[0][0], results[0][1][name]["tests"]
        for test, (status, score, top) in sorted(baseline.items()):
            if status != "skipped" and score != top:
                not_full.append(f"{name} {test}: {score:g}/{top:g} ({baseline_config.label()})")
        for config, verdicts in results[1:]:
            tests = verdicts[name]["tests"]
            for test in sorted(set(tests) | set(baseline)):
                if tests.get(test) != baseline.get(test):
                    differences.append(
                        f"{name} {test}: {baseline.get(test)} ({baseline_config.label()}) "
                        f"but {tests.get(test)} ({config.label()})"
                    )
    for config, verdicts in results:
        kind = f"{config.threads} thread(s), {'loaded' if config.loaded else 'idle'}"
        seconds.setdefault(kind, []).extend(verdicts[name]["seconds"] for name in trees)
        if "__training__" in verdicts:
            run = verdicts["__training__"]
            training.setdefault(kind, []).append((run["seconds"], run["cpu_seconds"]))
    return AuditReport(len(results), differences, not_full, seconds, training)


def describe(report: AuditReport) -> str:
    lines = [f"{report.runs} runs; seconds to grade one submission, per configuration:"]
    for kind, values in sorted(report.seconds.items()):
        values = sorted(values)
        lines.append(
            f"  {kind:22} n={len(values):3}  min {values[0]:.2f}  median "
            f"{statistics.median(values):.2f}  max {values[-1]:.2f}"
        )
    if report.training:
        lines.append(
            "reference digit classifier training (time rule: CPU < 20 s; call limit: "
            "max(60 s, 20 × wall)):"
        )
        for kind, runs in sorted(report.training.items()):
            wall = sorted(w for w, _ in runs)
            cpu = sorted(c for _, c in runs)
            lines.append(
                f"  {kind:22} wall {wall[0]:.2f}–{wall[-1]:.2f} s  CPU {cpu[0]:.2f}–{cpu[-1]:.2f} s"
                f"  limit ≥ {max(60.0, 20 * wall[0]):.0f} s"
            )
    lines += [f"NOT FULL {line}" for line in report.not_full]
    lines += [f"DIFFERS  {line}" for line in report.differences]
    lines.append(
        "identical verdicts, full marks everywhere"
        if report.ok
        else f"{len(report.differences)} differing verdicts, {len(report.not_full)} lost points"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exercises", nargs="+", choices=EXERCISE_NAMES, default=None)
    parser.add_argument("--repeats", type=int, default=5, help="rounds of the 4 configurations")
    parser.add_argument("--backend", choices=["inprocess", "isolated"], default="inprocess")
    parser.add_argument("--seed", type=int, default=0, help="seed of hash seeds and orders")
    parser.add_argument(
        "--quick", action="store_true", help="only 1 thread idle and 2 threads loaded (CI)"
    )
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--trees", nargs="*", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    exercises = args.exercises or list(EXERCISE_NAMES)
    if args.worker:
        print(json.dumps(worker(args.trees, exercises, args.threads, args.backend)))
        return 0
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    report = audit(exercises, args.repeats, args.backend, args.seed, args.quick)
    print(describe(report))
    if args.json:
        args.json.write_text(json.dumps(report.__dict__, indent=1), encoding="utf-8")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
