"""Hidden suite for exercise 3 (autograd_basics)."""

import pytest
import torch

from autograder.judge.checks import assert_close, require, require_works, student_raises
from autograder.probes import autograd_basics as probes

GEN = torch.Generator().manual_seed(3303)


def reference_grad(f, x: torch.Tensor) -> torch.Tensor:
    """df/dx straight from torch's autograd. That it agrees with finite differences on every
    case is checked once, by the engine's tests (tests/engine/test_hidden_oracles.py), not in
    each submission's run."""
    leaf = x.detach().clone().requires_grad_(True)
    value = f(leaf)
    if not value.requires_grad:
        return torch.zeros_like(x)
    (grad,) = torch.autograd.grad(value, leaf, allow_unused=True)
    return torch.zeros_like(x) if grad is None else grad


GRAD_CASES = {
    "vector_float64": (probes.wavy, torch.randn(7, generator=GEN, dtype=torch.float64)),
    "matrix_float64": (probes.matrix_energy, torch.randn(3, 5, generator=GEN, dtype=torch.float64)),
    "tensor3d_float32": (probes.wavy, torch.randn(2, 3, 4, generator=GEN)),
}


@pytest.mark.points(1)
@pytest.mark.clause("grad_at", "Returns a tensor of the same shape as x with (df/dx)[i]")
@pytest.mark.parametrize("case", list(GRAD_CASES))
def test_grad_at_values(student, case):
    """grad_at: equals torch's autograd gradient, same shape as x (vectors, matrices, 3-D)."""
    f, x = GRAD_CASES[case]
    rtol = 1e-10 if x.dtype == torch.float64 else 1e-5
    got = student.autograd_basics.grad_at(f, x)
    require(isinstance(got, torch.Tensor), f"expected a tensor, got {type(got).__name__}")
    assert_close(got, reference_grad(f, x), rtol=rtol, atol=rtol, what="gradient")


@pytest.mark.points(2)
@pytest.mark.rule
@pytest.mark.clause("grad_at", "No side effects")
@pytest.mark.parametrize("requires_grad", [False, True])
def test_grad_at_has_no_side_effects(student, requires_grad):
    """grad_at: calling it twice gives the same gradient (nothing accumulates), and x.grad
    and x.requires_grad are left as they were (also for an x that already has a .grad)."""
    x = torch.randn(6, generator=GEN, dtype=torch.float64)
    got = student.probe(probes.grad_twice, probes.wavy, x, requires_grad, True)
    expected = reference_grad(probes.wavy, x)
    require_works(got["first"], expected, rtol=1e-10, atol=1e-10, what="grad_at")
    assert_close(got["second"], expected, rtol=1e-10, atol=1e-10, what="second call on the same x")
    require(got["requires_grad_after"] == requires_grad, "grad_at changed x.requires_grad")
    require(got["grad_unchanged"], "grad_at changed x.grad")


@pytest.mark.points(1)
@pytest.mark.clause("grad_at", "zeros where f does not depend on x")
def test_grad_at_zero_where_unused(student):
    """grad_at: zeros for the entries of x that f does not use."""
    x = torch.randn(4, 3, generator=GEN, dtype=torch.float64)
    got = student.autograd_basics.grad_at(probes.last_column_only, x)
    assert_close(got, reference_grad(probes.last_column_only, x), rtol=1e-10, what="gradient")


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause("grad_at", "zeros where f does not depend on x")
def test_grad_at_constant_function(student):
    """grad_at: a function that does not depend on x at all has a zero gradient."""
    x = torch.randn(5, generator=GEN)
    got = student.autograd_basics.grad_at(probes.wavy, x)
    require_works(got, reference_grad(probes.wavy, x), rtol=1e-5, atol=1e-5, what="grad_at")
    got = student.autograd_basics.grad_at(probes.constant, x)
    assert_close(got, torch.zeros(5), what="gradient")


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause("grad_at", "Raises ValueError if f(x) is not a scalar")
def test_grad_at_rejects_non_scalar(student):
    """grad_at: f must be scalar-valued; a vector-valued f raises instead of returning the
    gradient of some reduction of it."""
    x = torch.randn(3, generator=GEN)
    got = student.autograd_basics.grad_at(probes.wavy, x)
    require_works(got, reference_grad(probes.wavy, x), rtol=1e-5, atol=1e-5, what="grad_at")
    # torch's own "grad can be implicitly created only for scalar outputs" counts too
    with student_raises("ValueError", "TypeError", "RuntimeError"):
        student.autograd_basics.grad_at(probes.vector_valued, x)


@pytest.mark.points(2)
@pytest.mark.clause("gradient_descent", "losses[i] = f(x_i)")
def test_gradient_descent_trajectory(student, reference):
    """gradient_descent: the final x and losses[i] = f(x) before step i, on the Rosenbrock
    valley in float64."""
    x0 = torch.tensor([-0.8, 1.3], dtype=torch.float64)
    got = student.probe(probes.descend, probes.rosenbrock, x0, 0.004, 30)
    want = reference.probe(probes.descend, probes.rosenbrock, x0, 0.004, 30)
    require(got["losses_is_list"], "losses must be a list")
    assert_close(got["losses"], want["losses"], rtol=1e-9, what="losses")
    assert_close(got["x"], want["x"], rtol=1e-9, atol=1e-12, what="final x")


@pytest.mark.points(2)
@pytest.mark.rule
@pytest.mark.clause("gradient_descent", "a *detached* tensor shaped like x0")
def test_gradient_descent_contract(student, reference):
    """gradient_descent: x0 is not modified, x comes back detached with the shape of x0,
    losses is a list of n_steps Python floats."""
    x0 = torch.randn(2, 3, generator=GEN)
    got = student.probe(probes.descend, probes.shifted_bowl, x0, 0.1, 5)
    want = reference.probe(probes.descend, probes.shifted_bowl, x0, 0.1, 5)
    require_works(got["x"], want["x"], rtol=1e-5, atol=1e-6, what="gradient_descent")
    require(got["x0_unchanged"], "gradient_descent modified x0")
    require(not got["x_requires_grad"], "the returned x still requires grad (detach it)")
    require(
        got["losses_is_list"] and got["losses_are_floats"],
        "losses must be a list of Python floats (use .item())",
    )
    assert_close(got["losses"], want["losses"], rtol=1e-5, what="losses")
    assert_close(got["x"], want["x"], rtol=1e-5, atol=1e-6, what="final x")


@pytest.mark.points(1)
@pytest.mark.clause("gradient_descent", "n_steps: number of updates (>= 0)")
def test_gradient_descent_zero_steps(student):
    """gradient_descent: n_steps = 0 returns x0's values and an empty list of losses."""
    x0 = torch.randn(3, generator=GEN)
    got = student.probe(probes.descend, probes.shifted_bowl, x0, 0.1, 0)
    assert_close(got["x"], x0, what="x")
    require(got["losses_is_list"] and len(got["losses"]) == 0, "expected an empty list")


def _regression_data(seed: int, n: int, d: int, noise: torch.Tensor | None = None):
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=gen)
    w = torch.randn(d, generator=gen)
    y = X @ w + 0.7
    if noise is not None:
        y = y + noise
    design = torch.cat([X, torch.ones(n, 1)], dim=1).double()
    solution = torch.linalg.lstsq(design, y.double().unsqueeze(1)).solution.squeeze(1)
    return X, y, solution


@pytest.mark.points(2)
@pytest.mark.clause("fit_linear_regression", "the weights approach the least-squares solution")
def test_fit_linear_regression_least_squares(student):
    """fit_linear_regression: an nn.Linear(D, 1) whose weights and bias approach the
    least-squares solution (targets of shape (K,), default batch size)."""
    X, y, solution = _regression_data(33, 256, 4)
    got = student.probe(probes.fit, X, y, {"lr": 0.05, "epochs": 25, "seed": 8})
    require(got["is_linear"], "expected an nn.Linear")
    require((got["in_features"], got["out_features"]) == (4, 1), "expected nn.Linear(D, 1)")
    assert_close(got["weight"].reshape(-1), solution[:4].float(), rtol=0, atol=2e-2, what="weights")
    assert_close(got["bias"].reshape(-1), solution[4:].float(), rtol=0, atol=2e-2, what="bias")


@pytest.mark.points(1)
@pytest.mark.clause("fit_linear_regression", "`shuffle=True`")
def test_fit_linear_regression_shuffles(student):
    """fit_linear_regression: the DataLoader shuffles, so rows stored in a biased order
    (all positive noise first, all negative last) still give the least-squares fit."""
    sign = torch.cat([torch.ones(128), -torch.ones(128)])
    X, y, solution = _regression_data(34, 256, 3, noise=sign)
    got = student.probe(probes.fit, X, y, {"lr": 0.05, "epochs": 20, "batch_size": 16, "seed": 3})
    estimate = torch.cat([got["weight"].reshape(-1), got["bias"].reshape(-1)]).double()
    require(
        float((estimate - solution).abs().max()) < 0.2,
        "the fit ends far from least squares: the last batches of every epoch pull it "
        "away (is the data shuffled?)",
    )


@pytest.mark.points(2)
@pytest.mark.rule
@pytest.mark.clause("fit_linear_regression", "the same seed gives the same model")
def test_fit_linear_regression_seeded(student):
    """fit_linear_regression: the same seed gives the same model whatever the global RNG
    state, and a different seed gives a different one."""
    X, y, solution = _regression_data(36, 128, 2)
    got = student.probe(probes.fit, X, y, {"lr": 0.05, "epochs": 25, "seed": 2})
    estimate = torch.cat([got["weight"].reshape(-1), got["bias"].reshape(-1)]).double()
    require_works(estimate, solution, rtol=0, atol=5e-2, what="fit_linear_regression")
    X, y, _ = _regression_data(35, 48, 2)
    kwargs = {"lr": 0.02, "epochs": 2, "batch_size": 8}
    a, b, c = student.probe(probes.fit_seeds, X, y, kwargs, (11, 11, 12))
    for key in ("weight", "bias"):
        require(torch.equal(a[key], b[key]), "two fits with the same seed differ")
    require(
        not (torch.equal(a["weight"], c["weight"]) and torch.equal(a["bias"], c["bias"])),
        "fits with different seeds are identical: is the seed used?",
    )
