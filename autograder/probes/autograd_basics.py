"""Probes for the autograd_basics exercise, and the functions the hidden suite
differentiates (module-level, so they reach the sandbox by reference).

Each probe takes the exercise module first and returns plain data only.
"""

from __future__ import annotations

import torch

# --- functions handed to grad_at / gradient_descent -------------------------------------


def wavy(x: torch.Tensor) -> torch.Tensor:
    """A smooth scalar mixing every entry: sum(sin(x) * x^2) + (sum x)^2 / 3."""
    return (torch.sin(x) * x**2).sum() + x.sum() ** 2 / 3


def matrix_energy(x: torch.Tensor) -> torch.Tensor:
    """For a 2-D x: trace(x x^T) / 2 + sum(tanh(x) @ x^T)."""
    return (x @ x.T).trace() / 2 + (torch.tanh(x) @ x.T).sum()


def last_column_only(x: torch.Tensor) -> torch.Tensor:
    """Depends only on x[..., -1]."""
    return torch.exp(x[..., -1]).sum()


def constant(x: torch.Tensor) -> torch.Tensor:
    """Does not depend on x at all."""
    return torch.tensor(2.5, dtype=x.dtype)


def vector_valued(x: torch.Tensor) -> torch.Tensor:
    """Not a scalar: grad_at must refuse it rather than differentiate its sum."""
    return 3 * x


def rosenbrock(x: torch.Tensor) -> torch.Tensor:
    """The Rosenbrock valley in two variables."""
    return (1 - x[0]) ** 2 + 10 * (x[1] - x[0] ** 2) ** 2


def shifted_bowl(x: torch.Tensor) -> torch.Tensor:
    """A quadratic bowl with its minimum at x = 0.5 (any shape)."""
    return ((x - 0.5) ** 2).sum() * 1.5


# --- probes -----------------------------------------------------------------------------


def grad_twice(ex, f, x: torch.Tensor, requires_grad: bool, preset_grad: bool) -> dict:
    """Call grad_at twice on the same tensor and report both answers and what became of
    x.grad and x.requires_grad."""
    x = x.detach().clone()
    if requires_grad:
        x.requires_grad_(True)
        if preset_grad:
            x.grad = torch.full_like(x, 7.0)
    before = None if x.grad is None else x.grad.clone()
    first = ex.grad_at(f, x)
    first = first.detach().clone() if isinstance(first, torch.Tensor) else first
    second = ex.grad_at(f, x)
    grad_after = x.grad
    return {
        "first": first,
        "second": second,
        "requires_grad_after": x.requires_grad,
        "grad_unchanged": (grad_after is None and before is None)
        or (grad_after is not None and before is not None and torch.equal(grad_after, before)),
    }


def descend(ex, f, x0: torch.Tensor, lr: float, n_steps: int) -> dict:
    """Run gradient_descent and report its results, whether x0 survived, and whether the
    returned point is detached."""
    x0 = x0.detach().clone()
    kept = x0.clone()
    result = ex.gradient_descent(f, x0, lr, n_steps)
    x, losses = result
    return {
        "x": x,
        "losses": list(losses) if isinstance(losses, list | tuple) else losses,
        "losses_is_list": isinstance(losses, list | tuple),
        "losses_are_floats": all(isinstance(v, float) for v in losses),
        "x_requires_grad": bool(getattr(x, "requires_grad", False)),
        "x0_unchanged": torch.equal(x0, kept) and not x0.requires_grad,
    }


def _describe(model) -> dict:
    from torch import nn

    return {
        "is_linear": isinstance(model, nn.Linear),
        "in_features": getattr(model, "in_features", None),
        "out_features": getattr(model, "out_features", None),
        "weight": model.weight.detach().clone(),
        "bias": model.bias.detach().clone(),
    }


def fit(ex, X: torch.Tensor, y: torch.Tensor, kwargs: dict) -> dict:
    """fit_linear_regression's model, described as plain data."""
    return _describe(ex.fit_linear_regression(X, y, **kwargs))


def fit_seeds(ex, X: torch.Tensor, y: torch.Tensor, kwargs: dict, seeds: tuple) -> list:
    """One fit per seed in `seeds`; the global RNG is set to a different state before
    each call, so only the `seed` argument can make two fits equal."""
    models = []
    for i, seed in enumerate(seeds):
        torch.manual_seed(1000 + i)
        models.append(_describe(ex.fit_linear_regression(X, y, seed=seed, **kwargs)))
    return models
