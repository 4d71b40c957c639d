"""Exercise 3 — autograd (reference solution).

Autograd computes gradients of scalar functions for us, but it has state: `.grad`
accumulates across `backward()` calls and `requires_grad` is a flag on the tensor itself.
This exercise computes gradients without side effects, runs gradient descent by hand and
fits a linear regression with `nn.Linear`, `nn.MSELoss`, `optim.SGD` and a `DataLoader`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset


def _float_tensor(x: object, name: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got {x.dtype}")
    return x


def _scalar(value: object, what: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor) or value.numel() != 1:
        raise ValueError(
            f"f must return a scalar tensor, {what} gave {type(value).__name__}"
            + (f" of shape {tuple(value.shape)}" if isinstance(value, torch.Tensor) else "")
        )
    return value.reshape(())


def grad_at(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """df/dx at `x` for a scalar-valued `f`; a tensor of the shape and dtype of `x`.

    Pitfall of the lecture's `x.requires_grad_(); f(x).backward(); return x.grad`: it
    flips `x.requires_grad` for the caller and `.grad` *accumulates*, so a second call
    returns twice the gradient. Here the gradient is taken on a detached copy with
    `torch.autograd.grad`, which touches no `.grad`; a variable `f` ignores gives zeros.
    """
    x = _float_tensor(x, "x")
    leaf = x.detach().clone().requires_grad_(True)
    value = _scalar(f(leaf), "f(x)")
    if not value.requires_grad:  # f does not depend on x at all
        return torch.zeros_like(x)
    (grad,) = torch.autograd.grad(value, leaf, allow_unused=True)
    return torch.zeros_like(x) if grad is None else grad.detach()


def gradient_descent(
    f: Callable[[torch.Tensor], torch.Tensor], x0: torch.Tensor, lr: float, n_steps: int
) -> tuple[torch.Tensor, list[float]]:
    """`n_steps` of `x <- x - lr * df/dx` from `x0` (which is left unchanged).

    Returns the final `x` (detached, shape of `x0`) and `losses`, a list of `n_steps`
    Python floats where `losses[i]` is `f(x)` *before* step `i`. The update runs under
    `torch.no_grad()` (otherwise it becomes part of the graph) and the gradient is
    taken fresh each step (a `.grad` that is never zeroed accumulates).
    """
    x0 = _float_tensor(x0, "x0")
    if isinstance(n_steps, bool) or not isinstance(n_steps, int) or n_steps < 0:
        raise ValueError(f"n_steps must be a non-negative int, got {n_steps!r}")
    if not isinstance(lr, int | float) or isinstance(lr, bool) or lr <= 0:
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    x = x0.detach().clone().requires_grad_(True)
    losses: list[float] = []
    for _ in range(n_steps):
        loss = _scalar(f(x), "f(x)")
        losses.append(float(loss.item()))
        (grad,) = torch.autograd.grad(loss, x)
        with torch.no_grad():
            x -= lr * grad
    return x.detach(), losses


def fit_linear_regression(
    X: torch.Tensor,
    y: torch.Tensor,
    lr: float = 0.01,
    epochs: int = 100,
    batch_size: int = 32,
    seed: int = 0,
) -> nn.Linear:
    """Mini-batch SGD on the mean squared error of an `nn.Linear(D, 1)`.

    X: (K, D) float tensor; y: (K,) or (K, 1) float tensor. The data is shuffled by a
    `DataLoader` each epoch; the seed fixes both the initial weights and the shuffling,
    so equal seeds give equal models. Pitfall: a target of shape (B,) against a
    prediction of shape (B, 1) broadcasts to (B, B) in `MSELoss` and fits the mean of
    y instead of the regression — targets are reshaped to (B, 1).
    """
    X = torch.as_tensor(X)
    y = torch.as_tensor(y)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must have shape (K, D) with K >= 1, got {tuple(X.shape)}")
    if y.numel() != X.shape[0]:
        raise ValueError(f"y must have {X.shape[0]} values (one per row of X), got {y.numel()}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative int, got {epochs!r}")
    features = X.to(torch.float32)
    targets = y.to(torch.float32).reshape(-1, 1)
    torch.manual_seed(seed)  # the initial weights
    model = nn.Linear(features.shape[1], 1)
    loader = DataLoader(
        TensorDataset(features, targets),
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    loss_fn = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        for inputs, batch_targets in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), batch_targets)
            loss.backward()
            optimizer.step()
    return model
