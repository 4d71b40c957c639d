"""Writing output files so that a reader (or an interrupted run) never sees half of one, and
keeping a run's temporary files inside its output folder."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from autograder.kit.text import spreadsheet_safe


def write_atomic(path: Path, content: str | bytes) -> Path:
    """Write beside the target, then rename over it."""
    tmp = path.with_name(f".{path.name}.tmp")
    if isinstance(content, bytes):
        tmp.write_bytes(content)
    else:
        tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, path)
    return path


def write_csv_atomic(path: Path, header: list[str], rows: list[list]) -> Path:
    """Every CSV the grader writes goes through here: UTF-8 with a byte-order mark, so Excel
    on Windows shows accented names as they are (pandas and `encoding="utf-8-sig"` skip it),
    and no text cell reads as a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(
        [spreadsheet_safe(v) if isinstance(v, str) else v for v in row] for row in rows
    )
    return write_atomic(path, "\ufeff" + buffer.getvalue())


def read_json(path: Path) -> dict | None:
    """A JSON object from `path`, or None when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


PRIVATE_TMP_PREFIX = ".torchgrade-tmp-"


@contextlib.contextmanager
def private_tempdir(parent: Path) -> Iterator[Path]:
    """Point every temporary file of this process and the processes it starts (TMPDIR) at a
    fresh folder in `parent`, removed at the end: nothing of a run remains outside its output
    folder, whatever the libraries and probes it runs put in "/tmp". Folders left by a run
    that was killed are removed too."""
    parent.mkdir(parents=True, exist_ok=True)
    for stale in parent.glob(f"{PRIVATE_TMP_PREFIX}*"):
        pid = stale.name.removeprefix(PRIVATE_TMP_PREFIX).split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{PRIVATE_TMP_PREFIX}{os.getpid()}-", dir=parent))
    saved = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        if saved[0] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved[0]
        tempfile.tempdir = saved[1]
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
