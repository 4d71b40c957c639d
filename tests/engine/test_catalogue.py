"""The proof that the hidden suites are fair and sharp.

Solutions score full marks, stubs nothing, every catalogued mutant loses points in its own
exercise, and every correct variant keeps full marks. A mutant changes only its own module
and each suite reaches only its own exercise's module (checked here), so a mutant cannot
cost points in another exercise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.authoring.catalogue_check import check_catalogue, suite_reach
from autograder.authoring.mutation import load_catalogue
from autograder.kit.registry import EXERCISE_NAMES

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue()


# Correct variants of the shapes that source-reading checks once got wrong: each must keep
# full marks (the catalogue check grades them like every mutant).
SOURCE_SHAPES = {
    "softmax_variant_bom_crlf_tabs": "a file with a byte-order mark, CRLF line ends and tabs",
    "softmax_variant_all_and_wrapping_loop": "__all__ and a loop wrapping the functions by name",
    "softmax_variant_docstrings_name_banned": "docstrings and messages naming banned functions",
    "numpy_backprop_variant_bom_crlf": "a file with a byte-order mark and CRLF line ends",
    "numpy_backprop_variant_all_and_decorator": "__all__, a wrapping decorator, text naming torch",
    "timing_variant_bom_crlf_tabs": "a file with a byte-order mark, CRLF line ends and tabs",
}


def test_source_shapes_have_correct_variants():
    variants = {m.name for m in CATALOGUE if m.correct}
    assert not set(SOURCE_SHAPES) - variants
    assert any(m.bom and m.newline == "\r\n" for m in CATALOGUE if m.correct)


def test_catalogue_size_and_coverage():
    bugs = [m for m in CATALOGUE if not m.correct]
    assert len(bugs) >= 40
    for exercise in EXERCISE_NAMES:
        assert sum(m.exercise == exercise for m in bugs) >= 3, exercise
        assert any(m.exercise == exercise and m.correct for m in CATALOGUE), exercise


# The bugs of the lecture material: each must be in the catalogue (and so be caught).
LECTURE_BUGS = {
    "dnn_l1_item_no_gradient": "an L1 penalty built with .item()",
    "numpy_backprop_tanh_derivative_squared_difference": "tanh derivative written (1 - H)**2",
    "cnn_res_blocks_share_weights": "n_blocks * [ResBlock(...)]",
    "cnn_strided_fixed_avgpool": "a fixed AvgPool2d(4) after three stride-2 convs on 64x64",
    "softmax_no_max_subtraction": "softmax without the max subtraction",
    "numpy_backprop_binary_grad_missing_div_K": "a missing /K",
    "softmax_ce_on_softmaxed_scores": "cross-entropy applied to softmaxed scores",
    "training_evaluate_no_eval_mode": "evaluating without eval()",
    "training_evaluate_no_no_grad": "evaluating without no_grad()",
    "datasets_hardcoded_feature_count": "hard-coded feature count",
    "datasets_hardcoded_length": "hard-coded dataset length",
    "metrics_divide_by_batches_times_batch_size": "accuracy divided by n_batches * batch_size",
}


def test_lecture_bugs_are_catalogued():
    names = {m.name for m in CATALOGUE if not m.correct}
    missing = [f"{name} ({bug})" for name, bug in LECTURE_BUGS.items() if name not in names]
    assert not missing


@pytest.mark.parametrize("mutant", CATALOGUE, ids=lambda m: m.name)
def test_mutant_applies_to_its_solution(mutant):
    source = (REPO / "solutions" / f"{mutant.exercise}.py").read_text(encoding="utf-8")
    assert mutant.description.strip()
    assert mutant.apply(source) != source or (mutant.correct and mutant.reshapes_file)


def test_each_suite_reaches_only_its_own_exercise():
    for exercise, reached in suite_reach(list(EXERCISE_NAMES)).items():
        assert reached == {exercise}, f"the {exercise} suite calls into {sorted(reached)}"


def test_solutions_full_marks_and_stubs_zero():
    rows = check_catalogue(list(EXERCISE_NAMES), mutants=[])
    assert [r.kind for r in rows] == ["solutions", "stubs"]
    for row in rows:
        assert row.ok, f"{row.name}: {row.problem}"


@pytest.mark.parametrize("exercise", EXERCISE_NAMES)
def test_every_mutant_caught_and_every_variant_full_marks(exercise):
    rows = check_catalogue([exercise], include_baselines=False)
    assert rows, f"no mutants for {exercise}"
    problems = [f"{r.name}: {r.problem}" for r in rows if not r.ok]
    assert not problems, "\n".join(problems)
