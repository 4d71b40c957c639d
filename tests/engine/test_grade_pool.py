"""`torchgrade grade`'s worker pool under stress, run as a real command: Ctrl-C (a real
SIGINT to its process group, as a terminal sends it), a second Ctrl-C, and a submission
that kills its grading process. Every finished result is kept, every submission has its
row, only the guilty submission is charged (and never for good), nothing is left behind."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from autograder.workers import WorkerPool

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="process groups and /proc: Linux"
)


def solution_zip(path: Path, module: str | None = None) -> None:
    """The reference metrics module, or `module` as metrics.py."""
    with zipfile.ZipFile(path, "w") as archive:
        if module is None:
            archive.write(REPO / "solutions" / "metrics.py", "exercises/metrics.py")
        else:
            archive.writestr("exercises/metrics.py", module)


def command(*extra: str) -> list[str]:
    # Relative paths, run from the run's folder: what an instructor types.
    return [sys.executable, "-m", "autograder.cli", "grade", "subs", "--out", "out", *extra]


def start(root: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        command("--jobs", "2", "--quiet", "--exercises", "metrics", *extra),
        cwd=root,
        env={**os.environ, "TMPDIR": str(root / "tmp")},  # the grader's /tmp, to watch it
        start_new_session=True,  # its own process group, as a shell gives a command
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_grade(root: Path, arguments: list[str]) -> subprocess.CompletedProcess:
    """A whole grading run to its end, from `root`, with its own temporary folder."""
    return subprocess.run(
        arguments,
        cwd=root,
        env={**os.environ, "TMPDIR": str(root / "tmp")},
        capture_output=True,
        text=True,
        timeout=600,
    )


def wait_for_results(root: Path, count: int, grader: subprocess.Popen) -> None:
    deadline = time.monotonic() + 300
    while len(list((root / "out").glob("*/results.json"))) < count:
        assert grader.poll() is None, grader.communicate()
        assert time.monotonic() < deadline, "no results within 5 minutes"
        time.sleep(0.05)


@pytest.fixture
def run_root(tmp_path: Path) -> Path:
    (tmp_path / "subs").mkdir()
    (tmp_path / "tmp").mkdir()
    return tmp_path


def test_ctrl_c_keeps_what_is_done_and_says_how_to_resume(run_root, own_processes):
    for i in range(4):
        solution_zip(run_root / "subs" / f"s{i}.zip")
    before = own_processes.live()
    grader = start(run_root)
    wait_for_results(run_root, 1, grader)
    sent = time.monotonic()
    os.killpg(grader.pid, signal.SIGINT)
    out, err = grader.communicate(timeout=120)
    stopped_after = time.monotonic() - sent
    assert grader.returncode == 130, err
    assert stopped_after < 30, f"took {stopped_after:.1f} s to stop"  # (seconds when idle)
    assert "Traceback" not in err + out, err
    assert own_processes.since(before) == []
    assert list((run_root / "tmp").iterdir()) == []
    kept = sorted(p.parent.name for p in (run_root / "out").glob("*/results.json"))
    assert f"interrupted: kept the {len(kept)} result(s)" in err, err
    grades = pd.read_csv(run_root / "out" / "grades.csv", keep_default_na=False)
    assert len(grades) == 4
    graded = grades[grades["status"] == "graded"]
    assert sorted(graded["submission"]) == kept and (graded["percent"] == 100.0).all()
    assert (grades[grades["status"] != "graded"]["status"] == "pending").all()
    assert (run_root / "out" / "report.html").is_file()
    assert (run_root / "out" / "grades.xlsx").is_file()
    # The printed command finishes the run without grading again what was kept.
    resume = shlex.split(err.split("To finish, run: ", 1)[1].strip().splitlines()[0])
    assert resume[0] == "torchgrade"
    times = {p: p.stat().st_mtime_ns for p in (run_root / "out").glob("*/results.json")}
    finish = run_grade(run_root, [sys.executable, "-m", "autograder.cli", *resume[1:]])
    assert finish.returncode == 0, finish.stderr
    final = pd.read_csv(run_root / "out" / "grades.csv", keep_default_na=False)
    assert len(final) == 4 and (final["percent"] == 100.0).all()
    assert all(p.stat().st_mtime_ns == t for p, t in times.items()), "graded a kept one again"
    assert list((run_root / "tmp").iterdir()) == []


@pytest.mark.parametrize("interrupted", [False, True])
def test_ctrl_c_goes_back_to_its_owner_unless_the_run_was_interrupted(interrupted):
    """After a Ctrl-C the command is ending: the pool keeps Ctrl-C (a second one ends the
    command at once) until the process is gone, its interpreter's shutdown included."""
    pool = WorkerPool(1, print, None, print, print, print)
    previous = signal.getsignal(signal.SIGINT)
    try:
        pool.start(0)  # no worker: only the pool's handler
        assert signal.getsignal(signal.SIGINT) == pool._on_sigint
        pool.report.interrupted = interrupted
        pool.restore_sigint()
        kept = signal.getsignal(signal.SIGINT) == pool._on_sigint
        assert kept == interrupted
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_second_ctrl_c_exits_at_once(run_root, own_processes):
    for i in range(3):
        solution_zip(run_root / "subs" / f"s{i}.zip")
    before = own_processes.live()
    grader = start(run_root)
    wait_for_results(run_root, 1, grader)
    os.killpg(grader.pid, signal.SIGINT)
    time.sleep(0.2)
    sent = time.monotonic()
    os.killpg(grader.pid, signal.SIGINT)
    out, err = grader.communicate(timeout=60)
    assert grader.returncode == 130
    assert time.monotonic() - sent < 10
    assert "Traceback" not in err + out, err
    assert own_processes.since(before) == []
    assert list((run_root / "tmp").iterdir()) == []
    grades = pd.read_csv(run_root / "out" / "grades.csv", keep_default_na=False)
    assert len(grades) == 3 and (grades["status"] == "graded").sum() >= 1


def test_a_crashing_worker_costs_only_its_own_submission(run_root, own_processes):
    """In-process grading imports student code into the grading process: a submission that
    ends that process is tried again in a fresh one, then gets an error row that is not
    final; the submission graded beside it is not touched."""
    solution_zip(run_root / "subs" / "s0.zip")
    solution_zip(run_root / "subs" / "crash.zip", "import os\nos._exit(3)\n")
    before = own_processes.live()
    run = run_grade(
        run_root, command("--jobs", "2", "--exercises", "metrics", "--backend", "inprocess")
    )
    assert run.returncode == 1, run.stderr  # 1: a row is an error
    assert own_processes.since(before) == []
    grades = pd.read_csv(run_root / "out" / "grades.csv", keep_default_na=False)
    rows = grades.set_index("submission")
    assert rows.loc["s0", "percent"] == 100.0
    assert rows.loc["crash", "status"] == "error"
    assert "died twice" in rows.loc["crash", "error"]
    assert "graded again in a fresh process: crash" in run.stdout
    crash = json.loads((run_root / "out" / "crash" / "results.json").read_text())
    assert crash["extra_data"]["fingerprint"] == ""  # never final
    # A second run tries the crashed one again, and only it.
    times = {p.parent.name: p.stat().st_mtime_ns for p in (run_root / "out").glob("*/results.json")}
    again = run_grade(
        run_root, command("--exercises", "metrics", "--backend", "inprocess", "--quiet")
    )
    assert again.returncode == 1, again.stderr
    changed = {
        p.parent.name
        for p in (run_root / "out").glob("*/results.json")
        if p.stat().st_mtime_ns != times[p.parent.name]
    }
    assert changed == {"crash"}
    assert list((run_root / "tmp").iterdir()) == []


def test_a_run_leaves_nothing_in_tmp(run_root):
    """The datasets suite's reference probes write temporary tables on the grader's side
    (one run once left seven folders in /tmp): they go to the run's private folder."""
    with zipfile.ZipFile(run_root / "subs" / "stub.zip", "w") as archive:
        archive.write(REPO / "exercises" / "datasets.py", "exercises/datasets.py")
    run = run_grade(
        run_root,
        command("--jobs", "1", "--exercises", "datasets", "--backend", "inprocess", "--quiet"),
    )
    assert run.returncode == 0, run.stderr
    assert list((run_root / "tmp").iterdir()) == []
    assert not [p for p in (run_root / "out").iterdir() if p.name.startswith(".torchgrade-tmp")]
