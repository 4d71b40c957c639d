"""Hostile submissions aimed at the grader's trusted side, built by the tests.

Git cannot hold most of them (names that are not UTF-8, FIFOs, symbolic links, zips with
crafted headers), so each case here is a function that writes one entry into a
submissions folder. `tests/engine/test_hostile_batch.py` grades all of them in one
`torchgrade grade --jobs 2` run, each next to a correct submission, and checks what the
case says: the row it must get (its name, and either the error it must show or the tests
that must fail), that it gains nothing, harms no neighbour and leaves nothing behind.

Classes follow the issue that listed them: 1 unbounded work on the trusted side, 3 paths
out of the submission, 4 names and cells that attack the instructor, 10 bad archives.
"""

from __future__ import annotations

import os
import shutil
import stat
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
HOSTILE = REPO / "tests" / "hostile"
APPENDED = "# hostile: appended to the reference solution"
SOLUTION = REPO / "solutions" / "metrics.py"


@dataclass(frozen=True)
class Case:
    name: str
    issue_class: int
    build: Callable[[Path], None]  # writes the entry into the submissions folder
    row: str  # the name its row must have
    error: str | None = None  # text its error must contain (None: it is graded)
    fails: frozenset[str] = frozenset()  # metrics functions whose tests must fail
    exact: bool = True  # False: `row` is the start of the name (a name cut short)


# --- building blocks ------------------------------------------------------------------------


def solution_zip(path: Path, arcname: str = "exercises/metrics.py") -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(SOLUTION, arcname)


def solution_folder(path: Path) -> None:
    (path / "exercises").mkdir(parents=True)
    shutil.copy(SOLUTION, path / "exercises" / "metrics.py")


def stored(case: str) -> Callable[[Path], None]:
    """A submission kept in tests/hostile/<case>; an appended module follows the reference."""

    def build(subs: Path) -> None:
        into = subs / case
        shutil.copytree(HOSTILE / case, into, ignore=shutil.ignore_patterns("__pycache__"))
        module = into / "exercises" / "metrics.py"
        text = module.read_text(encoding="utf-8")
        if text.startswith(APPENDED):
            module.write_text(SOLUTION.read_text(encoding="utf-8") + "\n\n" + text)

    return build


def zip_with(name: str, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Callable:
    def build(subs: Path) -> None:
        with zipfile.ZipFile(subs / name, "w", zipfile.ZIP_DEFLATED) as archive:
            for info, data in members:
                archive.writestr(info, data)

    return build


def unix_entry(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    return info


def notebook_zip(name: str, extra_cells: list[str]) -> Callable[[Path], None]:
    """The metrics notebook holding the reference code, plus `extra_cells`."""

    def build(subs: Path) -> None:
        from autograder.kit.notebooks import exercise_notebook

        notebook = exercise_notebook("metrics", SOLUTION.read_text(encoding="utf-8"))
        notebook.cells += [nbformat.v4.new_code_cell(source) for source in extra_cells]
        with zipfile.ZipFile(subs / name, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("metrics.ipynb", nbformat.writes(notebook))

    return build


def patched_zip(name: str, patch: Callable[[bytearray, int, int], None]) -> Callable:
    """A correct zip whose one member's headers `patch(data, local, central)` then edits
    (`local`, `central`: offsets of its local and central directory headers)."""

    def build(subs: Path) -> None:
        path = subs / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
            archive.write(SOLUTION, "exercises/metrics.py")
        data = bytearray(path.read_bytes())
        patch(data, data.index(b"PK\x03\x04"), data.index(b"PK\x01\x02"))
        path.write_bytes(bytes(data))

    return build


def _method_99(data: bytearray, local: int, central: int) -> None:
    struct.pack_into("<H", data, local + 8, 99)  # AES, or anything zipfile cannot read
    struct.pack_into("<H", data, central + 10, 99)


def _lying_size(data: bytearray, local: int, central: int) -> None:
    struct.pack_into("<I", data, local + 22, 100)  # uncompressed size: "100 bytes"
    struct.pack_into("<I", data, central + 24, 100)


def _encrypted(data: bytearray, local: int, central: int) -> None:
    """zipfile writes no encrypted zips: the member's headers say it is encrypted."""
    for offset in (local + 6, central + 8):  # general purpose flags, bit 0: encrypted
        struct.pack_into("<H", data, offset, struct.unpack_from("<H", data, offset)[0] | 1)


def _bad_crc(data: bytearray, local: int, central: int) -> None:
    body = local + 30 + struct.unpack_from("<H", data, local + 26)[0]
    data[body + 10] ^= 0xFF  # one byte of the stored module flipped


def _lying_bomb(subs: Path) -> None:
    """Sixty MiB of zeros whose headers claim a few hundred bytes."""
    path = subs / "bomb-lying-header.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("exercises/metrics.py", b"#" * (60 << 20))
    data = bytearray(path.read_bytes())
    _lying_size(data, data.index(b"PK\x03\x04"), data.index(b"PK\x01\x02"))
    path.write_bytes(bytes(data))


def linked_folder(name: str, link: str, target: Callable[[Path], Path]) -> Callable:
    """A correct folder submission plus a symbolic link `link` -> target(subs)."""

    def build(subs: Path) -> None:
        folder = subs / name
        solution_folder(folder)
        where = folder / link
        if where.exists():
            where.unlink() if where.is_file() else shutil.rmtree(where)
        where.symlink_to(target(subs))

    return build


def _relative_to_solutions(subs: Path) -> Path:
    return Path(os.path.relpath(REPO / "solutions", subs / "link-relative"))


def _top_level_link(subs: Path) -> None:
    elsewhere = subs.parent / "elsewhere"
    solution_folder(elsewhere)
    (subs / "link-entry").symlink_to(elsewhere)


def _deep_folders(subs: Path) -> None:
    folder = subs / "deep-folders"
    solution_folder(folder)
    deep = folder.joinpath(*["d"] * 40)
    deep.mkdir(parents=True)
    (deep / "x.py").write_text("X = 1\n")


def _fifo_inside(subs: Path) -> None:
    solution_folder(subs / "fifo-inside")
    os.mkfifo(subs / "fifo-inside" / "exercises" / "pipe.py")


def _fifo_entry(subs: Path) -> None:
    os.mkfifo(subs / "fifo.zip")


def named(entry: str | bytes, kind: str = "zip") -> Callable[[Path], None]:
    """A correct submission (a zip, a folder, or a stray file) under a hostile name."""

    def build(subs: Path) -> None:
        path = Path(os.fsdecode(os.path.join(os.fsencode(subs), os.fsencode(entry))))
        if kind == "zip":
            solution_zip(path)
        elif kind == "folder":
            solution_folder(path)
        else:
            path.write_text("not a submission\n")

    return build


def _bad_notebook_name(subs: Path) -> None:
    (subs / "=1+1.ipynb").write_text("{not json", encoding="utf-8")


# --- the cases -----------------------------------------------------------------------------

OUTSIDE = "symbolic link to a place outside the submission"

CASES: list[Case] = [
    # 1. unbounded work on the trusted side
    Case(
        "notebook-blank-lines",
        1,
        notebook_zip("notebook-blank-lines.zip", ["\n" * 300_000]),
        "notebook-blank-lines",
    ),
    Case(
        "notebook-many-cells",
        1,
        notebook_zip("notebook-many-cells.zip", ["x = 1"] * 5000),
        "notebook-many-cells",
        error="more than 2000 cells",
    ),
    Case(
        "bomb-zeros",
        1,
        zip_with("bomb-zeros.zip", [("exercises/metrics.py", b"0" * (60 << 20))]),
        "bomb-zeros",
        error="unpacks to more than 50 MiB",
    ),
    Case("bomb-lying-header", 1, _lying_bomb, "bomb-lying-header", error="cannot be read"),
    Case(
        "many-files",
        1,
        zip_with("many-files.zip", [(f"f{i}.txt", b"") for i in range(3000)]),
        "many-files",
        error="holds 3000 files",
    ),
    Case("deep-folders", 1, _deep_folders, "deep-folders", error="nested more than 32 folders"),
    Case("reply_wide", 1, stored("reply_wide"), "reply_wide", fails=frozenset({"binary_accuracy"})),
    Case("reply_deep", 1, stored("reply_deep"), "reply_deep", fails=frozenset({"binary_accuracy"})),
    # 3. paths out of the submission
    Case(
        "link-folder",
        3,
        linked_folder("link-folder", "exercises", lambda s: REPO / "solutions"),
        "link-folder",
        error=OUTSIDE,
    ),
    Case(
        "link-file",
        3,
        linked_folder("link-file", "exercises/metrics.py", lambda s: SOLUTION),
        "link-file",
        error=OUTSIDE,
    ),
    Case(
        "link-relative",
        3,
        linked_folder("link-relative", "exercises", _relative_to_solutions),
        "link-relative",
        error=OUTSIDE,
    ),
    Case("link-entry", 3, _top_level_link, "link-entry", error="is a symbolic link"),
    Case(
        "zip-dotdot",
        3,
        zip_with("zip-dotdot.zip", [("../../x/exercises/metrics.py", b"")]),
        "zip-dotdot",
        error="unsafe path",
    ),
    Case(
        "zip-absolute",
        3,
        zip_with("zip-absolute.zip", [("/tmp/x/exercises/metrics.py", b"")]),
        "zip-absolute",
        error="unsafe path",
    ),
    Case(
        "zip-symlink",
        3,
        zip_with(
            "zip-symlink.zip",
            [(unix_entry("exercises", stat.S_IFLNK | 0o777), str(REPO / "solutions").encode())],
        ),
        "zip-symlink",
        error=OUTSIDE,
    ),
    # 4. names and cells that attack the instructor
    Case("latin1-name", 4, named(b"caf\xe9.zip"), "caf\\xe9"),
    Case("bytes-name", 4, named(b"\xff\xfe-x.zip"), "\\xff\\xfe-x"),
    Case("grades.csv", 4, named("grades.csv", "folder"), "grades.csv (submission)"),
    Case("report.html", 4, named("report.html.zip"), "report.html (submission)"),
    Case(
        "grades.xlsx",
        4,
        named("grades.xlsx", "file"),
        "grades.xlsx (submission)",
        error="neither a .zip nor a folder",
    ),
    Case(
        "formula-equals",
        4,
        named('=HYPERLINK("http:example.com","x").zip'),
        '\'=HYPERLINK("http:example.com","x")',
    ),
    Case("formula-plus", 4, named("+cmd|' -c calc'!A0.zip"), "'+cmd|' -c calc'!A0"),
    Case("formula-minus", 4, named("-2+3.zip"), "'-2+3"),
    Case("formula-at", 4, named("@SUM(A1).zip"), "'@SUM(A1)"),
    Case("formula-error", 4, _bad_notebook_name, "'=1+1.ipynb", error="not a valid notebook"),
    Case("control-chars", 4, named("evil\nname\x1b[31m\u202e.zip"), "evil\\nname\\x1b[31m\\u202e"),
    Case("html-name", 4, named("<img src=x onerror=alert(1)>.zip"), "<img src=x onerror=alert(1)>"),
    Case("long-name", 4, named("n" * 250 + ".zip"), "n" * 150, exact=False),
    # 10. bad archives
    Case("encrypted", 10, patched_zip("encrypted.zip", _encrypted), "encrypted", error="encrypted"),
    Case(
        "method-99",
        10,
        patched_zip("method-99.zip", _method_99),
        "method-99",
        error="compressed with a method",
    ),
    Case(
        "crc-error", 10, patched_zip("crc-error.zip", _bad_crc), "crc-error", error="cannot be read"
    ),
    Case(
        "long-member-name",
        10,
        zip_with("long-member-name.zip", [("exercises/" + "m" * 300 + ".py", b"")]),
        "long-member-name",
        error="file name is too long",
    ),
    Case("fifo-inside", 10, _fifo_inside, "fifo-inside", error="is a FIFO"),
    Case("fifo-entry", 10, _fifo_entry, "fifo.zip", error="is a FIFO"),
    Case(
        "device-in-zip",
        10,
        zip_with("device-in-zip.zip", [(unix_entry("exercises/tty", stat.S_IFCHR | 0o666), b"")]),
        "device-in-zip",
        error="character device",
    ),
]
