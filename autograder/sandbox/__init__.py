"""Isolated grading: student code runs only in sandboxed child processes.

    from autograder.sandbox import IsolatedBackend, Limits
    with IsolatedBackend(submission_root, Limits(timeout=5)) as backend:
        run_hidden_suite(backend, submission_root, "exercises", ["metrics"])

`limits` (what a child may use), `zygote` (the warm pre-imported process that forks the
children), `child` (what happens in a child), `protections` (what the OS offers),
`protocol` (the frames between grader and child), `backend` (the Backend itself).
"""

from autograder.sandbox.backend import IsolatedBackend, backend_factory, default_zygote
from autograder.sandbox.limits import Limits, format_size, parse_size
from autograder.sandbox.zygote import Zygote, ZygoteError

__all__ = [
    "IsolatedBackend",
    "Limits",
    "Zygote",
    "ZygoteError",
    "backend_factory",
    "default_zygote",
    "format_size",
    "parse_size",
]
