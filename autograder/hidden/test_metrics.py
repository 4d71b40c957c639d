"""Hidden suite for exercise 8 (metrics)."""

import numpy as np
import pytest
import torch

from autograder.judge.checks import assert_close, require, require_works, student_raises
from autograder.probes import metrics as probes

RNG = np.random.default_rng(8008)


@pytest.mark.points(1)
@pytest.mark.clause("binary_accuracy", "`q >= threshold` (the boundary counts as 1)")
def test_binary_accuracy_matches_reference(student, reference):
    """binary_accuracy: threshold is inclusive (q >= threshold counts as 1)."""
    y = RNG.integers(0, 2, size=50)
    q = np.round(RNG.random(50), 1)  # many values exactly on 0.5 and 0.3
    for threshold in (0.5, 0.3):
        assert_close(
            student.metrics.binary_accuracy(y, q, threshold),
            reference.metrics.binary_accuracy(y, q, threshold),
            what="accuracy",
        )


@pytest.mark.points(1)
@pytest.mark.clause(
    "module", "Every function accepts NumPy arrays or torch tensors and returns a Python float"
)
def test_binary_accuracy_tensor_inputs(student):
    """binary_accuracy: accepts torch tensors and returns a Python float."""
    result = student.metrics.binary_accuracy(torch.tensor([1, 0, 1]), torch.tensor([0.7, 0.6, 0.2]))
    require(isinstance(result, float), f"expected a Python float, got {type(result).__name__}")
    assert_close(result, 1 / 3)


@pytest.mark.points(2)
@pytest.mark.clause("multiclass_accuracy", "or (K, C) one-hot rows")
@pytest.mark.parametrize("one_hot", [False, True])
def test_multiclass_accuracy(student, reference, one_hot):
    """multiclass_accuracy: arg-max of each row of scores; labels may be one-hot."""
    labels = RNG.integers(0, 5, size=37)
    scores = torch.tensor(RNG.normal(size=(37, 5)))
    y = np.eye(5)[labels] if one_hot else labels
    assert_close(
        student.metrics.multiclass_accuracy(y, scores),
        reference.metrics.multiclass_accuracy(y, scores),
        what="accuracy",
    )


@pytest.mark.points(2)
@pytest.mark.clause("confusion_matrix", "Returns a (C, C) int64 array")
def test_confusion_matrix(student, reference):
    """confusion_matrix: (C, C) int64, rows are the true class, columns the prediction."""
    t, p = RNG.integers(0, 4, size=60), RNG.integers(0, 4, size=60)
    cm = student.metrics.confusion_matrix(t, p, 5)  # class 4 never occurs
    require(isinstance(cm, np.ndarray) and cm.dtype == np.int64, "expected an int64 NumPy array")
    assert_close(cm, reference.metrics.confusion_matrix(t, p, 5), what="confusion matrix")


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause(
    "confusion_matrix", "Raises ValueError when a label is outside [0, num_classes)"
)
def test_confusion_matrix_out_of_range(student, reference):
    """confusion_matrix: a label outside [0, num_classes) raises ValueError."""
    t, p = np.array([0, 4, 2, 2]), np.array([1, 4, 2, 0])
    require_works(
        student.metrics.confusion_matrix(t, p, 5),
        reference.metrics.confusion_matrix(t, p, 5),
        what="confusion_matrix",
    )
    for t, p in (([0, 5], [0, 1]), ([0, 1], [-1, 1])):
        with student_raises("ValueError"):
            student.metrics.confusion_matrix(np.array(t), np.array(p), 5)


@pytest.mark.points(1)
@pytest.mark.clause("per_class_accuracy", "NaN for a class with no samples")
def test_per_class_accuracy(student, reference):
    """per_class_accuracy: diagonal over row sums, NaN for a class without samples."""
    cm = np.array([[5, 1, 0, 2], [0, 0, 0, 0], [1, 2, 3, 0], [0, 0, 0, 7]])
    assert_close(
        student.metrics.per_class_accuracy(cm),
        reference.metrics.per_class_accuracy(cm),
        what="per-class accuracy",
    )


@pytest.mark.points(3)
@pytest.mark.rule
@pytest.mark.clause("loader_accuracy", "count the samples you actually saw")
@pytest.mark.parametrize("n_samples,batch_size", [(23, 5), (3, 8)])
def test_loader_accuracy(student, reference, n_samples, batch_size):
    """loader_accuracy: eval mode, no grad, each batch counted by its real size (also a
    single batch shorter than batch_size)."""
    args = (n_samples, batch_size, 6, 3, 77, True)
    got = student.probe(probes.loader_accuracy_scenario, *args)
    want = reference.probe(probes.loader_accuracy_scenario, *args)
    require_works(got["accuracy"], want["accuracy"], what="loader_accuracy")
    require(got["unchanged"], "loader_accuracy changed the model's parameters")
    require(not got["any_grad"], "loader_accuracy computed gradients (use torch.no_grad())")
