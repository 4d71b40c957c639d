"""The trusted side against hostile submissions: every case of tests/hostile/generated.py
is graded in one real `torchgrade grade --jobs 2` run (isolated backend), each next to a
correct submission. Each gets its row (the error it must show, or the tests that must
fail), gains nothing, harms no neighbour and leaves nothing behind."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook

from autograder.judge.source_rules import forfeits_rules, rule_test_names
from autograder.judge.suites import HIDDEN_DIR

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="FIFOs, symbolic links and /proc: Linux"
)


def _load_cases():
    spec = importlib.util.spec_from_file_location(
        "hostile_generated", REPO / "tests" / "hostile" / "generated.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (dataclasses look their module up there)
    spec.loader.exec_module(module)
    return module


GENERATED = _load_cases()
CASES = {case.name: case for case in GENERATED.CASES}
NEIGHBOUR = "~ok"  # a correct submission named to be graded right after each case
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Batch:
    root: Path
    subs: Path
    out: Path
    tmpdir: Path
    run: subprocess.CompletedProcess
    rows: dict[str, dict]
    leftover_processes: list[str]
    repo_before: set[str]
    subs_before: list[tuple[bytes, int]]


def _listing(folder: Path) -> list[tuple[bytes, int]]:
    found = []
    for here, dirs, files in os.walk(os.fsencode(folder)):
        for name in sorted(dirs + files):
            path = os.path.join(here, name)
            found.append((path, os.lstat(path).st_mtime_ns))
    return sorted(found)


@pytest.fixture(scope="module")
def batch(tmp_path_factory, own_processes) -> Batch:
    root = tmp_path_factory.mktemp("hostile")
    subs, out, tmpdir = root / "subs", root / "out", root / "tmp"
    subs.mkdir()
    tmpdir.mkdir()
    for case in CASES.values():
        case.build(subs)
        GENERATED.solution_zip(subs / f"{case.row}{NEIGHBOUR}.zip")
    repo_before = {p.name for p in REPO.iterdir()}
    subs_before = _listing(subs)
    processes_before = own_processes.live()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder.cli",
            "grade",
            str(subs),
            "--out",
            str(out),
            "--jobs",
            "2",
            "--quiet",
            "--exercises",
            "metrics",
        ],
        env={**os.environ, "TMPDIR": str(tmpdir)},  # the grader's /tmp, to see what it leaves
        capture_output=True,
        text=True,
        timeout=900,
    )
    leftovers = own_processes.since(processes_before)
    with open(out / "grades.csv", encoding="utf-8-sig", newline="") as file:
        rows = {row["submission"]: row for row in csv.DictReader(file)}
    return Batch(root, subs, out, tmpdir, run, rows, leftovers, repo_before, subs_before)


def row_of(batch: Batch, case) -> dict:
    matches = [
        row
        for name, row in batch.rows.items()
        if (name == case.row if case.exact else name.startswith(case.row))
        and not name.endswith(NEIGHBOUR)
    ]
    assert len(matches) == 1, (case.name, sorted(batch.rows))
    return matches[0]


def test_the_run_finishes_with_a_row_for_every_entry(batch):
    errors = any(row["status"] == "error" for row in batch.rows.values())
    assert batch.run.returncode == (1 if errors else 0), batch.run.stderr[-3000:]  # documented
    assert "Traceback" not in batch.run.stderr, batch.run.stderr[-3000:]
    entries = [p for p in batch.subs.iterdir() if not p.name.startswith(".")]
    assert len(batch.rows) == len(entries) == 2 * len(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_case_gets_its_row_and_gains_nothing(batch, name):
    case = CASES[name]
    row = row_of(batch, case)
    results = json.loads((batch.out / row["submission"] / "results.json").read_text())
    if case.error is not None:
        assert row["status"] == "error" and float(row["score"]) == 0.0, row
        assert case.error in row["error"], row["error"]
        # The student's error, said plainly: no grader paths, no traceback.
        for leak in (str(batch.root), str(REPO), "Traceback", "grader failed"):
            assert leak not in results["extra_data"]["error"], results["extra_data"]["error"]
        return
    assert row["status"] == "graded", row
    assert results["tests"], "graded without tests"
    # A module that reaches into the grader also forfeits its rule tests (#10 class 9).
    stored = GENERATED.HOSTILE / case.name / "exercises" / "metrics.py"
    rules = set()
    if stored.exists() and forfeits_rules(stored):
        rules = rule_test_names(HIDDEN_DIR / "test_metrics.py")
    for test in results["tests"]:
        should_fail = any(f"test_{function}" in test["name"] for function in case.fails)
        forfeited = any(f"test_{function}" in test["name"] for function in rules)
        assert (test["score"] == 0) == (should_fail or forfeited), (name, test["name"])
        if should_fail:
            assert "decoded safely" in test["output"], test["output"]
    expected = sum(t["max_score"] for t in results["tests"] if t["score"] > 0)
    assert float(row["score"]) == expected


def test_every_neighbour_gets_full_marks(batch):
    neighbours = {name: row for name, row in batch.rows.items() if name.endswith(NEIGHBOUR)}
    assert len(neighbours) == len(CASES)
    for name, row in neighbours.items():
        assert row["status"] == "graded" and float(row["percent"]) == 100.0, (name, row)


def test_no_cell_is_a_formula(batch):
    with open(batch.out / "grades.csv", encoding="utf-8-sig", newline="") as file:
        cells = [cell for row in csv.reader(file) for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_START)]
    workbook = load_workbook(batch.out / "grades.xlsx")
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_START), cell.value
    with zipfile.ZipFile(batch.out / "grades.xlsx") as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert not [n for n in sheets if b"<f>" in archive.read(n)]


def test_names_are_escaped_in_the_report(batch):
    html = (batch.out / "report.html").read_text(encoding="utf-8")
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "\x1b" not in html and "\u202e" not in html


def test_output_files_are_the_graders(batch):
    assert (batch.out / "grades.csv").is_file() and (batch.out / "report.html").is_file()
    assert (batch.out / "grades.xlsx").is_file()


def test_nothing_is_left_behind(batch):
    assert batch.leftover_processes == []
    assert list(batch.tmpdir.iterdir()) == [], "the run left files in its temporary folder"
    assert {p.name for p in REPO.iterdir()} == batch.repo_before
    assert _listing(batch.subs) == batch.subs_before, "the run changed the submissions"
    assert not (batch.root / "x").exists() and not Path("/tmp/x/exercises").exists()
