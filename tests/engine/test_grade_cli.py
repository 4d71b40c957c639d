"""`torchgrade grade` on a bad command line: one line that says what is wrong and what to
do, exit status 2, no traceback; a single .zip is a one-submission run; grades.csv opens in
Excel with accented names intact (UTF-8 with BOM)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from autograder.authoring.mutation import build_submission
from autograder.cli import main as cli
from autograder.kit.commands.submit import pack


@pytest.fixture(scope="module")
def subs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    folder = root / "subs"
    folder.mkdir()
    pack(build_submission(root / "_tree", "solutions"), folder / "Zoë Müller.zip")
    return folder


def bad(capsys, *argv: str) -> str:
    assert cli(["grade", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def test_bad_command_lines(subs: Path, tmp_path: Path, capsys) -> None:
    missing = bad(capsys, str(tmp_path / "nowhere"))
    assert "does not exist" in missing and "folder that holds the submissions" in missing
    text = tmp_path / "notes.txt"
    text.write_text("x")
    assert "is a file, not a folder of submissions" in bad(capsys, str(text))
    assert "is a file; name a folder" in bad(capsys, str(subs), "--out", str(text))
    inside = bad(capsys, str(subs), "--out", str(subs / "grades"))
    assert "inside the submissions folder" in inside and "outside" in inside
    assert not (subs / "grades").exists()
    assert "inside the submissions folder" in bad(capsys, str(subs), "--out", str(subs))


@pytest.mark.parametrize(
    ("flag", "value", "says"),
    [
        ("--memory", "abc", "not a size: 'abc'"),
        ("--max-file-size", "0", "must be positive"),
        ("--timeout", "0", "must be positive"),
        ("--cpu-time", "x", "not a number"),
    ],
)
def test_bad_sizes_name_the_flag(subs, tmp_path, capsys, flag, value, says) -> None:
    with pytest.raises(SystemExit) as exit_:  # argparse's own usage error, or ours
        raise SystemExit(cli(["grade", str(subs), "--out", str(tmp_path / "o"), flag, value]))
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert says in err and "parse_size" not in err and "Traceback" not in err


def test_single_zip_is_a_one_submission_run(subs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    zipped = subs / "Zoë Müller.zip"
    argv = ["grade", str(zipped), "--out", str(out), "--quiet", "--backend", "inprocess"]
    assert cli([*argv, "--exercises", "metrics"]) == 0
    raw = (out / "grades.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the rest as UTF-8
    with open(out / "grades.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["submission"] for r in rows] == ["Zoë Müller"]
    assert rows[0]["status"] == "graded" and float(rows[0]["metrics"]) > 0


def test_compare_with_the_previous_run(subs: Path, tmp_path: Path, capsys) -> None:
    """Grading the same submission again with --compare: nothing changed, said so."""
    zipped = str(subs / "Zoë Müller.zip")
    argv = ["grade", zipped, "--quiet", "--backend", "inprocess", "--exercises", "metrics"]
    assert cli([*argv, "--out", str(tmp_path / "v1")]) == 0
    assert "not a grading output folder" in bad(
        capsys, zipped, "--out", str(tmp_path / "v2"), "--compare", str(tmp_path / "nope")
    )
    capsys.readouterr()
    assert cli([*argv, "--out", str(tmp_path / "v2"), "--compare", str(tmp_path / "v1")]) == 0
    out = capsys.readouterr().out
    assert "1 submission(s) in both runs; 0 changed" in out and "Nothing changed." in out
    for name in ("regrade_submissions.csv", "regrade_tests.csv"):
        assert len((tmp_path / "v2" / name).read_text(encoding="utf-8-sig").splitlines()) == 1
