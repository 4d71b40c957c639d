"""Finding and unpacking submissions: every entry of the folder becomes exactly one.

An entry is a `.zip` or a folder holding an `exercises/` package at its root or inside one
top-level folder (a set of exercise notebooks is accepted too). Whatever is wrong with an
entry becomes its `error`; nothing is skipped except hidden OS files (names starting with
"." and `__MACOSX`). Only `exercises/*.py` is copied into a fresh staging folder: a
submission cannot bring a `conftest.py`, a `solutions/` package or anything else along.
"""

from __future__ import annotations

import hashlib
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_UNPACKED_BYTES = 50 * 2**20  # a zip that unpacks to more is refused (zip bombs)
MAX_FILES = 2000
MAX_MODULE_BYTES = 2 * 2**20  # one .py file


class SubmissionError(Exception):
    """What is wrong with a submission, phrased for the instructor's spreadsheet."""


@dataclass(frozen=True)
class Submission:
    name: str  # the row's name: the entry's name without .zip
    path: Path  # the entry in the submissions folder

    def fingerprint(self) -> str:
        """Hash of the entry's bytes (and file names): re-grading is skipped while it holds."""
        digest = hashlib.sha256()
        files = (
            [self.path]
            if self.path.is_file()
            else sorted(p for p in self.path.rglob("*") if p.is_file() and not p.is_symlink())
        )
        for file in files:
            digest.update(str(file.relative_to(self.path.parent)).encode())
            try:
                digest.update(file.read_bytes())
            except OSError:
                digest.update(b"<unreadable>")
        return digest.hexdigest()


def is_os_junk(path: Path) -> bool:
    return path.name.startswith(".") or path.name == "__MACOSX"


def discover(folder: Path) -> list[Submission]:
    """One Submission per entry of `folder`, sorted by name, names made unique."""
    if not folder.is_dir():
        raise SubmissionError(f"{folder} is not a folder of submissions")
    entries = sorted((p for p in folder.iterdir() if not is_os_junk(p)), key=lambda p: p.name)
    submissions: list[Submission] = []
    taken: set[str] = set()
    for entry in entries:
        name = (
            entry.name[:-4]
            if entry.name.lower().endswith(".zip") and entry.is_file()
            else entry.name
        )
        if name in taken:  # "alice" and "alice.zip": keep the full entry name for the second
            name = entry.name
        taken.add(name)
        submissions.append(Submission(name, entry))
    return submissions


def _safe_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    members = archive.infolist()
    if len(members) > MAX_FILES:
        raise SubmissionError(f"the zip holds {len(members)} files (at most {MAX_FILES})")
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise SubmissionError(f"the zip unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MiB")
    safe = []
    for member in members:
        path = PurePosixPath(member.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts:
            raise SubmissionError(f"the zip has an unsafe path: {member.filename}")
        if stat.S_ISLNK(member.external_attr >> 16):
            continue  # symlinks could point anywhere: ignored
        safe.append(member)
    return safe


def unpack(submission: Submission, dest: Path) -> Path:
    """Copy or extract the entry into `dest` and return the folder to search."""
    dest.mkdir(parents=True, exist_ok=True)
    path = submission.path
    if path.is_dir():
        shutil.copytree(
            path,
            dest / "entry",
            symlinks=True,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
        return dest / "entry"
    if path.suffix.lower() == ".ipynb":
        (dest / "entry").mkdir(exist_ok=True)
        shutil.copy2(path, dest / "entry" / path.name)
        return dest / "entry"
    if path.suffix.lower() != ".zip":
        raise SubmissionError(f"'{path.name}' is neither a .zip nor a folder")
    try:
        with zipfile.ZipFile(path) as archive:
            members = _safe_members(archive)
            if not members:
                raise SubmissionError("the zip is empty")
            archive.extractall(dest / "entry", members)
    except zipfile.BadZipFile as exc:
        raise SubmissionError(f"'{path.name}' is not a valid zip file ({exc})") from None
    return dest / "entry"


def find_package(folder: Path) -> Path | None:
    """The `exercises/` folder at the root of `folder` or inside its single top-level folder."""
    if (folder / "exercises").is_dir():
        return folder / "exercises"
    children = [p for p in folder.iterdir() if p.is_dir() and not is_os_junk(p)]
    if len(children) == 1 and (children[0] / "exercises").is_dir():
        return children[0] / "exercises"
    return None


def find_notebooks(folder: Path) -> Path | None:
    """A folder holding exercise notebooks (at the root or in one top-level folder)."""
    for candidate in (folder, *(p for p in folder.iterdir() if p.is_dir())):
        if any(candidate.glob("*.ipynb")):
            return candidate
    return None


def stage(submission: Submission, work: Path) -> Path:
    """Unpack the submission and write `work/stage/exercises/*.py`; return `work/stage`.

    Raises SubmissionError with an explanation when no exercises can be found."""
    entry = unpack(submission, work / "unpacked")
    staged = work / "stage"
    package = staged / "exercises"
    package.mkdir(parents=True, exist_ok=True)
    found = find_package(entry)
    if found is None:
        notebooks = find_notebooks(entry)
        if notebooks is None:
            raise SubmissionError(
                "no exercises/ package (or exercise notebooks) found at the "
                "top of the submission; make it with `torchgrade submit`"
            )
        from autograder.kit.notebooks import notebooks_to_package

        try:
            found = notebooks_to_package(notebooks, work / "from_notebooks")
        except ValueError as exc:
            raise SubmissionError(str(exc)) from None
        found = found if found.name == "exercises" else found / "exercises"
    modules = [
        p
        for p in found.glob("*.py")
        if p.is_file() and not p.is_symlink() and p.name != "__init__.py"
    ]
    if not modules:
        raise SubmissionError("the exercises/ folder has no .py modules")
    for module in modules:
        if module.stat().st_size > MAX_MODULE_BYTES:
            raise SubmissionError(
                f"exercises/{module.name} is larger than {MAX_MODULE_BYTES // 2**20} MiB"
            )
        shutil.copyfile(module, package / module.name)
    (package / "__init__.py").write_text("", encoding="utf-8")
    return staged
