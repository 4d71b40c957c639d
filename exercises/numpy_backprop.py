"""Exercise 1 — NumPy backprop.

Logistic regression, softmax regression and a two-layer tanh network, forward and
backward by hand, in NumPy only (do not import torch). Check each backward pass against
`numerical_gradient` before trusting it.

Shapes: `X (K, D)` holds K samples of D features; binary labels `y (K,)` in {0, 1};
one-hot labels `Y (K, M)` for M classes; the hidden layer has N units.
All losses are *means* over the K samples, so every gradient carries a factor 1/K.

Grading: a rule (such as "raises ValueError" or "changes no buffer") earns its points
only when the function it concerns also returns correct values in the same test, and
only for code without eval/exec, imports by computed names, or introspection of frames
or of the grader.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np  # noqa: F401  (you will need it)


def logistic(z: np.ndarray) -> np.ndarray:
    """The logistic sigmoid σ(z) = 1 / (1 + exp(-z)), elementwise.

    z: array of any shape (or a scalar). Returns an array of the same shape, in [0, 1].
    Must be numerically stable for |z| up to 1e4: no overflow or invalid-value warning
    (np.exp(10000) overflows; underflow to 0 is fine).
    """
    raise NotImplementedError(
        "numpy_backprop.logistic: treat z >= 0 and z < 0 separately so that np.exp only "
        "ever sees a non-positive number"
    )


def forward_binary(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """Logistic regression forward pass.

    w: (D,) weights; b: float bias; X: (K, D). Returns q = σ(X @ w + b), shape (K,).
    """
    raise NotImplementedError("numpy_backprop.forward_binary: return logistic(X @ w + b)")


def binary_cross_entropy(y: np.ndarray, q: np.ndarray, eps: float = 1e-12) -> float:
    """Mean binary cross-entropy.

    y: (K,) labels in {0, 1}; q: (K,) predicted probabilities.
    Returns the Python float  mean_k -(y_k log q_k + (1 - y_k) log(1 - q_k)),
    with q first clipped to [eps, 1 - eps] so that q = 0 or 1 gives a finite loss.
    """
    raise NotImplementedError(
        "numpy_backprop.binary_cross_entropy: clip q with np.clip(q, eps, 1 - eps), then "
        "average the per-sample losses"
    )


def backward_binary(y: np.ndarray, q: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, float]:
    """Gradients of the mean BCE of logistic regression.

    y: (K,), q: (K,) from forward_binary, X: (K, D).
    Returns (w_grad, b_grad): w_grad = X.T @ (q - y) / K, shape (D,); b_grad = mean(q - y),
    a float.
    """
    raise NotImplementedError(
        "numpy_backprop.backward_binary: start from the residual q - y (the derivative of "
        "the loss w.r.t. the logit)"
    )


def forward_multiclass(W: np.ndarray, b: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Softmax regression forward pass.

    W: (M, D); b: (M,); X: (K, D). Returns Q (K, M): the softmax of each row of
    X @ W.T + b. Stable for large logits (subtract each row's maximum before np.exp).
    """
    raise NotImplementedError(
        "numpy_backprop.forward_multiclass: compute the logits X @ W.T + b, subtract each "
        "row's max, exponentiate and normalise the rows"
    )


def categorical_cross_entropy(Y: np.ndarray, Q: np.ndarray, eps: float = 1e-12) -> float:
    """Mean categorical cross-entropy.

    Y: (K, M) one-hot labels; Q: (K, M) probabilities.
    Returns the Python float  mean_k ( -Σ_m Y[k, m] log Q[k, m] ), Q clipped to [eps, 1].
    """
    raise NotImplementedError(
        "numpy_backprop.categorical_cross_entropy: sum -Y * log(clipped Q) over each row, "
        "then average over the rows"
    )


def backward_multiclass(
    Y: np.ndarray, Q: np.ndarray, X: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Gradients of the mean categorical cross-entropy of softmax regression.

    Y, Q: (K, M); X: (K, D). Returns (W_grad, b_grad):
    W_grad = (Q - Y).T @ X / K, shape (M, D); b_grad = mean(Q - Y, axis=0), shape (M,).
    """
    raise NotImplementedError(
        "numpy_backprop.backward_multiclass: start from Q - Y (the derivative of the loss "
        "w.r.t. the logits)"
    )


def forward_two_layer(
    W1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: float, X: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Forward pass of a two-layer net with a tanh hidden layer and a sigmoid output.

    W1: (N, D); b1: (N,); w2: (N,); b2: float; X: (K, D).
    Returns (H, q): H = tanh(X @ W1.T + b1), shape (K, N); q = σ(H @ w2 + b2), shape (K,).
    """
    raise NotImplementedError(
        "numpy_backprop.forward_two_layer: H = np.tanh(X @ W1.T + b1), then the logistic "
        "of H @ w2 + b2"
    )


def backward_two_layer(
    y: np.ndarray, q: np.ndarray, H: np.ndarray, X: np.ndarray, w2: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Exact gradients of the mean BCE of the two-layer net (forward_two_layer).

    y: (K,); q: (K,); H: (K, N); X: (K, D); w2: (N,).
    Returns (W1_grad (N, D), b1_grad (N,), w2_grad (N,), b2_grad float).
    Chain rule: dL/dz2 = (q - y) / K per sample; back through w2 into H, then through
    tanh, whose derivative is tanh'(a) = 1 - tanh(a)**2 = 1 - H**2.
    """
    raise NotImplementedError(
        "numpy_backprop.backward_two_layer: compute dz2 = (q - y) / K first; w2_grad and "
        "b2_grad follow from it, then go back through w2 and tanh"
    )


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Central finite-difference gradient of a scalar function.

    f: takes an array shaped like x (the perturbed array) and returns a scalar.
    x: float array of any shape. Returns an array of the shape of x whose entry i is
    (f(x + h e_i) - f(x - h e_i)) / (2h). x must be unchanged afterwards (restore each
    entry you perturb).
    """
    raise NotImplementedError(
        "numpy_backprop.numerical_gradient: loop over np.ndindex(x.shape), perturb one "
        "entry by +h and -h, and put it back"
    )


def train_binary(
    X: np.ndarray, y: np.ndarray, lr: float = 0.1, epochs: int = 100
) -> tuple[np.ndarray, float, list[float]]:
    """Full-batch gradient descent on logistic regression.

    X: (K, D); y: (K,) in {0, 1}. Start from w = zeros(D), b = 0.0; each epoch: forward,
    record the loss, backward, update w -= lr * w_grad, b -= lr * b_grad.
    Returns (w (D,), b float, losses) where losses is a list of `epochs` floats and
    losses[i] is the mean BCE *before* update i. Deterministic.
    """
    raise NotImplementedError(
        "numpy_backprop.train_binary: w = np.zeros(D), b = 0.0; loop over epochs with "
        "forward_binary, binary_cross_entropy and backward_binary"
    )
