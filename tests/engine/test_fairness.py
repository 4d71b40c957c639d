"""Fairness at the edges: points only for working code.

A submission whose every function returns one fixed wrong value (or raises, whatever it is
given) scores exactly what the stubs score: 0. Generated from the contract, so a new
function or exercise is covered without editing this file.
"""

from __future__ import annotations

import pytest

from autograder.authoring.catalogue_check import grade_tree
from autograder.authoring.mutation import (
    FIXED_BODIES,
    build_fixed_value_submission,
    fixed_value_module,
)
from autograder.kit.registry import EXERCISE_NAMES


@pytest.mark.parametrize("kind", sorted(FIXED_BODIES))
def test_fixed_wrong_values_score_what_the_stubs_score(tmp_path, kind):
    root = build_fixed_value_submission(tmp_path, kind)
    result = grade_tree(root, list(EXERCISE_NAMES))
    paid = [f"{o.name} ({o.score:g})" for o in result.outcomes if o.score]
    assert not paid, f"{kind}: points for code that does not work: {', '.join(paid)}"
    assert sum(o.max_score for o in result.outcomes) > 0


def test_fixed_value_modules_define_the_contract():
    """The generated modules import and define every contract name (so each test runs)."""
    from autograder.authoring.contract import CONTRACT

    for exercise in EXERCISE_NAMES:
        namespace: dict = {}
        exec(compile(fixed_value_module(exercise, "return 0"), exercise, "exec"), namespace)
        assert set(CONTRACT[exercise]) <= set(namespace), exercise
