"""`torchgrade diff OLD NEW`: a regrade lists exactly the submissions and tests that changed.

Two runs of the same class are made up through the result model: in the second, one
submission finished an exercise (improved), one broke another with a syntax error (worsened),
one could no longer be unpacked, and the rest are untouched.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from autograder.report.data import load_run
from autograder.report.regrade import compare_runs


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, synthetic) -> tuple[Path, Path, dict, dict]:
    Profile = synthetic.Profile
    before = {
        "ana": Profile(not_started=("cnn",)),
        "ben": Profile(),
        "cleo": Profile(wrong={"dnn": 2}),
        "dev": Profile(),
        "eli": Profile(),
    }
    after = dict(before)
    after["ana"] = Profile()  # finished cnn
    after["ben"] = Profile(syntax_error=("metrics",))
    after["cleo"] = Profile(wrong={"dnn": 2}, syntax_error=("cnn",))  # dnn as before
    after["dev"] = Profile(error="the zip is empty")
    root = tmp_path_factory.mktemp("regrade")
    old = synthetic.write(root / "old", before)
    new = synthetic.write(root / "new", after)
    return root / "old", root / "new", old, new


def test_exactly_the_changed_submissions_and_tests(runs) -> None:
    old_dir, new_dir, old, new = runs
    regrade = compare_runs(load_run(old_dir), load_run(new_dir))
    changed = {c.submission: c for c in regrade.submissions}
    assert set(changed) == {"ana", "ben", "cleo", "dev"}  # eli: the same grade and tests
    cnn = [t["name"] for t in new["ana"]["tests"] if t["tags"] == ["cnn"]]
    metrics = [t["name"] for t in new["ben"]["tests"] if t["tags"] == ["metrics"]]
    assert changed["ana"].improved == cnn and changed["ana"].worsened == []
    assert changed["ben"].worsened == metrics and changed["ben"].improved == []
    assert changed["cleo"].worsened == cnn and changed["cleo"].improved == []
    assert changed["ana"].change == pytest.approx(new["ana"]["score"] - old["ana"]["score"])
    assert changed["ana"].change > 0 > changed["ben"].change
    assert (changed["dev"].old_status, changed["dev"].new_status) == ("graded", "error")
    assert changed["dev"].change == -old["dev"]["score"]
    # Per test: exactly the submissions whose outcome changed, each on its side; a
    # submission that now ends in an error is its own row, not a change of every test.
    by_test = {t.test: t for t in regrade.tests}
    assert set(by_test) == set(cnn) | set(metrics)
    for name in cnn:
        assert (by_test[name].improved, by_test[name].worsened) == (["ana"], ["cleo"])
        assert by_test[name].points == 0
    for name in metrics:
        assert (by_test[name].improved, by_test[name].worsened) == ([], ["ben"])
    # Biggest loss first.
    assert [c.submission for c in regrade.submissions][0] == "dev"


def test_diff_command_prints_and_writes_tables(runs, tmp_path) -> None:
    old_dir, new_dir, old, new = runs
    command = [sys.executable, "-m", "autograder.cli", "diff", str(old_dir), str(new_dir)]
    result = subprocess.run(
        [*command, "--out", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1, result.stderr  # something changed
    assert "5 submission(s) in both runs; 4 changed (1 up, 3 down)" in result.stdout
    table = pd.read_csv(tmp_path / "regrade_submissions.csv", keep_default_na=False)
    assert list(table["submission"]) == ["dev", "cleo", "ben", "ana"]
    assert table.set_index("submission").loc["dev", "new_error"] == "the zip is empty"
    tests = pd.read_csv(tmp_path / "regrade_tests.csv", keep_default_na=False)
    cnn = tests[tests["test"].str.startswith("cnn::")]
    assert (cnn["improved_in"] == "ana").all() and (cnn["worsened_in"] == "cleo").all()
    assert (tmp_path / "regrade_tests.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    same = subprocess.run(
        [*command[:-1], str(old_dir)], capture_output=True, text=True, timeout=120
    )
    assert same.returncode == 0 and "Nothing changed." in same.stdout
    missing = subprocess.run(
        [*command[:-1], str(tmp_path / "nope")], capture_output=True, text=True, timeout=120
    )
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "not a grading output folder" in missing.stderr
