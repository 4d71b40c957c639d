"""Public tests for exercise 3 (autograd). Reference values come from torch itself."""

import pytest
import torch
from torch import nn


def cubic(x):
    return (x**3).sum() + 2 * x[0] * x[-1]


def first_only(x):
    return x[0] ** 2


def bowl(x):
    return ((x - torch.tensor([1.0, -2.0])) ** 2).sum()


def test_grad_at_matches_autograd(ex):
    x = torch.linspace(-1, 1, 5, dtype=torch.float64)
    leaf = x.clone().requires_grad_(True)
    (expected,) = torch.autograd.grad(cubic(leaf), leaf)
    result = ex.grad_at(cubic, x)
    assert result.shape == x.shape
    torch.testing.assert_close(result, expected)


def test_grad_at_has_no_side_effects(ex):
    x = torch.tensor([0.5, -1.5, 2.0])
    first = ex.grad_at(cubic, x)
    second = ex.grad_at(cubic, x)
    torch.testing.assert_close(first, second)  # nothing accumulated
    assert x.grad is None and not x.requires_grad


def test_grad_at_zero_where_f_ignores_x(ex):
    x = torch.tensor([3.0, 4.0, 5.0])
    torch.testing.assert_close(ex.grad_at(first_only, x), torch.tensor([6.0, 0.0, 0.0]))


def test_gradient_descent_on_a_bowl(ex):
    x0 = torch.tensor([0.0, 0.0])
    x, losses = ex.gradient_descent(bowl, x0, lr=0.1, n_steps=3)
    # closed form: each step shrinks the distance to (1, -2) by (1 - 2 * lr)
    target = torch.tensor([1.0, -2.0])
    torch.testing.assert_close(x, target - 0.8**3 * target)
    assert len(losses) == 3 and all(isinstance(v, float) for v in losses)
    assert losses == pytest.approx([5.0, 5.0 * 0.64, 5.0 * 0.64**2])  # before each step
    assert not x.requires_grad
    torch.testing.assert_close(x0, torch.zeros(2))  # the input is unchanged


def test_fit_linear_regression_approaches_least_squares(ex):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(200, 3, generator=g)
    y = X @ torch.tensor([2.0, -1.0, 0.5]) + 0.3
    model = ex.fit_linear_regression(X, y, lr=0.05, epochs=40, batch_size=16, seed=0)
    assert isinstance(model, nn.Linear) and model.weight.shape == (1, 3)
    torch.testing.assert_close(
        model.weight.detach(), torch.tensor([[2.0, -1.0, 0.5]]), atol=1e-2, rtol=0
    )
    torch.testing.assert_close(model.bias.detach(), torch.tensor([0.3]), atol=1e-2, rtol=0)


def test_fit_linear_regression_is_deterministic(ex):
    g = torch.Generator().manual_seed(1)
    X, y = torch.randn(40, 2, generator=g), torch.randn(40, generator=g)
    a = ex.fit_linear_regression(X, y, epochs=2, batch_size=8, seed=5)
    b = ex.fit_linear_regression(X, y, epochs=2, batch_size=8, seed=5)
    torch.testing.assert_close(a.state_dict(), b.state_dict(), rtol=0, atol=0)
