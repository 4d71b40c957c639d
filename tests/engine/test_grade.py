"""`torchgrade grade` end to end: rows for everything, resume, determinism, scores."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from autograder.authoring.mutation import build_submission, load_catalogue
from autograder.cli import main as cli
from autograder.judge.pipeline import GRADES_COLUMNS
from autograder.judge.student import InProcessBackend
from autograder.judge.suites import run_hidden_suite
from autograder.kit.commands.submit import pack
from autograder.kit.registry import EXERCISE_NAMES
from autograder.sandbox import IsolatedBackend, Limits

EXERCISES = ["metrics"]  # a small, fast selection; the catalogue tests cover the rest


def make_batch(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pack(build_submission(folder / "_sol", "solutions"), folder / "solutions.zip")
    pack(build_submission(folder / "_stub", "exercises"), folder / "stubs.zip")
    mutant = next(m for m in load_catalogue() if m.exercise == "metrics" and not m.correct)
    pack(build_submission(folder / "_mut", "solutions", mutant), folder / "mutant.zip")
    broken = build_submission(folder / "_syntax", "solutions")
    (broken / "exercises" / "metrics.py").write_text("def broken(:\n")
    pack(broken, folder / "syntax.zip")
    for tmp in folder.glob("_*"):
        shutil.rmtree(tmp)
    (folder / "empty.zip").write_bytes(b"")
    (folder / "stray.txt").write_text("hello")
    (folder / "no_exercises").mkdir()
    return folder


def grade(subs: Path, out: Path, *extra: str) -> pd.DataFrame:
    code = cli(
        [
            "grade",
            str(subs),
            "--out",
            str(out),
            "--quiet",
            "--backend",
            "inprocess",
            "--exercises",
            *EXERCISES,
            *extra,
        ]
    )
    grades = pd.read_csv(out / "grades.csv", keep_default_na=False)
    assert code == (1 if (grades["status"] == "error").any() else 0)  # errors: exit status 1
    return grades


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("grade")
    subs = make_batch(root / "subs")
    return subs, root / "out", grade(subs, root / "out", "--jobs", "2")


def test_one_row_per_submission_with_the_documented_columns(graded):
    subs, out, grades = graded
    assert list(grades.columns) == GRADES_COLUMNS
    assert sorted(grades["submission"]) == [
        "empty",
        "mutant",
        "no_exercises",
        "solutions",
        "stray.txt",
        "stubs",
        "syntax",
    ]
    assert list(grades["submission"]) == sorted(grades["submission"])


def test_scores(graded):
    _, _, grades = graded
    row = grades.set_index("submission")
    assert row.loc["solutions", "percent"] == 100.0
    assert row.loc["solutions", "status"] == "graded"
    assert row.loc["stubs", "score"] == 0.0
    assert 0 < row.loc["mutant", "percent"] < 100
    assert row.loc["syntax", "status"] == "graded" and float(row.loc["syntax", "metrics"]) == 0
    for name in ("empty", "stray.txt", "no_exercises"):
        assert row.loc[name, "status"] == "error" and row.loc[name, "error"]
        # Nothing was graded: the exercise cells are empty, not 0.
        assert (row.loc[name, list(EXERCISE_NAMES)] == "").all()
        assert float(row.loc[name, "score"]) == 0
    assert (grades["max_score"] == row.loc["solutions", "max_score"]).all()


def test_results_json_is_gradescope_format(graded):
    _, out, grades = graded
    for name in grades["submission"]:
        results = json.loads((out / name / "results.json").read_text())
        assert isinstance(results["score"], float)
        for test in results["tests"]:
            assert set(test) >= {"name", "score", "max_score", "status", "output"}
            assert test["status"] in ("passed", "failed")
            assert test["score"] <= test["max_score"]
        assert set(results["extra_data"]["exercises"]) == set(EXERCISE_NAMES)
    stub = json.loads((out / "stubs" / "results.json").read_text())
    assert any("NotImplementedError" in t["output"] for t in stub["tests"])


def test_feedback_never_shows_hidden_source(graded):
    _, out, _ = graded
    hidden = Path(__file__).resolve().parents[2] / "autograder" / "hidden" / "test_metrics.py"
    secret_lines = [
        line.strip()
        for line in hidden.read_text().splitlines()
        if len(line.strip()) > 30 and not line.strip().startswith('"""')
    ]
    for results in out.glob("*/results.json"):
        text = results.read_text()
        for line in secret_lines:
            assert line not in text, f"{results}: shows hidden source {line!r}"


def test_rerun_resumes_and_is_deterministic(graded, tmp_path):
    subs, out, grades = graded
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    (copy / "mutant" / "results.json").unlink()  # as if interrupted before it finished
    before = {p: p.stat().st_mtime_ns for p in copy.glob("*/results.json")}
    again = grade(subs, copy, "--jobs", "1")
    assert (copy / "mutant" / "results.json").exists()
    assert all(p.stat().st_mtime_ns == t for p, t in before.items()), "re-graded finished ones"
    assert (copy / "grades.csv").read_bytes() == (out / "grades.csv").read_bytes()
    pd.testing.assert_frame_equal(again, grades)


def test_force_regrades_everything(graded, tmp_path):
    subs, out, _ = graded
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    before = {p: p.stat().st_mtime_ns for p in copy.glob("*/results.json")}
    grade(subs, copy, "--jobs", "2", "--force")
    assert all(p.stat().st_mtime_ns != t for p, t in before.items())
    assert (copy / "grades.csv").read_bytes() == (out / "grades.csv").read_bytes()


def test_inprocess_backend_gives_the_same_grades(graded, tmp_path):
    subs, out, _ = graded
    grade(subs, tmp_path / "inproc", "--backend", "inprocess", "--jobs", "2")
    assert (tmp_path / "inproc" / "grades.csv").read_bytes() == (out / "grades.csv").read_bytes()


@pytest.mark.parametrize("source", ["solutions", "exercises"])
def test_both_backends_agree_on_every_hidden_test(tmp_path, source):
    """The whole hidden suite, test by test: sandboxed and in-process give the same result."""
    root = build_submission(tmp_path, source)
    results = {}
    for name, backend in (
        ("inprocess", InProcessBackend(root)),
        ("isolated", IsolatedBackend(root, Limits())),
    ):
        try:
            outcomes = run_hidden_suite(backend, root, "exercises").outcomes
        finally:
            backend.close()
        results[name] = {o.name: (o.score, o.max_score, o.status) for o in outcomes}
    assert results["isolated"] == results["inprocess"]
    scores = [score for score, _, _ in results["isolated"].values()]
    if source == "solutions":
        assert all(status != "failed" for _, _, status in results["isolated"].values())
    else:
        assert sum(scores) == 0


def test_killed_mid_batch_then_rerun_finishes_without_regrading(tmp_path):
    """SIGKILL the whole grader (workers and sandboxes too) mid-batch, run it again."""
    subs = tmp_path / "subs"
    subs.mkdir()
    solution = build_submission(tmp_path / "_sol", "solutions")
    for i in range(8):
        pack(solution, subs / f"s{i}.zip")
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "autograder.cli",
        "grade",
        str(subs),
        "--out",
        str(out),
        "--quiet",
        "--jobs",
        "1",
        "--exercises",
        *EXERCISES,
    ]
    grader = subprocess.Popen(
        command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while len(list(out.glob("*/results.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(grader.pid, signal.SIGKILL)
    grader.wait()
    done = {p: p.stat().st_mtime_ns for p in out.glob("*/results.json")}
    assert 2 <= len(done) < 8, "the kill did not land mid-batch"
    interim = pd.read_csv(out / "grades.csv", keep_default_na=False)
    assert len(interim) == 8  # every submission has a row, even before it is graded
    assert (
        interim["error"].str.startswith("not graded yet") == (interim["status"] == "pending")
    ).all()
    assert "error" not in set(interim["status"])  # not graded yet is not an error
    subprocess.run(command, check=True, timeout=300, capture_output=True)
    final = pd.read_csv(out / "grades.csv", keep_default_na=False)
    assert len(final) == 8 and (final["percent"] == 100.0).all()
    assert all(p.stat().st_mtime_ns == t for p, t in done.items()), "re-graded a finished one"


def test_syntax_error_costs_exactly_its_exercise(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    tree = build_submission(tmp_path / "_t", "solutions")
    with open(tree / "exercises" / "cnn.py", "a", encoding="utf-8") as module:
        module.write("\ndef broken(:\n")
    pack(tree, subs / "syntax.zip")
    out = tmp_path / "out"
    assert (
        cli(
            [
                "grade",
                str(subs),
                "--out",
                str(out),
                "--quiet",
                "--exercises",
                "cnn",
                "metrics",
                "dnn",
            ]
        )
        == 0
    )
    row = pd.read_csv(out / "grades.csv").iloc[0]
    results = json.loads((out / "syntax" / "results.json").read_text())
    exercises = results["extra_data"]["exercises"]
    assert row["cnn"] == 0 and exercises["cnn"]["max_score"] > 0
    assert row["metrics"] == exercises["metrics"]["max_score"] > 0
    assert row["dnn"] == exercises["dnn"]["max_score"] > 0
    cnn_outputs = [t["output"] for t in results["tests"] if t["tags"] == ["cnn"]]
    assert all("SyntaxError" in text for text in cnn_outputs)


def test_missing_submissions_folder_is_a_clear_error(tmp_path, capsys):
    assert cli(["grade", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert "does not exist" in capsys.readouterr().err
