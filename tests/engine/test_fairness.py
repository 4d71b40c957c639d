"""Fairness at the edges: points only for working code.

A submission whose every function returns one fixed wrong value (or raises, whatever it is
given) scores exactly what the stubs score: 0. Generated from the contract, so a new
function or exercise is covered without editing this file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from autograder.authoring.catalogue_check import grade_tree
from autograder.authoring.mutation import (
    FIXED_BODIES,
    build_fixed_value_submission,
    build_submission,
    fixed_value_module,
    load_catalogue,
)
from autograder.kit.registry import EXERCISE_NAMES

REPO = Path(__file__).resolve().parents[2]


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


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox needs Linux")
def test_source_shape_variants_full_marks_in_the_sandbox(tmp_path):
    """The variants that source checks once misread (byte-order mark, CRLF, tabs, __all__,
    wrapping loops and decorators, text naming banned functions) keep full marks under the
    isolated backend of `torchgrade grade` too (the catalogue grades them in-process)."""
    from autograder.judge.suites import run_hidden_suite
    from autograder.sandbox import IsolatedBackend

    shapes = [m for m in load_catalogue() if m.correct and (m.reshapes_file or "_all_" in m.name)]
    by_exercise: dict[str, list] = {}
    for mutant in shapes:
        by_exercise.setdefault(mutant.exercise, []).append(mutant)
    rounds = max(len(v) for v in by_exercise.values())
    for i in range(rounds):
        root = build_submission(tmp_path / f"round{i}", "solutions")
        exercises = []
        for exercise, variants in by_exercise.items():
            if i < len(variants):
                module = root / "exercises" / f"{exercise}.py"
                source = (REPO / "solutions" / f"{exercise}.py").read_text(encoding="utf-8")
                module.write_bytes(variants[i].render(source))
                exercises.append(exercise)
        with IsolatedBackend(root) as backend:
            result = run_hidden_suite(backend, root, "exercises", exercises)
        lost = [f"{o.name} ({o.message})" for o in result.outcomes if o.score != o.max_score]
        assert not lost, "\n".join(lost)
