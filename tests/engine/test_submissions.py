"""Finding, unpacking and staging submissions; `torchgrade submit`."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from autograder.cli import main as cli
from autograder.kit.commands.submit import pack
from autograder.submissions import Submission, SubmissionError, discover, stage

REPO = Path(__file__).resolve().parents[2]


def make_zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def test_discover_names_every_entry_once(tmp_path):
    (tmp_path / "alice").mkdir()
    make_zip(tmp_path / "alice.zip", {"exercises/metrics.py": ""})
    make_zip(tmp_path / "bob.zip", {"exercises/metrics.py": ""})
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / ".DS_Store").write_text("x")
    names = [s.name for s in discover(tmp_path)]
    assert names == ["alice", "alice.zip", "bob", "notes.txt"]


def test_discover_rejects_missing_folder(tmp_path):
    with pytest.raises(SubmissionError, match="not a folder"):
        discover(tmp_path / "nope")


@pytest.mark.parametrize("layout", ["exercises/metrics.py", "alice-hw/exercises/metrics.py"])
def test_stage_finds_package_at_root_or_in_one_folder(tmp_path, layout):
    sub = Submission("a", make_zip(tmp_path / "a.zip", {layout: "X = 1\n", "conftest.py": "boom"}))
    staged = stage(sub, tmp_path / "work")
    assert (staged / "exercises" / "metrics.py").read_text() == "X = 1\n"
    assert (staged / "exercises" / "__init__.py").read_text() == ""
    assert not (staged / "conftest.py").exists()  # only exercises/*.py is staged


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "empty"),
        ({"readme.md": "hi"}, "no exercises/ package"),
        ({"../evil/exercises/metrics.py": ""}, "unsafe path"),
        ({"/abs/exercises/metrics.py": ""}, "unsafe path"),
        ({"exercises/readme.md": "hi"}, "no .py modules"),
    ],
)
def test_stage_explains_what_is_wrong(tmp_path, files, message):
    sub = Submission("a", make_zip(tmp_path / "a.zip", files))
    with pytest.raises(SubmissionError, match=message):
        stage(sub, tmp_path / "work")


def test_stage_refuses_non_zip_and_corrupt_zip(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(SubmissionError, match="neither a .zip nor a folder"):
        stage(Submission("a", tmp_path / "a.txt"), tmp_path / "w1")
    with pytest.raises(SubmissionError, match="not a valid zip"):
        stage(Submission("b", tmp_path / "b.zip"), tmp_path / "w2")


def test_stage_refuses_zip_bomb(tmp_path, monkeypatch):
    monkeypatch.setattr("autograder.submissions.MAX_UNPACKED_BYTES", 1000)
    sub = Submission("a", make_zip(tmp_path / "a.zip", {"exercises/metrics.py": "#" * 5000}))
    with pytest.raises(SubmissionError, match="unpacks to more than"):
        stage(sub, tmp_path / "work")


def test_fingerprint_follows_content(tmp_path):
    path = make_zip(tmp_path / "a.zip", {"exercises/metrics.py": "A"})
    first = Submission("a", path).fingerprint()
    assert Submission("a", path).fingerprint() == first
    make_zip(path, {"exercises/metrics.py": "B"})
    assert Submission("a", path).fingerprint() != first


def test_submit_packs_exercises_deterministically(tmp_path):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "metrics.py").write_text("X = 1\n")
    (tmp_path / "exercises" / "notes.txt").write_text("not code")
    pack(tmp_path, tmp_path / "one.zip")
    pack(tmp_path, tmp_path / "two.zip")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        assert archive.namelist() == ["exercises/metrics.py"]
    staged = stage(Submission("one", tmp_path / "one.zip"), tmp_path / "work")
    assert (staged / "exercises" / "metrics.py").read_text() == "X = 1\n"


def test_submit_refuses_without_exercises(tmp_path, capsys):
    assert cli(["submit", "--from", str(tmp_path), "--out", str(tmp_path / "s.zip")]) == 2
    assert "no exercises/ folder" in capsys.readouterr().err
    assert not (tmp_path / "s.zip").exists()
