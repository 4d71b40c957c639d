"""Exercise 6 — training loops (reference solution).

A training loop is a few lines, and each one can be wrong without an error: gradients
must be zeroed, losses weighted by the real batch size, evaluation run in eval mode under
`torch.no_grad()` without touching BatchNorm's statistics, and the model's mode restored.
The exercise ends with a small digit classifier trained in about a second.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def train_epoch(
    model: nn.Module,
    loader: DataLoader,
    loss_fn: Any,
    optimizer: torch.optim.Optimizer,
    device: Any = "cpu",
) -> float:
    """One pass over `loader` in train mode; returns the sample-weighted mean loss.

    Each batch's (mean-reduced) loss is weighted by its number of samples, so a short
    last batch weighs less. Pitfalls: the plain mean of the batch losses gives that last
    batch too much weight, and a missing `optimizer.zero_grad()` lets gradients of all
    previous batches accumulate into each step.
    """
    model.train()
    total, seen = 0.0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * targets.shape[0]
        seen += targets.shape[0]
    if seen == 0:
        raise ValueError("loader yielded no samples")
    return total / seen


def evaluate(
    model: nn.Module, loader: DataLoader, loss_fn: Any, device: Any = "cpu"
) -> tuple[float, float]:
    """Sample-weighted mean loss and accuracy (a fraction in [0, 1]) over `loader`.

    Runs in eval mode (Dropout off, BatchNorm uses its running statistics and does not
    update them) under `torch.no_grad()`, and puts the model back in the mode it was in.
    Pitfall: without `model.eval()` BatchNorm's running mean/var change during evaluation
    and Dropout makes the numbers random.
    """
    was_training = model.training
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    try:
        with torch.no_grad():
            for inputs, targets in loader:
                inputs, targets = inputs.to(device), targets.to(device)
                outputs = model(inputs)
                batch = targets.shape[0]
                total_loss += loss_fn(outputs, targets).item() * batch
                correct += int((outputs.argmax(dim=1) == targets).sum())
                seen += batch
    finally:
        model.train(was_training)
    if seen == 0:
        raise ValueError("loader yielded no samples")
    return total_loss / seen, correct / seen


def fit(
    model: nn.Module,
    train_loader: DataLoader,
    val_loader: DataLoader,
    loss_fn: Any,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    device: Any = "cpu",
) -> dict:
    """`epochs` rounds of `train_epoch` then `evaluate`.

    Returns {"train_loss": [...], "val_loss": [...], "val_accuracy": [...]}, one float
    per epoch each; `train_loss[i]` is what `train_epoch` returned in epoch `i`.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative int, got {epochs!r}")
    history: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "val_accuracy": []}
    for _ in range(epochs):
        history["train_loss"].append(train_epoch(model, train_loader, loss_fn, optimizer, device))
        val_loss, val_accuracy = evaluate(model, val_loader, loss_fn, device)
        history["val_loss"].append(val_loss)
        history["val_accuracy"].append(val_accuracy)
    return history


class _Scaled(nn.Module):
    """Divides raw pixel values by 16 inside the model, so callers pass raw images."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x / 16.0)


def train_classifier(X: Any, y: Any, seed: int = 0) -> nn.Module:
    """A digit classifier for 8×8 images flattened to (K, 64) pixel values in [0, 16].

    X: (K, 64) float32, y: (K,) int labels 0..9 (tensors or arrays). Returns a model in
    eval mode mapping raw (K, 64) inputs to (K, 10) logits. An MLP 64-128-10 trained with
    Adam on mini-batches for 25 epochs (about a second on one thread). Pitfall: scaling
    the inputs only during training — the scaling lives inside the returned model.
    """
    features = torch.as_tensor(X, dtype=torch.float32)
    labels = torch.as_tensor(y).to(torch.int64)
    if features.ndim != 2 or features.shape[1] != 64:
        raise ValueError(f"X must have shape (K, 64), got {tuple(features.shape)}")
    if labels.shape != (features.shape[0],):
        raise ValueError(f"y must have shape ({features.shape[0]},), got {tuple(labels.shape)}")
    torch.manual_seed(seed)
    model = _Scaled(nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)))
    loader = DataLoader(
        TensorDataset(features, labels),
        batch_size=64,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(25):
        train_epoch(model, loader, loss_fn, optimizer)
    return model.eval()
