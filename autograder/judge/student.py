"""How hidden tests reach student code: the `student` and `reference` proxies.

A hidden test never touches a student object. It calls functions through a proxy:

    student.softmax.softmax(x)             # a contract function, plain data in and out
    student.probe(probes.softmax.ce_grad, logits, targets)   # a scenario, see below
    student.source("softmax")              # the module's source text, for rule checks

Arguments go to the student side as they are (the trusted side may send anything);
results come back through `autograder.codec`, so they are plain data under every backend.
A *probe* is a module-level function in `autograder/probes/<exercise>.py` taking the
exercise module first: it builds objects, calls student code and returns plain data
(state dicts, losses, gradients). It runs next to the student code (in the sandbox
child for isolated grading), and the same probe runs on the reference for comparison.

Backends implement `call(exercise, function, args, kwargs)`,
`probe(exercise, probe_fn, args, kwargs)` and `close()`.
"""

from __future__ import annotations

import builtins
import contextlib
import copy
import importlib
import pickle
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from autograder import codec
from autograder.judge.reference_cache import ReferenceCache, Uncacheable, call_key
from autograder.judge.source_rules import read_source
from autograder.kit.registry import EXERCISE_NAMES


class StudentError(Exception):
    """Student code raised, timed out, or could not be imported. Its message is safe to
    show the student: it comes from their own code or from the sandbox."""

    def __init__(
        self, kind: str, message: str, detail: str = "", kinds: tuple[str, ...] | None = None
    ) -> None:
        super().__init__(f"{kind}: {message}" if message else kind)
        self.kind = kind  # exception class name, or "Timeout", "ImportError", "Crash", ...
        self.message = message
        self.detail = detail  # traceback text (student frames only), for feedback
        # the genuine built-in exception classes it derives from (see exception_kinds)
        self.kinds = (kind,) if kinds is None else tuple(kinds)


class Backend(Protocol):
    def call(self, exercise: str, function: str, args: tuple, kwargs: dict) -> Any: ...

    def probe(self, exercise: str, probe_fn: Callable, args: tuple, kwargs: dict) -> Any: ...

    def close(self) -> None: ...


def probe_exercise(probe_fn: Callable) -> str:
    """Probes live in autograder/probes/<exercise>.py; the module name says the exercise."""
    exercise = probe_fn.__module__.rsplit(".", 1)[-1]
    if not probe_fn.__module__.startswith("autograder.probes.") or exercise not in EXERCISE_NAMES:
        raise ValueError(f"{probe_fn.__qualname__} is not in autograder/probes/<exercise>.py")
    return exercise


_LIBRARY_PREFIXES = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix})


def is_student_file(filename: str) -> bool:
    path = filename.replace("\\", "/")
    return not (
        "/autograder/" in path
        or "site-packages" in path
        or path.startswith("<")
        or filename.startswith(_LIBRARY_PREFIXES)
    )


def exception_kinds(exc_type: type) -> tuple[str, ...]:
    """The genuine built-in exception classes `exc_type` derives from, by name. A class
    merely named like a built-in (`class ValueError(Exception)`), or one whose metaclass
    rewrites its MRO, carries none of those names."""
    try:
        mro = type.__dict__["__mro__"].__get__(exc_type)
    except TypeError:
        return ()
    if any(type(cls) is not type for cls in mro):
        return ()
    return tuple(
        cls.__name__
        for cls in mro
        if getattr(builtins, cls.__name__, None) is cls and issubclass(cls, BaseException)
    )


def describe_exception(exc: BaseException, limit: int = 2000) -> StudentError:
    """Turn an exception raised by student code into a StudentError (short traceback)."""
    # Keep only the student's own lines (not the engine's, the libraries' or Python's), and
    # choose the frames before reading any source line: most of them are torch's.
    student_frames = [
        (frame, lineno)
        for frame, lineno in traceback.walk_tb(exc.__traceback__)
        if is_student_file(frame.f_code.co_filename)
    ]
    summary = traceback.StackSummary.extract(iter(student_frames[-5:]))
    detail = "".join(summary.format())[-limit:]
    message = str(exc)
    if len(message) > limit:
        message = message[:limit] + " …"
    return StudentError(type(exc).__name__, message, detail, exception_kinds(type(exc)))


def call_in_module(module: Any, function: str, args: tuple, kwargs: dict) -> Any:
    """Run one student call and return its result as plain data (shared by both backends)."""
    try:
        target = getattr(module, function)
    except AttributeError:
        raise StudentError("AttributeError", f"{module.__name__} has no '{function}'") from None
    try:
        result = target(*args, **kwargs)
    except (KeyboardInterrupt, StudentError):
        raise
    except BaseException as exc:  # SystemExit too: a student's exit() is just a failure
        raise describe_exception(exc) from None
    return encode_result(result, function)


def encode_result(result: Any, what: str) -> Any:
    try:
        return codec.encode(result)
    except codec.UnsupportedValue as exc:
        raise StudentError("UnsupportedValue", f"{what} returned a {exc}") from None


def run_probe_in_module(module: Any, probe_fn: Callable, args: tuple, kwargs: dict) -> Any:
    try:
        result = probe_fn(module, *args, **kwargs)
    except (KeyboardInterrupt, StudentError):
        raise
    except BaseException as exc:
        raise describe_exception(exc) from None
    return encode_result(result, probe_fn.__name__)


class ModuleLoader:
    """Imports `<package>.<exercise>` with `root` first on sys.path, remembering failures."""

    def __init__(self, root: Path | None, package: str) -> None:
        self.root = root
        self.package = package
        self._modules: dict[str, Any] = {}
        self._errors: dict[str, StudentError] = {}

    def load(self, exercise: str) -> Any:
        if exercise in self._errors:
            raise self._errors[exercise]
        if exercise not in self._modules:
            try:
                self._modules[exercise] = self._import(exercise)
            except StudentError as error:
                self._errors[exercise] = error
                raise
        return self._modules[exercise]

    def _import(self, exercise: str) -> Any:
        name = f"{self.package}.{exercise}"
        if self.root is not None:
            root = str(self.root)
            if root in sys.path:
                sys.path.remove(root)
            sys.path.insert(0, root)
        try:
            if self.root is not None:
                module_file = self.root / self.package / f"{exercise}.py"
                if not module_file.is_file():
                    raise StudentError("MissingFile", f"{self.package}/{exercise}.py is missing")
            return importlib.import_module(name)
        except StudentError:
            raise
        except SyntaxError as exc:
            raise StudentError(
                "SyntaxError", f"{exc.msg} ({Path(exc.filename or '').name}, line {exc.lineno})"
            ) from None
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            error = describe_exception(exc)
            raise StudentError(
                "ImportError", f"importing {name} failed: {error}", error.detail
            ) from None


def forget_package(package: str) -> None:
    """Drop `package` and its submodules from sys.modules (before importing another copy)."""
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]


def private_copy(args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """The code under test gets its own copy of the arguments, as the sandbox's pickled
    requests give it: a function that modifies its inputs cannot change the test's values."""
    try:
        return pickle.loads(pickle.dumps((args, kwargs), protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # a lambda or a local object: copy what can be copied
        return copy.deepcopy(args), copy.deepcopy(kwargs)


class InProcessBackend:
    """Imports the code into this process. For public tests, `torchgrade check`, the
    reference side, and otter's kernel; no isolation (see autograder.sandbox for that)."""

    protections = ["none: in-process backend, student code shares the grader's process"]

    def __init__(self, root: Path | None = None, package: str = "exercises") -> None:
        if root is not None:
            forget_package(package)
        self.loader = ModuleLoader(root, package)
        self.root = root
        self.package = package

    def call(self, exercise: str, function: str, args: tuple, kwargs: dict) -> Any:
        module = self.loader.load(exercise)
        args, kwargs = private_copy(args, kwargs)
        return codec.loads(codec.dumps(call_in_module(module, function, args, kwargs)))

    def probe(self, exercise: str, probe_fn: Callable, args: tuple, kwargs: dict) -> Any:
        module = self.loader.load(exercise)
        args, kwargs = private_copy(args, kwargs)
        return codec.loads(codec.dumps(run_probe_in_module(module, probe_fn, args, kwargs)))

    def close(self) -> None:
        if self.root is not None:
            forget_package(self.package)
            if str(self.root) in sys.path:
                sys.path.remove(str(self.root))


class MemoizedBackend:
    """The reference's results, remembered by their arguments for the life of the process,
    and across runs when a `ReferenceCache` is attached (`MemoizedBackend.disk`, set by the
    batch grader: see autograder.judge.reference_cache).

    The reference is deterministic for given arguments (probes seed what they use), and a
    batch grader asks it the same questions for every submission: answering from memory
    halves the work of grading. Calls whose arguments cannot be pickled are not remembered,
    those with no canonical form (`call_key`) only in memory; results are kept decoded, and
    each caller gets its own copy (`codec.fresh_copy`), so a test that changes the value it
    was given cannot change another's."""

    _memory: dict[bytes, Any] = {}
    _memory_bytes = 0  # the size of the remembered results, kept as they are added
    MAX_BYTES = 256 * 2**20
    disk: ReferenceCache | None = None

    def __init__(self, backend: InProcessBackend) -> None:
        self.backend = backend

    @classmethod
    def forget(cls) -> None:
        cls._memory.clear()
        cls._memory_bytes = 0

    def _remembered(self, key: tuple, compute: Callable[[], Any]) -> Any:
        try:  # pickle is fast but names a value differently in each process: memory only
            memory_key = pickle.dumps(key, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # a lambda, a local class: compute it every time
            return compute()
        if memory_key in self._memory:
            return codec.fresh_copy(self._memory[memory_key])
        disk, disk_key = MemoizedBackend.disk, None
        if disk is not None:
            try:
                disk_key = call_key(key)
            except Uncacheable:  # no name that another process would give it
                disk = None
        data = disk.get(disk_key) if disk is not None else None
        if data is None:
            data = codec.dumps(compute())
            if disk is not None:
                disk.put(disk_key, data)
        value = codec.loads(data)
        if self._remember(memory_key, value, len(data)):
            return codec.fresh_copy(value)
        return value

    def _remember(self, key: bytes, value: Any, size: int) -> bool:
        """Keep `value` (`size`: its codec bytes) while the memory holds under MAX_BYTES."""
        if MemoizedBackend._memory_bytes + size > self.MAX_BYTES:
            return False
        self._memory[key] = value
        MemoizedBackend._memory_bytes += size
        return True

    # The reference module is imported only when a result is not remembered: with a filled
    # cache a grader may never import some of them (solutions/datasets.py brings torchvision).
    def call(self, exercise: str, function: str, args: tuple, kwargs: dict) -> Any:
        return self._remembered(
            ("call", exercise, function, args, kwargs),
            lambda: call_in_module(self.backend.loader.load(exercise), function, args, kwargs),
        )

    def probe(self, exercise: str, probe_fn: Callable, args: tuple, kwargs: dict) -> Any:
        return self._remembered(
            ("probe", exercise, probe_fn.__module__, probe_fn.__qualname__, args, kwargs),
            lambda: run_probe_in_module(self.backend.loader.load(exercise), probe_fn, args, kwargs),
        )

    def close(self) -> None:
        self.backend.close()


class _ExerciseProxy:
    def __init__(self, backend: Backend, exercise: str) -> None:
        self._backend = backend
        self._exercise = exercise

    def __getattr__(self, function: str) -> Callable[..., Any]:
        if function.startswith("_"):
            raise AttributeError(function)

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._backend.call(self._exercise, function, args, kwargs)

        call.__name__ = function
        return call


class CodeProxy:
    """`student` / `reference` in hidden tests: `proxy.<exercise>.<function>(...)`,
    `proxy.probe(fn, ...)`, `proxy.source(exercise)`."""

    def __init__(self, backend: Backend, source_root: Path | None, package: str) -> None:
        self.backend = backend
        self._source_root = source_root
        self._package = package

    def __getattr__(self, exercise: str) -> _ExerciseProxy:
        if exercise not in EXERCISE_NAMES:
            raise AttributeError(f"no exercise named {exercise!r}")
        return _ExerciseProxy(self.backend, exercise)

    def probe(self, probe_fn: Callable, *args: Any, **kwargs: Any) -> Any:
        return self.backend.probe(probe_exercise(probe_fn), probe_fn, args, kwargs)

    def time_limit(self, seconds: float) -> contextlib.AbstractContextManager:
        """`with student.time_limit(60): ...` lets the calls inside run longer than the
        sandbox's per-call timeout (for work the contract allows to take long)."""
        limit = getattr(self.backend, "time_limit", None)
        return limit(seconds) if limit is not None else contextlib.nullcontext()

    def source(self, exercise: str) -> str:
        """The module's source text, read by the trusted side (never executed here)."""
        if self._source_root is None:
            module = importlib.import_module(f"{self._package}.{exercise}")
            path = Path(module.__file__)
        else:
            path = self._source_root / self._package / f"{exercise}.py"
        try:
            return read_source(path)  # decoded as Python decodes it for an import
        except OSError:
            raise StudentError("MissingFile", f"{self._package}/{exercise}.py is missing") from None


def reference_proxy() -> CodeProxy:
    """The reference solutions, in-process, through the same codec as student code."""
    return CodeProxy(MemoizedBackend(InProcessBackend(None, "solutions")), None, "solutions")
