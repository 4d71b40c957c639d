"""Finding, unpacking and staging submissions; `torchgrade submit`."""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import pytest

from autograder.cli import main as cli
from autograder.kit.commands.submit import pack
from autograder.staging import stage_in_forked_child
from autograder.submissions import (
    Submission,
    SubmissionError,
    discover,
    row_name,
    stage,
    unpack,
)

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
        unpack(sub, tmp_path / "work")  # (in this process, where the bound is patched)


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


@pytest.mark.parametrize(
    ("entry", "row"),
    [
        ("alice.zip", "alice"),
        (b"caf\xe9.zip", "caf\\xe9"),  # not UTF-8: the byte, escaped
        ("line\nbreak\x1b.zip", "line\\nbreak\\x1b"),
        ("=SUM(A1).zip", "'=SUM(A1)"),
        ("@cmd.zip", "'@cmd"),
        ("grades.csv", "grades.csv (submission)"),
        ("Report.HTML.zip", "Report.HTML (submission)"),
    ],
)
def test_row_names_are_printable_never_formulas_nor_output_files(entry, row):
    assert row_name(entry) == row


def test_long_names_are_cut_and_stay_distinct():
    first, second = row_name("a" * 240 + "1.zip"), row_name("a" * 240 + "2.zip")
    assert first != second
    assert len(first.encode()) <= 200 and first.startswith("a" * 150)


def test_discover_keeps_names_unique_regardless_of_case(tmp_path):
    for name in ("Bob.zip", "bob.zip", "bob"):
        make_zip(tmp_path / name, {"exercises/metrics.py": ""})
    names = sorted(s.name for s in discover(tmp_path))
    assert len({n.casefold() for n in names}) == 3


def test_a_link_inside_the_submission_is_followed(tmp_path):
    sub = tmp_path / "sub"
    (sub / "src").mkdir(parents=True)
    (sub / "src" / "metrics.py").write_text("X = 2\n")
    (sub / "exercises").mkdir()
    (sub / "exercises" / "metrics.py").symlink_to("../src/metrics.py")
    staged = stage(Submission("sub", sub), tmp_path / "work")
    assert (staged / "exercises" / "metrics.py").read_text() == "X = 2\n"


@pytest.mark.parametrize("target", ["/etc", "../..", "dangling"])
def test_a_link_that_leaves_the_submission_is_an_error(tmp_path, target):
    sub = tmp_path / "sub"
    (sub / "exercises").mkdir(parents=True)
    (sub / "exercises" / "metrics.py").write_text("X = 1\n")
    (sub / "notes").symlink_to(target)
    with pytest.raises(SubmissionError, match="symbolic link to a place outside"):
        stage(Submission("sub", sub), tmp_path / "work")


def test_a_folder_brings_only_python_and_notebooks(tmp_path):
    sub = tmp_path / "sub"
    (sub / "exercises").mkdir(parents=True)
    (sub / "exercises" / "metrics.py").write_text("X = 1\n")
    (sub / ".git").mkdir()
    (sub / ".git" / "objects").write_bytes(b"x" * 1000)
    (sub / "data.bin").write_bytes(b"x" * 1000)
    stage(Submission("sub", sub), tmp_path / "work")
    copied = {p.name for p in (tmp_path / "work" / "unpacked").rglob("*")}
    assert copied == {"entry", "exercises", "metrics.py"}


def test_staging_that_hangs_is_cut_short(tmp_path, monkeypatch):
    monkeypatch.setattr("autograder.staging.STAGING_SECONDS", 1)
    monkeypatch.setattr("autograder.staging._stage", lambda sub, work: time.sleep(30))
    sub = Submission("a", make_zip(tmp_path / "a.zip", {"exercises/metrics.py": ""}))
    start = time.monotonic()
    assert stage_in_forked_child(sub, tmp_path / "work") == {
        "error": "unpacking took longer than 1 s"
    }
    assert time.monotonic() - start < 10


def test_staging_that_spins_or_allocates_is_stopped_by_its_limits(tmp_path, monkeypatch):
    def spin(sub, work):
        while True:
            pass

    def allocate(sub, work):
        hog = []
        while True:
            hog.append(bytearray(2**26))

    sub = Submission("a", make_zip(tmp_path / "a.zip", {"exercises/metrics.py": ""}))
    # Generous time for the allocation (a loaded machine forks slowly): memory must stop it.
    monkeypatch.setattr("autograder.staging.STAGING_SECONDS", 60)
    monkeypatch.setattr("autograder.staging.STAGING_MEMORY", 2**28)
    monkeypatch.setattr("autograder.staging._stage", allocate)
    assert "more than 256 MiB of memory" in stage_in_forked_child(sub, tmp_path / "w1")["error"]
    monkeypatch.setattr("autograder.staging.STAGING_SECONDS", 1)
    monkeypatch.setattr("autograder.staging._stage", spin)
    assert "took longer than 1 s" in stage_in_forked_child(sub, tmp_path / "w2")["error"]


def test_a_fault_of_the_grader_while_staging_is_not_the_students(tmp_path, monkeypatch):
    def broken(sub, work):
        raise KeyError("a bug of ours")

    monkeypatch.setattr("autograder.staging._stage", broken)
    sub = Submission("a", make_zip(tmp_path / "a.zip", {"exercises/metrics.py": ""}))
    assert "KeyError" in stage_in_forked_child(sub, tmp_path / "work")["fault"]


def test_fingerprint_of_a_folder_does_not_read_special_files(tmp_path):
    sub = tmp_path / "sub"
    (sub / "exercises").mkdir(parents=True)
    os.mkfifo(sub / "exercises" / "pipe")  # opening it would block for ever
    (sub / "exercises" / "loop").symlink_to(sub)
    assert Submission("sub", sub).fingerprint() == Submission("sub", sub).fingerprint()
