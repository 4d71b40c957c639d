"""Public tests for exercise 8 (metrics). Reference values come from NumPy and torch."""

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def test_binary_accuracy_threshold_counts_as_one(ex):
    y = np.array([1, 0, 1, 0])
    q = np.array([0.5, 0.49, 0.9, 0.7])
    assert ex.binary_accuracy(y, q) == pytest.approx(np.mean((q >= 0.5) == y))


def test_binary_accuracy_accepts_tensors(ex):
    y = torch.tensor([1, 1, 0])
    q = torch.tensor([0.2, 0.8, 0.1])
    result = ex.binary_accuracy(y, q)
    assert isinstance(result, float)
    assert result == pytest.approx(2 / 3)


def test_multiclass_accuracy_labels_and_one_hot(ex):
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(20, 4))
    labels = rng.integers(0, 4, size=20)
    expected = float(np.mean(scores.argmax(1) == labels))
    assert ex.multiclass_accuracy(labels, scores) == pytest.approx(expected)
    assert ex.multiclass_accuracy(np.eye(4)[labels], scores) == pytest.approx(expected)


def test_confusion_matrix_rows_are_true_class(ex):
    cm = ex.confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 0]), 3)
    expected = np.zeros((3, 3), dtype=np.int64)
    for t, p in [(0, 0), (0, 1), (1, 1), (2, 0)]:
        expected[t, p] += 1
    np.testing.assert_array_equal(cm, expected)
    assert cm.dtype == np.int64


def test_confusion_matrix_rejects_out_of_range_label(ex):
    with pytest.raises(ValueError):
        ex.confusion_matrix(np.array([0, 3]), np.array([0, 1]), 3)


def test_per_class_accuracy_nan_for_empty_class(ex):
    cm = np.array([[3, 1, 0], [0, 0, 0], [1, 1, 2]])
    result = ex.per_class_accuracy(cm)
    np.testing.assert_allclose(result[[0, 2]], [0.75, 0.5])
    assert np.isnan(result[1])


def test_loader_accuracy_counts_short_last_batch(ex):
    torch.manual_seed(0)
    model = nn.Linear(5, 3)
    x, y = torch.randn(10, 5), torch.randint(0, 3, (10,))
    loader = DataLoader(TensorDataset(x, y), batch_size=4)  # batches of 4, 4, 2
    with torch.no_grad():
        expected = (model(x).argmax(1) == y).float().mean().item()
    assert ex.loader_accuracy(model, loader) == pytest.approx(expected)
