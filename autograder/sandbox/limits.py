"""Resource limits for sandboxed student code, and the command-line flags that set them.

Adding a limit: one field in `Limits` (its flag comes from the field's metadata) and its
enforcement in `child.py` (or `backend.py` for what the grader side times)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1 << 10,
    "kb": 1 << 10,
    "kib": 1 << 10,
    "m": 1 << 20,
    "mb": 1 << 20,
    "mib": 1 << 20,
    "g": 1 << 30,
    "gb": 1 << 30,
    "gib": 1 << 30,
}


def parse_size(text: str | int) -> int:
    """'4G', '64MiB', '512k' or a number of bytes -> bytes."""
    if isinstance(text, int):
        return text
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", str(text))
    if not match or match.group(2).lower() not in _UNITS:
        raise ValueError(f"not a size: {text!r} (use e.g. 512M, 4G)")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def flag_type(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """`parse` for argparse: a bad or non-positive value is a one-line usage error that says
    what is wrong ("argument --memory: not a size: 'abc' ..."), never a function's name."""

    def convert(text: str) -> Any:
        try:
            value = parse(text)
        except ValueError as exc:
            what = str(exc) if parse is parse_size else f"not a number: {text!r}"
            raise argparse.ArgumentTypeError(what) from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text!r}")
        return value

    return convert


def format_size(n_bytes: int) -> str:
    """Bytes as the largest whole-ish binary unit: 4294967296 -> '4 GiB'."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n_bytes >= size:
            return f"{n_bytes / size:.3g} {unit}"
    return f"{n_bytes} bytes"


def format_seconds(seconds: float) -> str:
    return f"{seconds:g} s"


def _limit(default: Any, flag: str, kind: Any, metavar: str, help: str) -> Any:
    """A limit with its `torchgrade grade` flag; `help` may use {default}."""
    return field(
        default=default, metadata={"flag": flag, "type": kind, "metavar": metavar, "help": help}
    )


@dataclass(frozen=True)
class Limits:
    """What one submission's sandbox may use. Exceeding a limit fails the test (or the
    exercise, or the rest of the submission) that was running, with a message naming it."""

    timeout: float = _limit(
        10.0, "--timeout", float, "SECONDS", "wall time per call into student code"
    )
    cpu_time: int = _limit(60, "--cpu-time", int, "SECONDS", "CPU time per submission process")
    memory: int = _limit(
        4 << 30, "--memory", parse_size, "SIZE", "memory above the pre-imported libraries"
    )
    max_procs: int = _limit(64, "--max-procs", int, "N", "processes and threads")
    max_file_size: int = _limit(
        64 << 20, "--max-file-size", parse_size, "SIZE", "size of any file written"
    )
    max_output: int = _limit(1 << 20, "--max-output", parse_size, "SIZE", "stdout/stderr kept")
    scratch_size: int = _limit(
        256 << 20,
        "--scratch-size",
        parse_size,
        "SIZE",
        "what a submission may write in all its private writable folders together "
        "(/tmp, /var/tmp, /dev/shm, ...)",
    )
    submission_timeout: float = _limit(
        600.0,
        "--submission-timeout",
        float,
        "SECONDS",
        "wall time for one submission as a whole; its remaining tests fail after it",
    )

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) <= 0:
                raise ValueError(f"limit {f.name} must be positive")

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        return (
            f"{format_seconds(self.timeout)} wall per call, {self.cpu_time} s CPU, "
            f"{format_size(self.memory)} memory, {self.max_procs} processes, "
            f"{format_size(self.max_file_size)} per file, "
            f"{format_size(self.max_output)} output kept"
        )

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        """The `--timeout`, `--cpu-time`, `--memory`, ... flags of `torchgrade grade`."""
        group = parser.add_argument_group("sandbox limits (isolated backend)")
        for f in fields(Limits):
            shown = format_size(f.default) if f.metadata["type"] is parse_size else f"{f.default:g}"
            group.add_argument(
                f.metadata["flag"],
                dest=f.name,
                type=flag_type(f.metadata["type"]),
                default=f.default,
                metavar=f.metadata["metavar"],
                help=f"{f.metadata['help']} (default {shown})",
            )

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Limits:
        d = cls()
        return cls(**{f.name: getattr(args, f.name, getattr(d, f.name)) for f in fields(cls)})

    @classmethod
    def from_dict(cls, data: dict) -> Limits:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
