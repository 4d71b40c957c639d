"""Assertions for hidden tests whose failure messages are safe to show a student.

A plain `assert` in a hidden test fails with a generic "did not match the reference"
in feedback (its text could reveal expected values). `Mismatch` messages are shown: they
say what was wrong (shape, dtype, size of the error) without the expected numbers.

Rule points only for working code: a rule test (`@pytest.mark.rule`) and every "raises"
check first prove, in the same test, that the function they are about works on valid
input (`require_works`: the student's values against the reference's, judged here on the
trusted side). The hidden suites' conftest enforces it for every rule test, and
`student_raises` refuses to run before it: a module whose functions return garbage, or
raise everywhere, earns nothing from rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

from autograder.judge.student import StudentError


class Mismatch(AssertionError):
    """A failed check whose message the student may read."""


class HiddenTestError(RuntimeError):
    """A hidden test broke the grading protocol (a bug of the suite, never the student's):
    the reference then loses the point too, so the catalogue check fails in CI."""


def require(condition: Any, message: str) -> None:
    if not condition:
        raise Mismatch(message)


_working: list[str] = []  # what the current test has shown to work, in order


def start_test() -> None:
    """Called before each hidden test (conftest): nothing is known to work yet."""
    _working.clear()


def working() -> tuple[str, ...]:
    return tuple(_working)


def require_works(actual: Any, expected: Any, *, what: str, **tolerance: Any) -> None:
    """`actual`, the student's result on valid input, matches the reference's `expected`:
    the function works, so the rule or raises check that follows in this test may count."""
    try:
        assert_close(actual, expected, what=what, **tolerance)
    except Mismatch as problem:
        raise Mismatch(f"{problem} (this check counts only when {what} works)") from None
    _working.append(what)


def require_working(condition: Any, what: str, message: str) -> None:
    """Like `require_works` for a property checked otherwise (an accuracy reached)."""
    require(condition, f"{message} (this check counts only when {what} works)")
    _working.append(what)


def _as_array(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return (
            value.detach()
            .cpu()
            .to(torch.float64 if not value.is_complex() else torch.complex128)
            .numpy()
        )
    return np.asarray(value)


def assert_close(
    actual: Any,
    expected: Any,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    what: str = "result",
    check_shape: bool = True,
) -> None:
    """Numbers, arrays, tensors, or tuples/lists/dicts of them, compared elementwise."""
    if isinstance(expected, dict):
        require(isinstance(actual, dict), f"{what}: expected a dict, got {type(actual).__name__}")
        require(
            set(actual) == set(expected), f"{what}: keys {sorted(actual)} are not the expected keys"
        )
        for key in expected:
            assert_close(
                actual[key],
                expected[key],
                rtol=rtol,
                atol=atol,
                what=f"{what}[{key!r}]",
                check_shape=check_shape,
            )
        return
    if isinstance(expected, tuple | list) and not _is_numeric_list(expected):
        require(
            isinstance(actual, tuple | list),
            f"{what}: expected a tuple/list, got {type(actual).__name__}",
        )
        require(
            len(actual) == len(expected),
            f"{what}: expected {len(expected)} items, got {len(actual)}",
        )
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_close(a, e, rtol=rtol, atol=atol, what=f"{what}[{i}]", check_shape=check_shape)
        return
    try:
        a = _as_array(actual)
    except Exception:
        raise Mismatch(f"{what}: got a {type(actual).__name__}, expected numbers") from None
    e = _as_array(expected)
    if a.dtype.kind not in "biufc":
        raise Mismatch(f"{what}: got non-numeric values ({type(actual).__name__})")
    if check_shape:
        require(a.shape == e.shape, f"{what}: shape {a.shape}, expected {e.shape}")
    else:
        require(a.size == e.size, f"{what}: {a.size} values, expected {e.size}")
        a = a.reshape(e.shape)
    if a.size == 0:
        return
    finite_a, finite_e = np.isfinite(a), np.isfinite(e)
    require(
        np.array_equal(finite_a, finite_e)
        and np.array_equal(a[~finite_e], e[~finite_e], equal_nan=True),
        f"{what}: NaN/inf where finite values were expected (or the reverse)",
    )
    diff = np.abs(
        a[finite_e].astype(np.complex128 if a.dtype.kind == "c" else np.float64) - e[finite_e]
    )
    tol = atol + rtol * np.abs(e[finite_e])
    bad = diff > tol
    if bad.any():
        raise Mismatch(
            f"{what}: {int(bad.sum())} of {e.size} values differ from the reference "
            f"(largest error {float(diff.max()):.3g})"
        )


def _is_numeric_list(value: Any) -> bool:
    try:
        return np.asarray(value).dtype.kind in "biufc"
    except Exception:
        return False


def require_raised(outcome: dict, kind: str, message: str) -> None:
    """For probes that report an exception as {"error": class names, ...} (see probes)."""
    if not _working:
        raise HiddenTestError("a raises check needs require_works first, in the same test")
    require(kind in outcome.get("error", ()), message)


@contextmanager
def student_raises(*kinds: str) -> Iterator[None]:
    """The student call inside must raise one of `kinds`: built-in exception classes,
    matched against the genuine built-ins in the exception's MRO (a subclass counts, e.g.
    a custom error derived from ValueError; a class merely *named* ValueError does not).
    Only after `require_works` in the same test."""
    if not _working:
        raise HiddenTestError("student_raises needs require_works first, in the same test")
    wanted = " or ".join(kinds)
    try:
        yield
    except StudentError as error:
        require(
            set(kinds) & set(error.kinds), f"expected {wanted}, got {error.kind}: {error.message}"
        )
    else:
        raise Mismatch(f"expected {wanted}, but nothing was raised")
