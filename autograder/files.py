"""Writing output files so that a reader (or an interrupted run) never sees half of one."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path


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
    on Windows shows accented names as they are (pandas and `encoding="utf-8-sig"` skip it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return write_atomic(path, "\ufeff" + buffer.getvalue())


def read_json(path: Path) -> dict | None:
    """A JSON object from `path`, or None when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
