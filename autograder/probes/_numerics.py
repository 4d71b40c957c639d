"""Helpers shared by several exercises' probes (not probes themselves)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np


def strict_call(function: Any, *args: Any) -> dict:
    """Call `function(*args)` with NumPy overflow, invalid-value and divide-by-zero errors
    raised and every warning turned into an error (underflow stays allowed). Returns the
    value, or the problem it ran into."""
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        try:
            value = function(*args)
        except (FloatingPointError, RuntimeWarning) as problem:
            return {"value": None, "problem": f"{type(problem).__name__}: {problem}"}
    return {"value": value, "problem": ""}
