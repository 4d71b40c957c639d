"""Exercise 1 — NumPy backprop (reference solution).

Logistic regression, softmax regression and a two-layer tanh net, with every forward and
backward pass written by hand in NumPy and checked against central finite differences.
The exercise teaches the chain rule on arrays: which axis to sum, where the `1 / K` of a
mean loss goes, and how to keep `exp` from overflowing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _float_array(value: object, name: str, ndim: int | None = None) -> np.ndarray:
    if not isinstance(value, np.ndarray | list | tuple | float | int | np.generic):
        raise TypeError(f"{name} must be a NumPy array, got {type(value).__name__}")
    array = np.asarray(value, dtype=np.float64)
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {array.shape}")
    return array


def _same_length(K: int, **arrays: np.ndarray) -> None:
    for name, array in arrays.items():
        if array.shape[0] != K:
            raise ValueError(f"{name} has {array.shape[0]} rows, expected K={K}")


def logistic(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + exp(-z)) elementwise, for an array of any shape (or a scalar).

    Pitfall: `1 / (1 + np.exp(-z))` overflows (with a RuntimeWarning) for z ≈ -1e4.
    Each branch here only ever exponentiates a non-positive number.
    """
    z = _float_array(z, "z")
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    ez = np.exp(z[~positive])
    out[~positive] = ez / (1.0 + ez)
    return out[()] if out.ndim == 0 else out


def forward_binary(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """q = σ(X @ w + b); `w (D,)`, `b` a float, `X (K, D)`; returns `q (K,)`."""
    X = _float_array(X, "X", 2)
    w = _float_array(w, "w", 1)
    if w.shape[0] != X.shape[1]:
        raise ValueError(f"w has {w.shape[0]} entries but X has D={X.shape[1]} columns")
    return logistic(X @ w + b)


def binary_cross_entropy(y: np.ndarray, q: np.ndarray, eps: float = 1e-12) -> float:
    """Mean over K of -(y log q + (1 - y) log(1 - q)), with q clipped to [eps, 1 - eps]
    so that q = 0 or q = 1 gives a large finite loss instead of inf or NaN."""
    y = _float_array(y, "y", 1)
    q = np.clip(_float_array(q, "q", 1), eps, 1 - eps)
    _same_length(y.shape[0], q=q)
    return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))


def backward_binary(y: np.ndarray, q: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, float]:
    """Gradients of the mean BCE w.r.t. w and b: `X.T @ (q - y) / K` `(D,)` and
    `mean(q - y)`. Pitfall: forgetting `/ K` gives the gradient of the *summed* loss."""
    X = _float_array(X, "X", 2)
    y, q = _float_array(y, "y", 1), _float_array(q, "q", 1)
    K = X.shape[0]
    _same_length(K, y=y, q=q)
    residual = q - y
    return X.T @ residual / K, float(np.mean(residual))


def forward_multiclass(W: np.ndarray, b: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Row-wise softmax of `X @ W.T + b`; `W (M, D)`, `b (M,)`, `X (K, D)` → `Q (K, M)`.
    The row maximum is subtracted first, so logits of 1e4 do not overflow."""
    X, W, b = _float_array(X, "X", 2), _float_array(W, "W", 2), _float_array(b, "b", 1)
    if W.shape[1] != X.shape[1] or b.shape[0] != W.shape[0]:
        raise ValueError(f"W {W.shape} and b {b.shape} do not fit X {X.shape}")
    logits = X @ W.T + b
    exps = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exps / exps.sum(axis=1, keepdims=True)


def categorical_cross_entropy(Y: np.ndarray, Q: np.ndarray, eps: float = 1e-12) -> float:
    """Mean over the K rows of -Σ_m Y log Q, with Q clipped to [eps, 1]."""
    Y, Q = _float_array(Y, "Y", 2), _float_array(Q, "Q", 2)
    if Y.shape != Q.shape:
        raise ValueError(f"Y has shape {Y.shape} but Q has shape {Q.shape}")
    return float(-np.mean(np.sum(Y * np.log(np.clip(Q, eps, 1.0)), axis=1)))


def backward_multiclass(
    Y: np.ndarray, Q: np.ndarray, X: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Gradients of the mean categorical CE of softmax regression:
    `(Q - Y).T @ X / K` `(M, D)` and `mean(Q - Y, axis=0)` `(M,)`."""
    Y, Q, X = _float_array(Y, "Y", 2), _float_array(Q, "Q", 2), _float_array(X, "X", 2)
    K = X.shape[0]
    _same_length(K, Y=Y, Q=Q)
    delta = Q - Y
    return delta.T @ X / K, delta.mean(axis=0)


def forward_two_layer(
    W1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: float, X: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`H = tanh(X @ W1.T + b1)` `(K, N)` and `q = σ(H @ w2 + b2)` `(K,)`;
    `W1 (N, D)`, `b1 (N,)`, `w2 (N,)`, `b2` a float."""
    X, W1 = _float_array(X, "X", 2), _float_array(W1, "W1", 2)
    b1, w2 = _float_array(b1, "b1", 1), _float_array(w2, "w2", 1)
    if W1.shape[1] != X.shape[1] or b1.shape[0] != W1.shape[0] or w2.shape[0] != W1.shape[0]:
        raise ValueError(f"W1 {W1.shape}, b1 {b1.shape}, w2 {w2.shape} do not fit X {X.shape}")
    H = np.tanh(X @ W1.T + b1)
    return H, logistic(H @ w2 + b2)


def backward_two_layer(
    y: np.ndarray, q: np.ndarray, H: np.ndarray, X: np.ndarray, w2: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Exact gradients of the mean BCE of the two-layer net:
    `W1_grad (N, D)`, `b1_grad (N,)`, `w2_grad (N,)`, `b2_grad` a float.

    Pitfall: tanh'(a) = 1 - tanh(a)**2 = `1 - H**2`, not `(1 - H)**2`.
    """
    y, q, w2 = _float_array(y, "y", 1), _float_array(q, "q", 1), _float_array(w2, "w2", 1)
    H, X = _float_array(H, "H", 2), _float_array(X, "X", 2)
    K = X.shape[0]
    _same_length(K, y=y, q=q, H=H)
    dz2 = (q - y) / K  # dL/d(logit) of each sample, the mean's 1/K included
    dA1 = np.outer(dz2, w2) * (1 - H**2)
    return dA1.T @ X, dA1.sum(axis=0), H.T @ dz2, float(dz2.sum())


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Central differences (f(x + h e_i) - f(x - h e_i)) / (2h) for every entry i of the
    float array `x`; the result has the shape of `x`. Entries of `x` are perturbed in
    place and restored (also if `f` raises), so `x` is unchanged afterwards.
    A one-sided difference (f(x + h) - f(x)) / h is only first-order accurate."""
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError("x must be a floating-point NumPy array")
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        try:
            x[index] = original + h
            f_plus = float(f(x))
            x[index] = original - h
            f_minus = float(f(x))
        finally:
            x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def train_binary(
    X: np.ndarray, y: np.ndarray, lr: float = 0.1, epochs: int = 100
) -> tuple[np.ndarray, float, list[float]]:
    """Full-batch gradient descent on logistic regression from w = 0, b = 0.

    Returns `w (D,)`, `b` (float) and `losses`, a list of `epochs` floats where
    `losses[i]` is the mean BCE *before* update i (so `losses[0]` is log 2).
    """
    X, y = _float_array(X, "X", 2), _float_array(y, "y", 1)
    _same_length(X.shape[0], y=y)
    if not isinstance(epochs, int | np.integer) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative int, got {epochs!r}")
    w, b = np.zeros(X.shape[1]), 0.0
    losses: list[float] = []
    for _ in range(epochs):
        q = forward_binary(w, b, X)
        losses.append(binary_cross_entropy(y, q))
        w_grad, b_grad = backward_binary(y, q, X)
        w = w - lr * w_grad
        b = b - lr * b_grad
    return w, b, losses
