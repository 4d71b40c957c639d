"""The public tests: every test fails on the stubs with the stub's NotImplementedError
(not an import or collection error), and `torchgrade check` reports it to the student."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.kit.registry import EXERCISE_NAMES

REPO = Path(__file__).resolve().parents[2]


class Outcomes:
    def __init__(self) -> None:
        self.reports: list[pytest.TestReport] = []
        self.collect_errors: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or report.failed or report.skipped:
            self.reports.append(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(report.nodeid)


@pytest.fixture(scope="module")
def stub_run() -> Outcomes:
    outcomes = Outcomes()
    pytest.main(
        [
            str(REPO / "tests" / "public"),
            "-q",
            "--impl=exercises",
            "-p",
            "no:cacheprovider",
            "--tb=line",
            "-o",
            "addopts=--import-mode=importlib",
        ],
        plugins=[outcomes],
    )
    return outcomes


def test_no_collection_errors(stub_run):
    assert stub_run.collect_errors == []


@pytest.mark.parametrize("exercise", EXERCISE_NAMES)
def test_every_public_test_fails_with_the_stub_message(stub_run, exercise):
    reports = [r for r in stub_run.reports if Path(r.fspath).stem == f"test_{exercise}"]
    ran = [r for r in reports if not r.skipped]
    assert len(ran) >= 3, f"{exercise} has too few public tests"
    for report in ran:
        assert report.failed, f"{report.nodeid} passed on the stub"
        text = str(report.longrepr)
        assert "NotImplementedError" in text and f"{exercise}." in text, (
            f"{report.nodeid} failed without the stub's message:\n{text[-600:]}"
        )


def stub_hints(exercise: str) -> list[str]:
    """Every NotImplementedError message in the stub module, from its source."""
    tree = ast.parse((REPO / "exercises" / f"{exercise}.py").read_text(encoding="utf-8"))
    return [
        ast.literal_eval(node.exc.args[0])
        for node in ast.walk(tree)
        if isinstance(node, ast.Raise)
        and isinstance(node.exc, ast.Call)
        and getattr(node.exc.func, "id", "") == "NotImplementedError"
    ]


def test_check_reports_each_exercise(tmp_path):
    """A student's folder: stubs everywhere except metrics, which holds the solution, and
    numpy_backprop, whose logistic is off by one in the last digit that counts."""
    shutil.copytree(REPO / "exercises", tmp_path / "exercises")
    shutil.copytree(REPO / "tests" / "public", tmp_path / "tests" / "public")
    shutil.copy(REPO / "solutions" / "metrics.py", tmp_path / "exercises" / "metrics.py")
    broken = tmp_path / "exercises" / "cnn.py"
    broken.write_text(
        broken.read_text().replace("raise NotImplementedError(", "raise KeyError(", 1)
    )
    wrong = (REPO / "solutions" / "numpy_backprop.py").read_text(encoding="utf-8")
    wrong = wrong.replace("return out[()] if out.ndim == 0 else out", "return out * 1.001", 1)
    (tmp_path / "exercises" / "numpy_backprop.py").write_text(wrong, encoding="utf-8")
    command = [sys.executable, "-m", "autograder.cli", "check"]
    exercises = ["metrics", "softmax", "cnn", "numpy_backprop"]
    result = subprocess.run(
        [*command, *exercises], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    out = result.stdout
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert result.returncode == 1, out + result.stderr
    assert "passing" in lines["metrics"]
    assert "not started" in lines["softmax"]
    assert "failing" in lines["cnn"]
    assert lines["total:"].startswith("total: 1/4 exercises passing")
    # Not started: the stub's own hint says where to start.
    start = next(x for x in out.splitlines() if x.strip().startswith("start with softmax."))
    assert start.strip().removeprefix("start with ") in stub_hints("softmax")
    # Failing: the first failure with the decisive line, expected vs got, from numpy.
    section = out[out.index("numpy_backprop  failing") :]
    assert "first failure:" in section and "Not equal to tolerance" in section
    assert re.search(r"at \[?\d*\]?: expected [-\d.e]+, got [-\d.e]+", section), section
    assert "torchgrade check -v numpy_backprop" in section
    # -v: every failure, each with its own decisive line.
    verbose = subprocess.run(
        [*command, "-v", "numpy_backprop"], cwd=tmp_path, capture_output=True, text=True
    ).stdout
    passed, ran = map(int, re.search(r"(\d+)/(\d+) passed", verbose).groups())
    shown = re.findall(r"^\s+(test_\w\S*):$", verbose, re.M)
    assert len(shown) == ran - passed >= 2, verbose


def test_check_all_solutions_passes(tmp_path):
    shutil.copytree(REPO / "solutions", tmp_path / "exercises")
    shutil.copytree(REPO / "tests" / "public", tmp_path / "tests" / "public")
    result = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"total: {len(EXERCISE_NAMES)}/{len(EXERCISE_NAMES)} exercises passing" in result.stdout


def test_check_rejects_unknown_exercise(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "check", "nope"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "unknown exercise nope" in result.stderr
