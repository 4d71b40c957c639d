"""Hidden suite for exercise 1 (numpy_backprop)."""

import numpy as np
import pytest

from autograder.judge import source_rules
from autograder.judge.checks import Mismatch, require, require_works
from autograder.judge.checks import assert_close as _assert_close
from autograder.probes import numpy_backprop as probes

RNG = np.random.default_rng(1101)
TOL = {"rtol": 1e-6, "atol": 1e-9}


def _scalars_as_scalars(actual, expected):
    """A NumPy scalar may come back as a one-element array: compare it as a scalar."""
    if isinstance(expected, tuple | list):
        if isinstance(actual, tuple | list) and len(actual) == len(expected):
            pairs = zip(actual, expected, strict=True)
            return type(actual)(_scalars_as_scalars(a, e) for a, e in pairs)
        return actual
    if np.ndim(expected) == 0 and isinstance(actual, np.ndarray) and actual.size == 1:
        return actual.reshape(())
    return actual


def assert_close(actual, expected, **kwargs):
    _assert_close(_scalars_as_scalars(actual, expected), expected, **kwargs)


def _binary_data(K: int, D: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(K, D))
    y = (rng.random(K) > 0.45).astype(np.float64)
    return rng, X, y


def _strict(student, function, *args):
    result = student.probe(probes.strict_call, function, *args)
    require(not result["problem"], f"{function} is not numerically stable: {result['problem']}")
    return result["value"]


@pytest.mark.points(1)
@pytest.mark.clause("logistic", "σ(z) = 1 / (1 + exp(-z)), elementwise")
def test_logistic_values(student, reference):
    """logistic: σ(z) elementwise for arrays of any shape."""
    for z in (RNG.normal(scale=4, size=7), RNG.normal(size=(3, 4))):
        assert_close(student.numpy_backprop.logistic(z), reference.numpy_backprop.logistic(z))


@pytest.mark.points(2)
@pytest.mark.clause("logistic", "numerically stable for |z| up to 1e4")
def test_logistic_stable(student, reference):
    """logistic: no overflow/invalid warning and correct values for z = ±1e4 and ±800."""
    z = np.array([-1e4, -800.0, -30.0, 0.0, 30.0, 800.0, 1e4])
    got = _strict(student, "logistic", z)
    assert_close(got, reference.numpy_backprop.logistic(z), rtol=1e-9, atol=1e-300)


@pytest.mark.points(1)
@pytest.mark.clause("forward_binary", "Returns q = σ(X @ w + b), shape (K,)")
def test_forward_binary(student, reference):
    """forward_binary: q = σ(X @ w + b), shape (K,)."""
    rng, X, _ = _binary_data(11, 4, 1102)
    w, b = rng.normal(size=4), -0.7
    assert_close(
        student.numpy_backprop.forward_binary(w, b, X),
        reference.numpy_backprop.forward_binary(w, b, X),
        what="q",
    )


@pytest.mark.points(2)
@pytest.mark.clause("binary_cross_entropy", "with q first clipped to [eps, 1 - eps]")
def test_binary_cross_entropy(student, reference):
    """binary_cross_entropy: mean over samples; q clipped to [eps, 1 - eps] (q may be 0 or 1)."""
    _, _, y = _binary_data(13, 1, 1103)
    q = RNG.random(13)
    nb_s, nb_r = student.numpy_backprop, reference.numpy_backprop
    assert_close(nb_s.binary_cross_entropy(y, q), nb_r.binary_cross_entropy(y, q), what="loss")
    certain = np.array([1.0, 0.0, 1.0, 0.0, 0.3])
    labels = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    for eps in (1e-12, 1e-3):
        assert_close(
            _strict(student, "binary_cross_entropy", labels, certain, eps),
            nb_r.binary_cross_entropy(labels, certain, eps),
            rtol=1e-6,
            what="loss with q in {0, 1}",
        )


@pytest.mark.points(2)
@pytest.mark.clause("backward_binary", "w_grad = X.T @ (q - y) / K")
@pytest.mark.parametrize("K", [1, 17])
def test_backward_binary(student, reference, K):
    """backward_binary: gradients of the *mean* loss (single sample included)."""
    rng, X, y = _binary_data(K, 3, 1104 + K)
    q = reference.numpy_backprop.forward_binary(rng.normal(size=3), 0.2, X)
    assert_close(
        student.numpy_backprop.backward_binary(y, q, X),
        reference.numpy_backprop.backward_binary(y, q, X),
        what="(w_grad, b_grad)",
        **TOL,
    )


@pytest.mark.points(2)
@pytest.mark.clause("forward_multiclass", "Stable for large logits")
def test_forward_multiclass(student, reference):
    """forward_multiclass: row-wise softmax of X @ W.T + b; stable for logits of ~1e4."""
    rng = np.random.default_rng(1105)
    X, W, b = rng.normal(size=(9, 3)), rng.normal(size=(5, 3)), rng.normal(size=5)
    assert_close(
        student.numpy_backprop.forward_multiclass(W, b, X),
        reference.numpy_backprop.forward_multiclass(W, b, X),
        what="Q",
    )
    W_big = W * 4000
    assert_close(
        _strict(student, "forward_multiclass", W_big, b, X),
        reference.numpy_backprop.forward_multiclass(W_big, b, X),
        atol=1e-12,
        what="Q for large logits",
    )


@pytest.mark.points(1)
@pytest.mark.clause("categorical_cross_entropy", "Q clipped to [eps, 1]")
def test_categorical_cross_entropy(student, reference):
    """categorical_cross_entropy: mean over rows of -Σ Y log Q, Q clipped (Q may hold 0)."""
    rng = np.random.default_rng(1106)
    Y = np.eye(4)[rng.integers(0, 4, size=10)]
    Q = rng.dirichlet(np.ones(4), size=10)
    Q[0] = [0.0, 0.0, 1.0, 0.0] if Y[0, 2] == 0 else [1.0, 0.0, 0.0, 0.0]
    Q[1] = Y[1]
    assert_close(
        _strict(student, "categorical_cross_entropy", Y, Q),
        reference.numpy_backprop.categorical_cross_entropy(Y, Q),
        what="loss",
    )


@pytest.mark.points(2)
@pytest.mark.clause("backward_multiclass", "W_grad = (Q - Y).T @ X / K")
@pytest.mark.parametrize("K", [1, 14])
def test_backward_multiclass(student, reference, K):
    """backward_multiclass: (Q - Y).T @ X / K and the column means of Q - Y."""
    rng = np.random.default_rng(1107 + K)
    X, W, b = rng.normal(size=(K, 4)), rng.normal(size=(3, 4)), rng.normal(size=3)
    Y = np.eye(3)[rng.integers(0, 3, size=K)]
    Q = reference.numpy_backprop.forward_multiclass(W, b, X)
    assert_close(
        student.numpy_backprop.backward_multiclass(Y, Q, X),
        reference.numpy_backprop.backward_multiclass(Y, Q, X),
        what="(W_grad, b_grad)",
        **TOL,
    )


@pytest.mark.points(1)
@pytest.mark.clause("forward_two_layer", "H = tanh(X @ W1.T + b1)")
def test_forward_two_layer(student, reference):
    """forward_two_layer: H = tanh(X @ W1.T + b1) and q = σ(H @ w2 + b2)."""
    rng = np.random.default_rng(1108)
    args = (rng.normal(size=(6, 3)), rng.normal(size=6), rng.normal(size=6), 0.3)
    X = rng.normal(size=(8, 3))
    assert_close(
        student.numpy_backprop.forward_two_layer(*args, X),
        reference.numpy_backprop.forward_two_layer(*args, X),
        what="(H, q)",
    )


@pytest.mark.points(3)
@pytest.mark.clause("backward_two_layer", "Exact gradients of the mean BCE")
@pytest.mark.parametrize("K", [1, 12])
def test_backward_two_layer(student, reference, K):
    """backward_two_layer: exact gradients of the mean BCE through tanh (checked to 1e-6)."""
    rng = np.random.default_rng(1109 + K)
    W1, b1, w2, b2 = rng.normal(size=(5, 3)), rng.normal(size=5), rng.normal(size=5), -0.4
    X = rng.normal(size=(K, 3)) * 1.5
    y = (rng.random(K) > 0.5).astype(np.float64)
    H, q = reference.numpy_backprop.forward_two_layer(W1, b1, w2, b2, X)
    assert_close(
        student.numpy_backprop.backward_two_layer(y, q, H, X, w2),
        reference.numpy_backprop.backward_two_layer(y, q, H, X, w2),
        what="(W1_grad, b1_grad, w2_grad, b2_grad)",
        **TOL,
    )


@pytest.mark.points(1)
@pytest.mark.clause("numerical_gradient", "(f(x + h e_i) - f(x - h e_i)) / (2h)")
@pytest.mark.parametrize("shape,h", [((2, 3, 2), None), ((5,), 1e-4)])
def test_numerical_gradient_accuracy(student, shape, h):
    """numerical_gradient: central differences, accurate to second order in h, any shape."""
    got = student.probe(probes.numerical_gradient_scenario, shape, 1110, h)
    require(np.shape(got["grad"]) == shape, "the gradient must have the shape of x")
    step = 1e-5 if h is None else h
    # Central differences are within ~h² of the exact gradient; one-sided ones ~h.
    assert_close(got["grad"], got["exact"], rtol=step**2 * 40, atol=1e-8, what="gradient")


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause("numerical_gradient", "x must be unchanged afterwards")
def test_numerical_gradient_restores_x(student, reference):
    """numerical_gradient: x holds its original values afterwards."""
    got = student.probe(probes.numerical_gradient_scenario, (3, 4), 1111, None)
    want = reference.probe(probes.numerical_gradient_scenario, (3, 4), 1111, None)
    require_works(got["grad"], want["grad"], what="numerical_gradient", rtol=1e-6, atol=1e-8)
    assert_close(got["after"], want["before"], rtol=1e-12, atol=0, what="x after the call")


@pytest.mark.points(2)
@pytest.mark.clause("train_binary", "losses[i] is the mean BCE *before* update i")
def test_train_binary(student, reference):
    """train_binary: GD from zeros; losses[i] is the loss before update i; deterministic."""
    rng, X, y = _binary_data(23, 3, 1112)
    got = student.numpy_backprop.train_binary(X, y, 0.3, 25)
    assert_close(
        got, reference.numpy_backprop.train_binary(X, y, 0.3, 25), what="(w, b, losses)", **TOL
    )
    again = student.numpy_backprop.train_binary(X, y, 0.3, 25)
    assert_close(again, got, rtol=0, atol=0, what="a second run")
    assert_close(
        student.numpy_backprop.train_binary(X, y),
        reference.numpy_backprop.train_binary(X, y),
        what="(w, b, losses) with the default lr and epochs",
        **TOL,
    )


@pytest.mark.points(2)
@pytest.mark.rule
@pytest.mark.clause("module", "in NumPy only (do not import torch)")
def test_does_not_use_torch(student, reference):
    """The module uses NumPy only: no torch import (also none via __import__/importlib)."""
    X, W, b = RNG.normal(size=(4, 3)), RNG.normal(size=(2, 3)), RNG.normal(size=2)
    for function, args in (("logistic", (X,)), ("forward_multiclass", (W, b, X))):
        require_works(
            getattr(student.numpy_backprop, function)(*args),
            getattr(reference.numpy_backprop, function)(*args),
            what=function,
        )
    try:
        tree = source_rules.parse(student.source("numpy_backprop"))
        uses = source_rules.module_imports(tree, probes.TORCH_ROOTS)
    except SyntaxError:
        raise Mismatch("the module's source could not be parsed") from None
    require(not uses, f"numpy_backprop must not use torch (found {', '.join(uses)})")
    names = student.probe(probes.torch_in_module)
    require(not names, f"numpy_backprop must not use torch (module names: {', '.join(names)})")
