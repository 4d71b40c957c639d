"""Exercise 5 — dense networks (reference solution).

Dense (fully connected) networks built from small `nn.Module` blocks: a deep net with any
number of hidden layers, a shallow one, their parameter counts, L1/L2 penalties that stay
in the autograd graph, and Xavier initialisation. The traps are layers that are never
registered (kept in a plain list), penalties detached with `.item()`, and an empty `n_h`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return value


class DenseReLU(nn.Module):
    """`relu(fc(x))` with `self.fc = nn.Linear(n_in, n_out)`: (K, n_in) -> (K, n_out)."""

    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.fc = nn.Linear(_positive_int(n_in, "n_in"), _positive_int(n_out, "n_out"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.fc(x))


class DenseNoReLU(nn.Module):
    """`fc(x)` with `self.fc = nn.Linear(n_in, n_out)` and no activation (logits)."""

    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.fc = nn.Linear(_positive_int(n_in, "n_in"), _positive_int(n_out, "n_out"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


class DeepNeuralNet(nn.Module):
    """Flatten `(K, *)` to `(K, n_x)`, one DenseReLU per entry of `n_h`, then DenseNoReLU.

    All layers sit in one `self.layers = nn.Sequential`, so each is registered exactly
    once. Pitfalls: layers kept in a plain Python list are invisible to `parameters()`
    (the optimizer never sees them); `n_h = []` must give a single linear layer.
    """

    def __init__(self, n_x: int, n_h: Sequence[int], n_y: int) -> None:
        super().__init__()
        if isinstance(n_h, int | str) or not isinstance(n_h, Sequence):
            raise TypeError(f"n_h must be a list of ints, got {type(n_h).__name__}")
        sizes = [_positive_int(n_x, "n_x")] + [_positive_int(n, "n_h") for n in n_h]
        blocks = [DenseReLU(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
        self.layers = nn.Sequential(
            nn.Flatten(), *blocks, DenseNoReLU(sizes[-1], _positive_int(n_y, "n_y"))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class ShallowNeuralNet(nn.Module):
    """Flatten, Linear(n_x, n_h), ReLU, Linear(n_h, n_y): `(K, *)` -> `(K, n_y)` logits."""

    def __init__(self, n_x: int, n_h: int, n_y: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Flatten(),
            nn.Linear(_positive_int(n_x, "n_x"), _positive_int(n_h, "n_h")),
            nn.ReLU(),
            nn.Linear(n_h, _positive_int(n_y, "n_y")),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of scalar parameters of `model` (each shared tensor counted once);
    with `trainable_only`, only those with `requires_grad`."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def _trainable(model: nn.Module) -> list[nn.Parameter]:
    return [p for p in model.parameters() if p.requires_grad]


def l1_penalty(model: nn.Module) -> torch.Tensor:
    """Σ|θ| over the trainable parameters, a 0-dim tensor in the autograd graph.

    Pitfall: `sum(p.abs().sum().item() ...)` gives the right number but no gradient, so
    adding it to the loss regularises nothing.
    """
    params = _trainable(model)
    if not params:
        return torch.zeros(())
    return torch.stack([p.abs().sum() for p in params]).sum()


def l2_penalty(model: nn.Module) -> torch.Tensor:
    """Σθ² over the trainable parameters (no square root), a differentiable 0-dim tensor."""
    params = _trainable(model)
    if not params:
        return torch.zeros(())
    return torch.stack([p.pow(2).sum() for p in params]).sum()


def xavier_init_(model: nn.Module) -> nn.Module:
    """In place: Xavier-uniform weights (gain 1) and zero biases for every nn.Linear and
    nn.Conv2d in `model` (nested ones included); other modules are left alone.
    Returns `model`."""
    for module in model.modules():
        if isinstance(module, nn.Linear | nn.Conv2d):
            nn.init.xavier_uniform_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return model
