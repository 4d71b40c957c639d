"""Exercise 8 — accuracy metrics.

Accuracy is the fraction of correct predictions. The details matter: a classifier's
scores are arg-maxed row by row, one-hot labels must be turned back into class indices,
and a DataLoader's last batch may be shorter than the others — count samples, not batches.

Every function accepts NumPy arrays or torch tensors and returns a Python float or a
NumPy array.

Grading: a rule (such as "raises ValueError" or "changes no buffer") earns its points
only when the function it concerns also returns correct values in the same test, and
only for code without eval/exec, imports by computed names, or introspection of frames
or of the grader.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch  # noqa: F401  (you will need it)
from torch import nn
from torch.utils.data import DataLoader


def binary_accuracy(y_true: Any, q: Any, threshold: float = 0.5) -> float:
    """Fraction of samples whose prediction is right.

    y_true: (K,) labels in {0, 1}; q: (K,) predicted probabilities.
    A sample is predicted 1 when `q >= threshold` (the boundary counts as 1).
    Returns a Python float in [0, 1].
    """
    raise NotImplementedError(
        "metrics.binary_accuracy: turn q into 0/1 predictions with q >= threshold, "
        "then average (predictions == y_true)"
    )


def multiclass_accuracy(y_true: Any, scores: Any) -> float:
    """Fraction of samples whose highest score is the true class.

    y_true: (K,) integer labels, or (K, C) one-hot rows; scores: (K, C) logits or
    probabilities. The prediction for row k is argmax_c scores[k, c].
    Returns a Python float in [0, 1].
    """
    raise NotImplementedError(
        "metrics.multiclass_accuracy: predictions = scores.argmax(axis=1); one-hot y_true "
        "becomes labels with argmax too"
    )


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int) -> np.ndarray:
    """Counts of (true class, predicted class) pairs.

    y_true, y_pred: (K,) integer labels in [0, num_classes).
    Returns a (C, C) int64 array: cm[i, j] = number of samples of class i predicted as j.
    Raises ValueError when a label is outside [0, num_classes).
    """
    raise NotImplementedError(
        "metrics.confusion_matrix: start from np.zeros((C, C), dtype=np.int64) and add 1 at "
        "[true, predicted] for every sample"
    )


def per_class_accuracy(cm: Any) -> np.ndarray:
    """Accuracy of each class from a confusion matrix.

    cm: (C, C) counts, rows = true class. Returns (C,) floats: cm[i, i] / sum_j cm[i, j],
    and NaN for a class with no samples (an empty row).
    """
    raise NotImplementedError(
        "metrics.per_class_accuracy: divide the diagonal by the row sums; rows that sum to "
        "0 give NaN"
    )


def loader_accuracy(model: nn.Module, loader: DataLoader, device: Any = "cpu") -> float:
    """Accuracy of a classifier over every sample of a DataLoader.

    Put the model in eval mode and run under torch.no_grad(). The loader yields
    (inputs, labels) batches; the model maps inputs to (B, C) scores. The last batch may
    be shorter than batch_size: count the samples you actually saw.
    Returns a Python float in [0, 1].
    """
    raise NotImplementedError(
        "metrics.loader_accuracy: model.eval(); with torch.no_grad(): loop over the batches, "
        "count correct arg-max predictions and samples seen"
    )
