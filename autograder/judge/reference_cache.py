"""The reference's results on disk: computed once per course, reused by every later run.

The hidden suites ask the reference solutions the same questions for every submission.
`MemoizedBackend` (autograder.student) answers repeats from memory; this module keeps the
answers across runs, in one SQLite file per *course key* under the cache folder:

    $TORCHGRADE_CACHE_DIR, else $XDG_CACHE_HOME/torchgrade, else ~/.cache/torchgrade

The course key is a hash of everything a reference value depends on: the solutions, the
engine (hidden suites, probes, codec, every module of the autograder package), the data
folder's files, and the Python, torch, NumPy, pandas, scikit-learn and torchvision versions
with torch's thread count and device. Change any of them and the next run finds a new, empty
file (a miss), never a stale value. Within a file, an entry is keyed by a canonical
encoding of the call (exercise, function or probe, arguments), so a run over some
exercises reuses what a run over all of them stored.

Safety: values are stored as `autograder.codec` bytes (JSON and raw tensor bytes, decoded
without pickle). The folder is created private (0700), a folder that another user owns or
that others may write is refused, and the isolated backend hides it from student code.
Only trusted grading processes open it (never otter's kernel, where student code shares the
process). `torchgrade cache` prints where it is; `torchgrade cache --clear` empties it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import sqlite3
import stat
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

AUTOGRADER_DIR = Path(__file__).resolve().parents[1]
FILE_PREFIX = "reference-"
FILE_SUFFIX = ".sqlite"
KEEP_FILES = 8  # course keys kept side by side (older ones are removed)
VERSIONED = ("torch", "numpy", "pandas", "scikit-learn", "torchvision", "openpyxl")


class Uncacheable(TypeError):
    """An argument with no canonical form (a lambda, an arbitrary object): not cached."""


def default_cache_dir() -> Path:
    if os.environ.get("TORCHGRADE_CACHE_DIR"):
        return Path(os.environ["TORCHGRADE_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "torchgrade"


# --- what a value depends on -------------------------------------------------------------------


def _hash_tree(digest: hashlib._Hash, root: Path, patterns: Iterable[str]) -> None:
    files = sorted({p for pattern in patterns for p in root.glob(pattern) if p.is_file()})
    for path in files:
        if "__pycache__" in path.parts:
            continue
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def solutions_dir() -> Path | None:
    spec = importlib.util.find_spec("solutions")
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else None


def environment_facts() -> dict[str, Any]:
    """Versions and settings the reference's numbers depend on (torch is imported here)."""
    import torch

    facts: dict[str, Any] = {
        "python": sys.version,
        "machine": platform.machine(),
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.is_available(),
        "default_dtype": str(torch.get_default_dtype()),
    }
    for name in VERSIONED:
        try:
            facts[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            facts[name] = None
    return facts


def course_key(
    solutions: Path | None = None,
    engine: Path = AUTOGRADER_DIR,
    data: Path | None = None,
    facts: dict[str, Any] | None = None,
) -> str:
    """A hash of the solutions, the engine (hidden suites and probes included), the data
    and the environment: what every cached reference value depends on."""
    from autograder.kit import datagen

    digest = hashlib.sha256(b"torchgrade reference cache 1\0")
    solutions = solutions if solutions is not None else solutions_dir()
    for label, root, patterns in (
        ("solutions", solutions, ("**/*.py",)),
        ("engine", engine, ("**/*.py", "hidden/*.ini")),
        ("data", data if data is not None else datagen.default_data_dir(), ("**/*",)),
    ):
        digest.update(f"[{label}]".encode())
        if root is not None and Path(root).is_dir():
            _hash_tree(digest, Path(root), patterns)
    facts = facts if facts is not None else environment_facts()
    digest.update(json.dumps(facts, sort_keys=True).encode())
    return digest.hexdigest()


# --- canonical call keys -------------------------------------------------------------------------


def _canonical(value: Any, depth: int = 0) -> Any:
    """A JSON-ready form of a call's arguments, identical in every process for equal
    arguments (pickle is not: tensors pickle differently each time)."""
    import numpy as np
    import torch

    if depth > 64:
        raise Uncacheable("nested too deeply")
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return {"f": value.hex() if math.isfinite(value) else repr(value)}
    if type(value) is bytes:
        return {"b": value.hex()}
    if type(value) in (tuple, list):
        return {type(value).__name__: [_canonical(v, depth + 1) for v in value]}
    if type(value) is dict:
        return {
            "dict": [[_canonical(k, depth + 1), _canonical(v, depth + 1)] for k, v in value.items()]
        }
    if type(value) is torch.Tensor:
        if value.layout != torch.strided or value.device.type != "cpu":
            raise Uncacheable("a tensor that is not a dense CPU tensor")
        data = value.detach().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
        return {
            "tensor": str(value.dtype),
            "shape": list(value.shape),
            "stride": list(value.stride()),
            "grad": value.requires_grad,
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    if type(value) is np.ndarray:
        if value.dtype.hasobject:
            raise Uncacheable("an object array")
        return {
            "ndarray": value.dtype.str,
            "shape": list(value.shape),
            "fortran": bool(value.flags.f_contiguous and not value.flags.c_contiguous),
            "sha256": hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest(),
        }
    if isinstance(value, np.generic) and not isinstance(value, np.object_):
        return {"npscalar": value.dtype.str, "hex": value.tobytes().hex()}
    if isinstance(value, torch.dtype):
        return {"dtype": str(value)}
    if isinstance(value, torch.device):
        return {"device": str(value)}
    if callable(value) and hasattr(value, "__module__") and hasattr(value, "__qualname__"):
        if "<" in value.__qualname__:  # a lambda or a local function: no stable name
            raise Uncacheable(value.__qualname__)
        return {"function": f"{value.__module__}:{value.__qualname__}"}
    raise Uncacheable(f"{type(value).__module__}.{type(value).__qualname__}")


def call_key(parts: tuple) -> str:
    """The entry key of one reference call; raises Uncacheable."""
    text = json.dumps(_canonical(parts), separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


# --- the store ----------------------------------------------------------------------------------


def private_folder(folder: Path) -> Path:
    """Create `folder` as 0700, or check an existing one: it must be ours and writable by
    nobody else (a cache that someone else can write could change grades)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.stat()
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        raise PermissionError(f"{folder} belongs to another user")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise PermissionError(f"{folder} is writable by other users")
    if info.st_mode & 0o077:
        os.chmod(folder, 0o700)
    return folder


class ReferenceCache:
    """One course key's entries: `get(key) -> codec bytes | None`, `put(key, bytes)`.
    Safe for several grading processes at once (SQLite, write-ahead log)."""

    def __init__(self, folder: Path, key: str) -> None:
        self.folder = private_folder(Path(folder))
        self.path = self.folder / f"{FILE_PREFIX}{key[:40]}{FILE_SUFFIX}"
        new = not self.path.exists()
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        os.chmod(self.path, 0o600)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS entry (key TEXT PRIMARY KEY, value BLOB)")
        self.hits = self.misses = 0
        if new:
            prune(self.folder, keep=self.path)

    def get(self, key: str) -> bytes | None:
        try:
            row = self._db.execute("SELECT value FROM entry WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            row = None
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return bytes(row[0])

    def put(self, key: str, value: bytes) -> None:
        try:
            self._db.execute("INSERT OR IGNORE INTO entry VALUES (?, ?)", (key, value))
        except sqlite3.Error:
            pass  # a full disk or a locked file costs only speed

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM entry").fetchone()[0]

    def close(self) -> None:
        self._db.close()


def cache_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{FILE_PREFIX}*{FILE_SUFFIX}"), key=lambda p: p.stat().st_mtime)


def prune(folder: Path, keep: Path, most: int = KEEP_FILES) -> None:
    """Remove the oldest course keys' files beyond `most` (never `keep`)."""
    old = [p for p in cache_files(folder) if p != keep]
    for path in old[: max(0, len(old) - (most - 1))]:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def clear(folder: Path) -> int:
    """Delete every reference cache file in `folder`; return how many there were."""
    files = cache_files(folder)
    for path in files:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return len(files)


def open_for_this_course(folder: Path) -> ReferenceCache:
    return ReferenceCache(folder, course_key())
