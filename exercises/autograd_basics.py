"""Exercise 3 — autograd.

Autograd computes the gradient of a scalar for you, but it keeps state: `x.grad`
*accumulates* over `backward()` calls, and `requires_grad` is a flag stored on the tensor.
You will compute gradients without side effects, run gradient descent by hand, and fit a
linear regression with `nn.Linear`, `nn.MSELoss`, `optim.SGD` and a shuffled `DataLoader`.

Grading: a rule (such as "raises ValueError" or "changes no buffer") earns its points
only when the function it concerns also returns correct values in the same test, and
only for code without eval/exec, imports by computed names, or introspection of frames
or of the grader.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn, optim  # noqa: F401  (you will need them)
from torch.utils.data import DataLoader, TensorDataset  # noqa: F401


def grad_at(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """The gradient df/dx of a scalar-valued function `f` at the point `x`.

    f: takes a float tensor shaped like x and returns a scalar tensor (0-d or 1 element).
    x: float tensor of any shape (float32 or float64).
    Returns a tensor of the same shape as x with (df/dx)[i] = d f(x) / d x[i];
    zeros where f does not depend on x.

    No side effects: afterwards x.grad and x.requires_grad are what they were before,
    and calling grad_at twice gives the same answer (gradients must not accumulate).
    Hint: work on `x.detach().clone().requires_grad_(True)`; `torch.autograd.grad`
    returns the gradient without writing any `.grad`.
    Raises TypeError if x is not a floating-point tensor. Raises ValueError if f(x) is not
    a scalar (torch's own RuntimeError for a non-scalar backward counts too): never the
    gradient of some reduction of it.
    """
    raise NotImplementedError(
        "autograd_basics.grad_at: make a detached copy of x that requires grad, evaluate "
        "f on it, then call torch.autograd.grad"
    )


def gradient_descent(
    f: Callable[[torch.Tensor], torch.Tensor], x0: torch.Tensor, lr: float, n_steps: int
) -> tuple[torch.Tensor, list[float]]:
    """Plain gradient descent on a scalar-valued `f`, with gradients from autograd.

    x0: float tensor of any shape, the starting point (must not be modified).
    lr: step size > 0; n_steps: number of updates (>= 0).
    Update: x_{t+1} = x_t - lr * df/dx(x_t).
    Returns (x, losses): x is the final point, a *detached* tensor shaped like x0 (it
    does not require grad); losses is a list of n_steps Python floats, losses[i] = f(x_i),
    the value *before* update i.
    Raises ValueError for a negative n_steps or a non-positive lr.
    """
    raise NotImplementedError(
        "autograd_basics.gradient_descent: start from x = x0.detach().clone()."
        "requires_grad_(True); each step record f(x).item(), get the gradient, and update "
        "x under torch.no_grad()"
    )


def fit_linear_regression(
    X: torch.Tensor,
    y: torch.Tensor,
    lr: float = 0.01,
    epochs: int = 100,
    batch_size: int = 32,
    seed: int = 0,
) -> nn.Linear:
    """Linear regression y ≈ X @ w + b, trained by mini-batch SGD.

    X: (K, D) float tensor; y: (K,) float tensor of targets.
    Build `nn.Linear(D, 1)`, `nn.MSELoss()` and `optim.SGD(model.parameters(), lr=lr)`,
    and a `DataLoader` over (X, y) with `batch_size` and `shuffle=True`. For each of
    `epochs` epochs, for each batch: zero the gradients, compute the loss, backward, step.
    The model's output has shape (B, 1): compare it with targets of shape (B, 1).
    Deterministic: the same seed gives the same model (seed the initial weights, e.g.
    torch.manual_seed(seed), and the shuffling, e.g. a torch.Generator given to the
    DataLoader). On well-conditioned data the weights approach the least-squares solution.
    Returns the trained nn.Linear.
    """
    raise NotImplementedError(
        "autograd_basics.fit_linear_regression: seed torch, build nn.Linear(D, 1) and a "
        "shuffled DataLoader(TensorDataset(X, y.reshape(-1, 1)), ...), then loop over epochs "
        "and batches with optim.SGD"
    )
