"""Fixtures shared by the engine tests."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import time
from pathlib import Path

import pytest

PR_SET_CHILD_SUBREAPER = 36


class OwnProcesses:
    """The live processes this test session started, wherever they were reparented.

    The session is made a child subreaper (Linux), so an orphan of a grader or a sandbox is
    reparented to it instead of to init: every process a test started stays a descendant of
    the session, and processes of another grader running on the same machine never count."""

    def __init__(self) -> None:
        self.root = os.getpid()
        self.reaper = False
        if sys.platform.startswith("linux"):
            libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
            self.reaper = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0

    def live(self) -> dict[int, str]:
        """pid -> "pid name (ppid N)" of every live (not zombie) descendant of the session."""
        children: dict[int, list[int]] = {}
        described: dict[int, str] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
            if state not in ("Z", "X"):
                children.setdefault(int(ppid), []).append(int(entry.name))
                described[int(entry.name)] = f"{entry.name} {name} (ppid {ppid})"
        found, todo = {}, [self.root]
        while todo:
            for child in children.get(todo.pop(), []):
                found[child] = described[child]
                todo.append(child)
        return found

    def since(self, before: set[int] | dict[int, str], wait: float = 5.0) -> list[str]:
        """Descendants that are not in `before`, after waiting up to `wait` s for them to end."""
        deadline = time.monotonic() + wait
        while True:
            new = [text for pid, text in self.live().items() if pid not in before]
            if not new or time.monotonic() > deadline:
                return new
            time.sleep(0.05)


@pytest.fixture(scope="session")
def own_processes() -> OwnProcesses:
    if not sys.platform.startswith("linux"):
        pytest.skip("process accounting through /proc needs Linux")
    return OwnProcesses()
