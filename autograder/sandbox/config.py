"""The one sandbox configuration, shared by the backend (grader side), the zygote and the
supervisor/worker pair (`child.py`), and the one environment allow-list.

What crosses to the zygote is `SandboxConfig.public()`: no path of the grader's disk. The
paths (the submission to copy in, the folders to hide, the data to keep readable) are sent
by the grader straight to the supervisor, after it has forked the worker, so that no process
that runs student code ever held them (not in its memory, its environment or its files).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace

from autograder.sandbox.limits import Limits

# Taken from the grader's environment (when set) into the zygote's and so every child's.
ENV_PASSED = ("PATH", "TORCHGRADE_DATA_DIR")
# Set to these values for the zygote and every child; nothing else of the grader's
# environment reaches student code.
ENV_FIXED = {
    "LANG": "C.UTF-8",
    "MPLBACKEND": "Agg",
    "PYTHONDONTWRITEBYTECODE": "1",
    "OMP_NUM_THREADS": "1",  # threads would count against the process limit
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    # malloc's memory in 2 MiB pages (where the kernel offers them): the zygote's ~450 MiB
    # then costs each fork, and each child's exit, far fewer page-table entries to copy.
    "GLIBC_TUNABLES": "glibc.malloc.hugetlb=1",
}
# Set per child to its scratch folder / a neutral name.
ENV_PER_CHILD = ("HOME", "TMPDIR", "USER", "LOGNAME")


def sandbox_environment(grader_env: Mapping[str, str]) -> dict[str, str]:
    """The zygote's whole environment, from the grader's."""
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    env.update({k: grader_env[k] for k in ENV_PASSED if grader_env.get(k)})
    env.update(ENV_FIXED)
    return env


def child_environment(current: Mapping[str, str], scratch: str) -> dict[str, str]:
    """A child's whole environment: the allow-listed part of `current`, plus its own."""
    env = {k: v for k, v in current.items() if k in ENV_PASSED or k in ENV_FIXED}
    env.update(ENV_FIXED)
    env.update(HOME=scratch, TMPDIR=scratch, USER="student", LOGNAME="student")
    return env


@dataclass(frozen=True)
class SandboxPaths:
    """Where things lie on the grader's disk (absolute paths): for the supervisor only."""

    submission_root: str  # holds the package (`exercises/`) to copy into the sandbox
    hidden: tuple[str, ...] = ()  # never readable by student code
    readable: tuple[str, ...] = ()  # kept readable even under a hidden folder (the data)

    @classmethod
    def from_dict(cls, raw: dict) -> SandboxPaths:
        return cls(
            str(raw["submission_root"]),
            tuple(str(p) for p in raw.get("hidden", ())),
            tuple(str(p) for p in raw.get("readable", ())),
        )


@dataclass(frozen=True)
class SandboxConfig:
    """How one submission's sandbox is built. Limits are in `limits`; the OS features used
    are switches (each also falls back on its own where the OS refuses it)."""

    package: str = "exercises"
    limits: Limits = field(default_factory=Limits)
    namespaces: bool = True  # mount/PID/network/IPC/UTS namespaces
    drop_user: bool = True  # as root: an uid of its own per submission, that owns nothing
    user_namespace: bool = False  # as root too: what a non-root grader gets
    cgroups: bool = True  # a cgroup per sandbox where the host lets us make one
    paths: SandboxPaths | None = None

    def public(self) -> SandboxConfig:
        """What may reach the zygote and the worker: everything but the paths."""
        return replace(self, paths=None)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> SandboxConfig:
        raw = json.loads(data)
        paths = raw.pop("paths", None)
        return cls(
            **{**raw, "limits": Limits.from_dict(raw.get("limits", {}))},
            paths=None if paths is None else SandboxPaths.from_dict(paths),
        )

    def paths_json(self) -> bytes:
        if self.paths is None:
            raise ValueError("this configuration carries no paths")
        return json.dumps(asdict(self.paths)).encode()

    @staticmethod
    def paths_from_json(data: bytes) -> SandboxPaths:
        return SandboxPaths.from_dict(json.loads(data))
