"""Probes for the numpy_backprop exercise: scenarios that run next to the code under test.

Each probe takes the exercise module first and returns plain data only.
"""

from __future__ import annotations

import types

import numpy as np

from autograder.probes import _numerics

TORCH_ROOTS = ("torch", "torchvision", "torchaudio", "torchtext")


def strict_call(ex, function: str, *args) -> dict:
    """`ex.<function>(*args)` with floating-point problems raised (see _numerics)."""
    return _numerics.strict_call(getattr(ex, function), *args)


def _curvy(v: np.ndarray) -> float:
    # Large second derivatives, so a one-sided difference is visibly off.
    flat = v.ravel()
    return float(np.sum(np.exp(flat)) + np.sum(flat[:-1] ** 2 * flat[1:]))


def _curvy_grad(v: np.ndarray) -> np.ndarray:
    flat = v.ravel()
    grad = np.exp(flat)
    grad[:-1] += 2 * flat[:-1] * flat[1:]
    grad[1:] += flat[:-1] ** 2
    return grad.reshape(v.shape)


def numerical_gradient_scenario(ex, shape: tuple, seed: int, h: float | None) -> dict:
    """numerical_gradient of a curved function at a seeded point: the result, the exact
    gradient, the point's values afterwards, and whether f saw each perturbation."""
    x = np.random.default_rng(seed).uniform(-1.0, 1.5, size=shape)
    before = x.copy()
    seen: list[float] = []

    def f(v: np.ndarray) -> float:
        value = _curvy(np.asarray(v))
        seen.append(value)
        return value

    grad = ex.numerical_gradient(f, x) if h is None else ex.numerical_gradient(f, x, h)
    return {
        "grad": np.asarray(grad, dtype=np.float64),
        "exact": _curvy_grad(before),
        "before": before,
        "after": np.array(x, dtype=np.float64),
        "distinct_values_seen": len(set(seen)),
    }


def torch_in_module(ex) -> list[str]:
    """Names in the module's namespace bound to torch modules or torch objects."""
    found = []
    for name, value in vars(ex).items():
        if isinstance(value, types.ModuleType):
            origin = value.__name__
        else:
            origin = getattr(value, "__module__", None) or ""
            if not isinstance(origin, str):
                origin = ""
        if origin.split(".")[0] in TORCH_ROOTS:
            found.append(name)
    return sorted(found)
