"""Isolated grading: student code runs only in sandboxed child processes.

    from autograder.sandbox import IsolatedBackend, Limits
    with IsolatedBackend(submission_root, Limits(timeout=5)) as backend:
        run_hidden_suite(backend, submission_root, "exercises", ["metrics"])

`limits` (what a child may use), `zygote` (the warm pre-imported process that forks the
children), `child` (what happens in a child), `protections` (what the OS offers),
`protocol` (the frames between grader and child), `backend` (the Backend itself).

The names below are imported on first use, so `from autograder.sandbox import Limits`
(the command line's flags) does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "IsolatedBackend": "backend",
    "backend_factory": "backend",
    "default_zygote": "backend",
    "Limits": "limits",
    "format_size": "limits",
    "parse_size": "limits",
    "Zygote": "zygote",
    "ZygoteError": "zygote",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value
