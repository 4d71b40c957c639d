"""Exercise 8 — accuracy metrics (reference solution).

Accuracy is the fraction of correct predictions, but the details bite: scores must be
arg-maxed per row, one-hot labels turned back into indices, and a loader's short last
batch counted by its real size. A classic bug divides by `n_batches * batch_size`, which
under-reports accuracy whenever the dataset size is not a multiple of the batch size.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader


def _to_numpy(values: Any, name: str) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().numpy()
    if isinstance(values, np.ndarray | list | tuple):
        return np.asarray(values)
    raise TypeError(f"{name} must be a NumPy array or a torch tensor, got {type(values).__name__}")


def _labels(y_true: Any, name: str = "y_true") -> np.ndarray:
    y = _to_numpy(y_true, name)
    if y.ndim == 2:  # one-hot (K, C)
        return y.argmax(axis=1)
    if y.ndim != 1:
        raise ValueError(f"{name} must be labels (K,) or one-hot (K, C), got shape {y.shape}")
    return y


def binary_accuracy(y_true: Any, q: Any, threshold: float = 0.5) -> float:
    """Fraction of samples where `(q >= threshold)` equals `y_true` (both `(K,)`)."""
    y = _to_numpy(y_true, "y_true").reshape(-1)
    p = _to_numpy(q, "q").reshape(-1)
    if y.shape != p.shape:
        raise ValueError(f"y_true has {y.size} values but q has {p.size}")
    if y.size == 0:
        raise ValueError("y_true is empty")
    return float(np.mean((p >= threshold).astype(np.int64) == y.astype(np.int64)))


def multiclass_accuracy(y_true: Any, scores: Any) -> float:
    """Fraction of rows whose arg-max score is the true class. `y_true` labels `(K,)` or
    one-hot `(K, C)`; `scores (K, C)`."""
    y = _labels(y_true)
    s = _to_numpy(scores, "scores")
    if s.ndim != 2 or s.shape[0] != y.shape[0]:
        raise ValueError(f"scores must have shape (K, C) with K={y.shape[0]}, got {s.shape}")
    if y.size == 0:
        raise ValueError("y_true is empty")
    return float(np.mean(s.argmax(axis=1) == y))


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int) -> np.ndarray:
    """`(C, C)` int64 counts: row = true class, column = predicted class."""
    if not isinstance(num_classes, int | np.integer) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
    t = _labels(y_true).astype(np.int64)
    p = _labels(y_pred, "y_pred").astype(np.int64)
    if t.shape != p.shape:
        raise ValueError(f"y_true has {t.size} labels but y_pred has {p.size}")
    for name, labels in (("y_true", t), ("y_pred", p)):
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(f"{name} has a label outside [0, {num_classes})")
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (t, p), 1)
    return cm


def per_class_accuracy(cm: Any) -> np.ndarray:
    """Diagonal over row sums, `(C,)`; NaN for a class with no samples."""
    m = _to_numpy(cm, "cm").astype(np.float64)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"cm must be a square (C, C) matrix, got shape {m.shape}")
    totals = m.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(m) / totals, np.nan)


def loader_accuracy(model: nn.Module, loader: DataLoader, device: Any = "cpu") -> float:
    """Accuracy of `model` over every sample of `loader`, in eval mode without gradients.
    Counts each batch by its real size, so a short last batch weighs less."""
    was_training = model.training
    model.eval()
    correct = total = 0
    try:
        with torch.no_grad():
            for inputs, targets in loader:
                inputs, targets = inputs.to(device), targets.to(device)
                predictions = model(inputs).argmax(dim=1)
                correct += int((predictions == targets).sum())
                total += targets.shape[0]
    finally:
        model.train(was_training)
    if total == 0:
        raise ValueError("loader yielded no samples")
    return correct / total
