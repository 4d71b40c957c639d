"""Isolated grading: student code runs only in sandboxed child processes.

    from autograder.sandbox import IsolatedBackend, Limits
    with IsolatedBackend(submission_root, Limits(timeout=5)) as backend:
        run_hidden_suite(backend, submission_root, "exercises", ["metrics"])

`limits` (what a child may use), `config` (the one sandbox configuration and environment
allow-list), `zygote` (the warm pre-imported process that forks the children), `child` (what
happens in a child), `cgroups` (a cgroup per sandbox), `protections` (what the OS offers),
`protocol` (the frames between grader and child), `backend` (the Backend itself).

The names below are imported on first use, so that the zygote can import its own module
before the libraries' folders are on its path.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "IsolatedBackend": "backend",
    "backend_factory": "backend",
    "default_zygote": "zygote",
    "Limits": "limits",
    "format_size": "limits",
    "parse_size": "limits",
    "SandboxConfig": "config",
    "Zygote": "zygote",
    "ZygoteError": "zygote",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'autograder.sandbox' has no attribute {name!r}")
    return getattr(importlib.import_module(f"autograder.sandbox.{_WHERE[name]}"), name)
