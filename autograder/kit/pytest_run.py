"""The one way torchgrade runs pytest: in this process, its output captured."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from contextlib import redirect_stderr, redirect_stdout

# Every run: quiet, and no .pytest_cache written into the course folder or the grader.
COMMON_ARGS = ("-q", "-p", "no:cacheprovider")


def run_pytest(args: Sequence[str], plugins: Iterable[object] = ()) -> tuple[int, str]:
    """`pytest.main(args)` with `plugins` registered; returns its exit code and its output
    (which never reaches the terminal). pytest is imported here, not at module level: the
    commands that import this module must start without it (`torchgrade --help`)."""
    import pytest

    log = io.StringIO()
    with redirect_stdout(log), redirect_stderr(log):
        code = pytest.main([*args, *COMMON_ARGS], plugins=list(plugins))
    return int(code), log.getvalue()
