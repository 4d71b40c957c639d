"""Resource limits for sandboxed student code, and the command-line flags that set them."""

from __future__ import annotations

import argparse
import re
from dataclasses import asdict, dataclass, fields

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


def size_argument(text: str) -> int:
    """`parse_size` for argparse: a bad or non-positive size is a one-line usage error."""
    try:
        size = parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if size <= 0:
        raise argparse.ArgumentTypeError(f"not a positive size: {text!r} (use e.g. 512M, 4G)")
    return size


def format_size(n_bytes: int) -> str:
    """Bytes as the largest whole-ish binary unit: 4294967296 -> '4 GiB'."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n_bytes >= size:
            return f"{n_bytes / size:.3g} {unit}"
    return f"{n_bytes} bytes"


def format_seconds(seconds: float) -> str:
    return f"{seconds:g} s"


@dataclass(frozen=True)
class Limits:
    """What one submission's child process may use. Exceeding a limit fails the test (or
    the exercise) that was running, with a message naming the limit."""

    timeout: float = 10.0  # wall seconds per call (importing a module is a call)
    cpu_time: int = 60  # CPU seconds per child process (a fresh child gets a fresh budget)
    memory: int = 4 << 30  # bytes of address space above the child's post-import baseline
    max_procs: int = 64  # processes + threads of the sandbox user
    max_file_size: int = 64 << 20  # bytes per file written
    max_output: int = 1 << 20  # bytes of stdout/stderr kept
    scratch_size: int = 256 << 20  # bytes of the scratch tmpfs (where a tmpfs is used)

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) <= 0:
                raise ValueError(f"limit {f.name} must be positive (--{f.name.replace('_', '-')})")

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
        d = Limits()
        group = parser.add_argument_group("sandbox limits (isolated backend)")
        group.add_argument(
            "--timeout",
            type=float,
            default=d.timeout,
            metavar="SECONDS",
            help=f"wall time per call into student code (default {d.timeout:g})",
        )
        group.add_argument(
            "--cpu-time",
            type=int,
            default=d.cpu_time,
            metavar="SECONDS",
            help=f"CPU time per submission process (default {d.cpu_time})",
        )
        group.add_argument(
            "--memory",
            type=size_argument,
            default=d.memory,
            metavar="SIZE",
            help=f"memory above the pre-imported libraries (default {format_size(d.memory)})",
        )
        group.add_argument(
            "--max-procs",
            type=int,
            default=d.max_procs,
            metavar="N",
            help=f"processes and threads (default {d.max_procs})",
        )
        group.add_argument(
            "--max-file-size",
            type=size_argument,
            default=d.max_file_size,
            metavar="SIZE",
            help=f"size of any file written (default {format_size(d.max_file_size)})",
        )
        group.add_argument(
            "--max-output",
            type=size_argument,
            default=d.max_output,
            metavar="SIZE",
            help=f"stdout/stderr kept (default {format_size(d.max_output)})",
        )

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Limits:
        d = cls()
        return cls(
            timeout=getattr(args, "timeout", d.timeout),
            cpu_time=getattr(args, "cpu_time", d.cpu_time),
            memory=getattr(args, "memory", d.memory),
            max_procs=getattr(args, "max_procs", d.max_procs),
            max_file_size=getattr(args, "max_file_size", d.max_file_size),
            max_output=getattr(args, "max_output", d.max_output),
        )

    @classmethod
    def from_dict(cls, data: dict) -> Limits:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
