"""Finding and unpacking submissions: every entry of the folder becomes exactly one.

An entry is a `.zip` or a folder holding an `exercises/` package at its root or inside one
top-level folder (a set of exercise notebooks is accepted too). Whatever is wrong with an
entry becomes its `error`; nothing is skipped except hidden OS files (names starting with
"." and `__MACOSX`). Only `exercises/*.py` is copied into a fresh staging folder: a
submission cannot bring a `conftest.py`, a `solutions/` package or anything else along.

Every byte here is the student's, read on the trusted side, so every step is bounded and
linear: files, bytes, folder depth and name lengths are counted as they are read, no path
may lead outside the submission (symbolic links, `..` or absolute names in a zip), special
files (FIFOs, devices) are never opened, and `stage` runs in a forked child with CPU,
memory, file-size and wall-clock limits where the OS can fork. Anything over a bound is the
submission's `SubmissionError`, never a hang or a crash of the grader.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from autograder.kit.text import printable, spreadsheet_safe

MAX_UNPACKED_BYTES = 50 * 2**20  # a zip (or folder) holding more is refused (zip bombs)
MAX_ARCHIVE_BYTES = 100 * 2**20  # the .zip or notebook file itself
MAX_FILES = 2000  # entries of a zip, or walked in a folder
MAX_DEPTH = 32  # folders inside folders
MAX_NAME_BYTES = 255  # one file name (what Linux and macOS allow)
MAX_PATH_BYTES = 1024  # a whole path inside the submission
MAX_MODULE_BYTES = 2 * 2**20  # one .py file
MAX_ROW_NAME_BYTES = 200  # a submission's name in grades.csv and as its output folder

# Files `torchgrade grade` writes at the top of --out: a submission is never called that.
OUTPUT_NAMES = frozenset(
    {"grades.csv", "grades.xlsx", "report.html", "regrade_submissions.csv", "regrade_tests.csv"}
)
COPIED_SUFFIXES = (".py", ".ipynb")  # all staging ever reads from a submission
SKIPPED_FOLDERS = frozenset({"__pycache__", "__MACOSX"})  # (and every hidden folder)
_SPECIAL_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


class SubmissionError(Exception):
    """What is wrong with a submission, phrased for the instructor's spreadsheet."""


@dataclass(frozen=True)
class Submission:
    name: str  # the row's name (and output folder): see `row_name`
    path: Path  # the entry in the submissions folder

    def fingerprint(self) -> str:
        """Hash of the entry's names and bytes: re-grading is skipped while it holds. Bounded:
        past MAX_FILES entries or MAX_ARCHIVE_BYTES of content, sizes and times stand in."""
        digest = hashlib.sha256()
        budget = [MAX_FILES, MAX_ARCHIVE_BYTES]  # entries, content bytes still hashed
        try:
            _hash_entry(digest, self.path, os.fsencode(self.path.name), budget, 0)
        except OSError as exc:
            digest.update(f"<unreadable {exc.errno}>".encode())
        return digest.hexdigest()


def _hash_entry(digest, path: Path, rel: bytes, budget: list[int], depth: int) -> None:
    info = os.lstat(path)
    digest.update(b"\0" + rel + b"\0" + str(stat.S_IFMT(info.st_mode)).encode())
    if budget[0] <= 0 or depth > MAX_DEPTH:
        return
    budget[0] -= 1
    if stat.S_ISLNK(info.st_mode):
        digest.update(os.fsencode(os.readlink(path)))
    elif stat.S_ISREG(info.st_mode):
        if info.st_size <= budget[1]:
            budget[1] -= info.st_size
            with open(path, "rb") as file:
                for chunk in iter(lambda: file.read(1 << 20), b""):
                    digest.update(chunk)
        else:
            digest.update(f"{info.st_size}:{info.st_mtime_ns}".encode())
    elif stat.S_ISDIR(info.st_mode):
        names = sorted(os.listdir(os.fsencode(path)))
        for name in names[: max(budget[0], 0) + 1]:
            _hash_entry(digest, path / os.fsdecode(name), rel + b"/" + name, budget, depth + 1)


# --- names ---------------------------------------------------------------------------------


def is_os_junk(path: Path) -> bool:
    return path.name.startswith(".") or path.name == "__MACOSX"


def row_name(entry: str | bytes, strip_zip: bool = True) -> str:
    """A submission's name from its entry's file name (.zip dropped): valid UTF-8 (other
    bytes as \\xNN), no control or invisible characters, never a formula, never one of the
    output files, at most MAX_ROW_NAME_BYTES. The same name is its output folder."""
    raw = os.fsencode(entry)
    if strip_zip and raw.lower().endswith(b".zip") and len(raw) > 4:
        raw = raw[:-4]
    name = printable(raw.decode("utf-8", "backslashreplace"), limit=10**6)
    name = spreadsheet_safe(name)
    if name.lower() in OUTPUT_NAMES:
        name += " (submission)"
    if len(name.encode()) > MAX_ROW_NAME_BYTES:
        tag = hashlib.sha256(raw).hexdigest()[:8]
        name = name.encode()[: MAX_ROW_NAME_BYTES - 12].decode("utf-8", "ignore") + f"…{tag}"
    return name


def discover(folder: Path) -> list[Submission]:
    """One Submission per entry of `folder`, sorted by name, names made unique (also without
    regard to case, for case-insensitive file systems)."""
    if not folder.is_dir():
        raise SubmissionError(f"{folder} is not a folder of submissions")
    entries = sorted((p for p in folder.iterdir() if not is_os_junk(p)), key=lambda p: p.name)
    submissions: list[Submission] = []
    taken: set[str] = set()
    for entry in entries:
        name = row_name(entry.name, strip_zip=entry.is_file())
        if name.casefold() in taken:  # "alice" and "alice.zip": the second keeps ".zip"
            name = row_name(entry.name, strip_zip=False)
        base, number = name, 2
        while name.casefold() in taken:
            name, number = f"{base} ({number})", number + 1
        taken.add(name.casefold())
        submissions.append(Submission(name, entry))
    return sorted(submissions, key=lambda s: s.name)


# --- unpacking -----------------------------------------------------------------------------


class _Budget:
    """Entries and bytes a submission may still bring in."""

    def __init__(self) -> None:
        self.files = MAX_FILES
        self.bytes = MAX_UNPACKED_BYTES

    def entry(self) -> None:
        self.files -= 1
        if self.files < 0:
            raise SubmissionError(f"the submission holds more than {MAX_FILES} files")

    def take(self, size: int) -> None:
        self.bytes -= size
        if self.bytes < 0:
            raise SubmissionError(
                f"the submission unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MiB"
            )


def _check_name(parts: tuple[str, ...], shown: str) -> None:
    if len(parts) > MAX_DEPTH:
        raise SubmissionError(f"'{shown}' is nested more than {MAX_DEPTH} folders deep")
    if any(len(os.fsencode(p)) > MAX_NAME_BYTES for p in parts) or (
        len(os.fsencode("/".join(parts))) > MAX_PATH_BYTES
    ):
        raise SubmissionError(
            f"a file name is too long ('{printable(shown, 40)}'; at most {MAX_NAME_BYTES} "
            "bytes a name): shorten it"
        )


def _wanted(name: str) -> bool:
    return name.lower().endswith(COPIED_SUFFIXES)


def _special_kind(mode: int) -> str | None:
    return _SPECIAL_KINDS.get(stat.S_IFMT(mode))


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _copy_file(source: Path, target: Path, size: int, budget: _Budget) -> None:
    budget.take(size)
    with open(source, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)


def _copy_folder(src: Path, dest: Path) -> None:
    """Copy the folders and the .py/.ipynb files of `src` (never following a link out of it).

    A symbolic link that resolves inside the submission is kept (a file link as a copy of
    its file, a folder link as a relative link); one that leads outside, dangles or loops
    is an error, as is a special file."""
    root = os.path.realpath(src)
    budget = _Budget()
    stack: list[tuple[Path, Path, tuple[str, ...]]] = [(src, dest, ())]
    while stack:
        folder, target, rel = stack.pop()
        target.mkdir(parents=True, exist_ok=True)
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
        for entry in entries:
            parts = (*rel, entry.name)
            shown = "/".join(parts)
            if entry.name.startswith(".") or entry.name in SKIPPED_FOLDERS:
                continue  # .git, .ipynb_checkpoints, caches: never needed to grade
            budget.entry()
            _check_name(parts, shown)
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                real = os.path.realpath(entry.path)
                if not _inside(real, root) or not os.path.exists(real):
                    raise SubmissionError(
                        f"'{printable(shown)}' is a symbolic link to a place outside the "
                        "submission: hand in the files themselves"
                    )
                if os.path.isdir(real):
                    relative = os.path.relpath(real, os.path.realpath(folder))
                    os.symlink(relative, target / entry.name)
                elif _wanted(entry.name) and stat.S_ISREG(os.stat(real).st_mode):
                    _copy_file(Path(real), target / entry.name, os.stat(real).st_size, budget)
            elif stat.S_ISDIR(info.st_mode):
                stack.append((Path(entry.path), target / entry.name, parts))
            elif stat.S_ISREG(info.st_mode):
                if _wanted(entry.name):
                    _copy_file(Path(entry.path), target / entry.name, info.st_size, budget)
            else:
                kind = _special_kind(info.st_mode) or "a special file"
                raise SubmissionError(
                    f"'{printable(shown)}' is {kind}, not a file: hand in regular files only"
                )


def _supported_compression() -> set[int]:
    methods = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
    for method, module in ((zipfile.ZIP_BZIP2, "bz2"), (zipfile.ZIP_LZMA, "lzma")):
        try:
            __import__(module)
            methods.add(method)
        except ImportError:
            pass
    return methods


def _link_target(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> str:
    if member.file_size > 4096:
        return "/"  # not a path any file system allows: outside
    return archive.read(member).decode("utf-8", "replace")


def _check_members(archive: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, tuple[str, ...]]]:
    """Every member checked before anything is written; return the files to extract with
    their safe relative parts. Folders and links inside the zip are not extracted."""
    members = archive.infolist()
    if len(members) > MAX_FILES:
        raise SubmissionError(f"the zip holds {len(members)} files (at most {MAX_FILES})")
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise SubmissionError(f"the zip unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MiB")
    methods = _supported_compression()
    files = []
    for member in members:
        name = member.filename.replace("\\", "/")
        shown = printable(name)
        path = PurePosixPath(name)
        parts = tuple(p for p in path.parts if p not in ("", "."))
        if path.is_absolute() or ".." in parts or (parts and parts[0].endswith(":")):
            raise SubmissionError(
                f"the zip has an unsafe path ('{shown}' leads outside the archive): "
                "make the zip with `torchgrade submit`"
            )
        _check_name(parts, name)
        if member.flag_bits & 0x1:
            raise SubmissionError(
                f"the zip is encrypted ('{shown}' needs a password): upload it without one"
            )
        if member.compress_type not in methods:
            raise SubmissionError(
                f"'{shown}' is compressed with a method zip files rarely use (method "
                f"{member.compress_type}): make the zip with `torchgrade submit`"
            )
        mode = member.external_attr >> 16 if member.create_system == 3 else 0
        if stat.S_ISLNK(mode):
            target = _link_target(archive, member)
            joined = PurePosixPath(*parts[:-1], target).parts
            depth = 0
            for part in joined:
                depth += -1 if part == ".." else (0 if part == "." else 1)
                if depth < 0:
                    break
            if target.startswith("/") or depth < 0:
                raise SubmissionError(
                    f"'{shown}' is a symbolic link to a place outside the submission: "
                    "hand in the files themselves"
                )
            continue  # a link inside the zip: its target is in the zip too
        if _special_kind(mode):
            raise SubmissionError(
                f"'{shown}' is {_special_kind(mode)}, not a file: hand in regular files only"
            )
        if member.is_dir() or not parts:
            continue
        files.append((member, parts))
    return files


def _extract(archive: zipfile.ZipFile, dest: Path) -> None:
    budget = _Budget()
    for member, parts in _check_members(archive):
        target = dest.joinpath(*parts)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if not _wanted(parts[-1]):
                continue
            with open(target, "wb") as dst:
                _copy_member(archive, member, dst, budget)
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            raise SubmissionError(
                f"the zip holds a file and a folder both called '{printable('/'.join(parts))}'"
            ) from None


def _copy_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, dst, budget: _Budget) -> None:
    """Decompress one member into `dst`, counting the bytes actually produced (a member's
    header may lie about its size). Whatever the zip library cannot read is the zip's fault."""
    try:
        with archive.open(member) as src:
            while chunk := src.read(1 << 20):
                budget.take(len(chunk))
                dst.write(chunk)
    except SubmissionError:
        raise
    except Exception as exc:  # BadZipFile, zlib/bz2/lzma errors, EOFError: a corrupt member
        if isinstance(exc, OSError) and exc.errno is not None and exc.errno != errno.EFBIG:
            raise  # the grader's disk, not the zip
        raise SubmissionError(
            f"'{printable(member.filename)}' in the zip cannot be read "
            f"({type(exc).__name__}: {printable(str(exc), 120)}): make the zip again"
        ) from None


def _regular_size(path: Path) -> int:
    """The size of the regular file `path`; SubmissionError for anything else."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise SubmissionError(
            f"'{printable(path.name)}' is a symbolic link: put the submission itself in the folder"
        )
    kind = _special_kind(info.st_mode)
    if kind:
        raise SubmissionError(f"'{printable(path.name)}' is {kind}, not a .zip or a folder")
    if info.st_size > MAX_ARCHIVE_BYTES:
        raise SubmissionError(
            f"'{printable(path.name)}' is larger than {MAX_ARCHIVE_BYTES // 2**20} MiB"
        )
    return info.st_size


def unpack(submission: Submission, dest: Path) -> Path:
    """Copy or extract the entry into `dest` and return the folder to search."""
    dest.mkdir(parents=True, exist_ok=True)
    path = submission.path
    entry = dest / "entry"
    if path.is_symlink():
        _regular_size(path)  # raises: a link could point anywhere
    if path.is_dir():
        _copy_folder(path, entry)
        return entry
    _regular_size(path)
    if path.suffix.lower() == ".ipynb":
        entry.mkdir(exist_ok=True)
        shutil.copyfile(path, entry / path.name)
        return entry
    if path.suffix.lower() != ".zip":
        raise SubmissionError(f"'{printable(path.name)}' is neither a .zip nor a folder")
    try:
        archive = zipfile.ZipFile(path)
    except PermissionError:
        raise
    except Exception as exc:  # BadZipFile, or a crafted directory that makes zipfile trip
        raise SubmissionError(
            f"'{printable(path.name)}' is not a valid zip file ({printable(str(exc))})"
        ) from None
    with archive:
        if not archive.infolist():
            raise SubmissionError("the zip is empty")
        entry.mkdir(exist_ok=True)
        _extract(archive, entry)
    return entry


def find_package(folder: Path) -> Path | None:
    """The `exercises/` folder at the root of `folder` or inside its single top-level folder."""
    if (folder / "exercises").is_dir():
        return folder / "exercises"
    children = [p for p in folder.iterdir() if p.is_dir() and not is_os_junk(p)]
    if len(children) == 1 and (children[0] / "exercises").is_dir():
        return children[0] / "exercises"
    return find_loose_modules(folder)


def find_loose_modules(folder: Path) -> Path | None:
    """A folder holding `<exercise>.py` modules without the `exercises/` package around them
    (loose files uploaded one by one): `folder` itself or its single top-level folder."""
    from autograder.kit.registry import EXERCISE_NAMES

    children = [p for p in folder.iterdir() if p.is_dir() and not is_os_junk(p)]
    for candidate in (folder, *(children if len(children) == 1 else [])):
        if any((candidate / f"{name}.py").is_file() for name in EXERCISE_NAMES):
            return candidate
    return None


def find_notebooks(folder: Path) -> Path | None:
    """A folder holding exercise notebooks (at the root or in one top-level folder)."""
    for candidate in (folder, *(p for p in folder.iterdir() if p.is_dir())):
        if any(candidate.glob("*.ipynb")):
            return candidate
    return None


def _stage(submission: Submission, work: Path) -> Path:
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
                f"exercises/{printable(module.name)} is larger than {MAX_MODULE_BYTES // 2**20} MiB"
            )
        shutil.copyfile(module, package / module.name)
    (package / "__init__.py").write_text("", encoding="utf-8")
    return staged


def stage(submission: Submission, work: Path) -> Path:
    """Unpack the submission and write `work/stage/exercises/*.py`; return `work/stage`.

    Raises SubmissionError with an explanation when no exercises can be found or the
    submission breaks a bound. Where the OS can fork, the work runs in a child limited in
    CPU time, memory, file size and wall-clock time (see `autograder.staging`)."""
    work.mkdir(parents=True, exist_ok=True)
    if not hasattr(os, "fork"):
        return _stage(submission, work)
    from autograder.staging import stage_in_child

    return stage_in_child(submission, work)
