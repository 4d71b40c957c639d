"""Points follow what each exercise teaches: its central ideas carry most of its points,
and every total stated in the README is derived from the hidden suites, never pasted."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from autograder.judge.suites import collect_hidden_suite
from autograder.kit.registry import EXERCISE_NAMES

README = Path(__file__).resolve().parents[2] / "README.md"

# exercise -> (the central ideas, a pattern matching the names of the tests that grade them)
CENTRAL = {
    "numpy_backprop": ("backward passes, stable exponentials", r"backward|stable|numerical_grad"),
    "softmax": ("numerical stability, no library softmax", r"stable|no_library"),
    "autograd_basics": ("no side effects, descent, nn/optim fit", r"side_eff|gradient_desc|fit_"),
    "datasets": (
        "the Dataset, seeded loaders, splits, streamed statistics",
        r"ames_dataset|same_seed|split_dataset_sizes|channel_mean_std",
    ),
    "dnn": ("registered layers, differentiable penalties, init", r"deep_net|penalty|xavier"),
    "training": ("train/eval loops, a working classifier", r"evaluate|train_epoch|classifier_acc"),
    "cnn": (
        "shape arithmetic, independent blocks, global pooling",
        r"output_size|output_shape|res_deep_blocks|strided",
    ),
    "metrics": (
        "counting real batch sizes, arg-max, confusion",
        r"loader_acc|confusion|multiclass",
    ),
    "timing": ("synchronising CUDA, median of timed runs, warm-up", r"synchronizes|median|warmup"),
}


@pytest.fixture(scope="module")
def points() -> dict[str, dict[str, float]]:
    """exercise -> test name -> points, on this machine (CUDA tests count 0 without a GPU)."""
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for outcome in collect_hidden_suite():
        table[outcome.exercise][outcome.name] = outcome.max_score
    return table


@pytest.mark.parametrize("exercise", EXERCISE_NAMES)
def test_central_ideas_carry_most_points(points, exercise):
    _, pattern = CENTRAL[exercise]
    total = sum(points[exercise].values())
    central = sum(p for name, p in points[exercise].items() if re.search(pattern, name))
    assert central / total >= 0.5, f"{exercise}: central tests carry {central:g} of {total:g}"


def test_readme_states_the_derived_totals(points):
    """The README's points table: each exercise's total, central ideas and their share."""
    totals = {e: sum(points[e].values()) for e in EXERCISE_NAMES}
    text = " ".join(README.read_text(encoding="utf-8").split())
    for exercise, (ideas, pattern) in CENTRAL.items():
        central = sum(p for name, p in points[exercise].items() if re.search(pattern, name))
        share = 100 * central / totals[exercise]
        row = f"| `{exercise}` | {totals[exercise]:g} | {ideas} | {share:.0f} % |"
        assert row in text, f"README lacks the row {row}"
    assert f"In all {sum(totals.values()):g} points without a GPU" in text
