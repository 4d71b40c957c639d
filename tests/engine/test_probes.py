"""Probes whose replies are packed to cross the sandbox boundary cheaply unpack to exactly
what the plain form would have been, and refuse a reply of another shape."""

from __future__ import annotations

import itertools

import pytest

import exercises.cnn
import solutions.cnn
from autograder.probes import cnn

POOL_CASES = [
    ((n, k, s, p, d, ceil), {})
    for n, k, s, p, d, ceil in itertools.product(
        range(1, 9), (1, 2, 3), (1, 2), (0, 1), (1, 2), (False, True)
    )
]


@pytest.mark.parametrize("module", [solutions.cnn, exercises.cnn], ids=["solution", "stub"])
def test_a_size_grid_expands_to_every_cases_own_outcome(module):
    grid = cnn.size_grid(module, "pool2d_output_size", POOL_CASES)
    want = [cnn._outcome(module.pool2d_output_size, *a, **k) for a, k in POOL_CASES]
    got = cnn.expand_grid(grid, len(POOL_CASES))
    assert got == want
    assert len(grid["outcomes"]) < len(POOL_CASES) / 4  # what made it worth packing
    got[0]["value"] = "changed"  # each case's dict is its own
    assert got[1:] == want[1:]


@pytest.mark.parametrize(
    "grid",
    [
        {"outcomes": [{"int": True, "value": 1}], "index": [0, 0]},  # one case too many
        {"outcomes": [{"int": True, "value": 1}], "index": [0, 1, 0]},  # out of range
        {"outcomes": [{"int": True, "value": 1}], "index": [0, -1, 0]},
        {"outcomes": [{"int": True, "value": 1}], "index": [0, 0.0, 0]},
    ],
)
def test_a_tampered_size_grid_is_refused(grid):
    with pytest.raises(ValueError):
        cnn.expand_grid(grid, 3)
