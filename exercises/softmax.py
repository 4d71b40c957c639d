"""Exercise 2 — softmax and cross-entropy.

Softmax turns scores into probabilities; cross-entropy scores them against labels.
Written naively, np.exp overflows for logits in the hundreds (inf / inf = NaN) and
log(softmax(x)) gives -inf. Subtract the maximum first, or use log-sum-exp.

softmax_torch and cross_entropy must be built from elementary tensor operations:
no torch.softmax, Tensor.softmax, torch.special.softmax, F.softmax, torch.log_softmax,
Tensor.log_softmax, F.log_softmax, nn.Softmax, nn.LogSoftmax, F.cross_entropy,
F.nll_loss, nn.CrossEntropyLoss or nn.NLLLoss. torch.logsumexp is allowed.

Grading: a rule (such as "raises ValueError" or "changes no buffer") earns its points
only when the function it concerns also returns correct values in the same test, and
only for code without eval/exec, imports by computed names, or introspection of frames
or of the grader.
"""

from __future__ import annotations

import numpy as np
import torch


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along `axis` of a NumPy array of any shape.

    Returns an array of the same shape: exp(x) / sum(exp(x)) along `axis`, so the
    entries along `axis` sum to 1. Stable: no NaN/inf or overflow warning for entries
    of ±1e4 (subtract the maximum along `axis` first).
    """
    raise NotImplementedError(
        "softmax.softmax: subtract np.max(x, axis=axis, keepdims=True), exponentiate, "
        "divide by the sum along axis"
    )


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(softmax(x)) along `axis`, computed stably, same shape as x.

    Equals x - log(sum(exp(x))) along `axis`; finite and exact for entries of ±1e4, with
    no warning (np.log(softmax(x)) is not: softmax underflows to 0 there).
    """
    raise NotImplementedError(
        "softmax.log_softmax: with s = x - max(x), return s - log(sum(exp(s))) along axis"
    )


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """One-hot encoding.

    labels: (K,) class indices (ints, or whole-valued floats such as 2.0).
    Returns a (K, C) float64 array, C = num_classes, with out[k, labels[k]] = 1.
    Raises ValueError for a label outside [0, num_classes) or a label that is not a
    whole number (2.5).
    """
    raise NotImplementedError(
        "softmax.one_hot: validate the labels, then set ones in np.zeros((K, C)) at "
        "[np.arange(K), labels]"
    )


def softmax_torch(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Softmax of a tensor along `dim`, differentiable by autograd.

    x: float tensor of any shape. Returns a tensor of the same shape and dtype whose
    entries along `dim` sum to 1; its gradient passes torch.autograd.gradcheck in
    float64. Stable for entries of ±1e4. No library softmax.
    """
    raise NotImplementedError(
        "softmax.softmax_torch: subtract x.amax(dim=dim, keepdim=True), then torch.exp and "
        "divide by the sum along dim"
    )


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of raw scores against class indices.

    logits: (K, C) float tensor of raw (unnormalised) scores; targets: (K,) int64 in
    [0, C). Returns a 0-d tensor equal to F.cross_entropy(logits, targets):
    mean_k ( logsumexp(logits[k]) - logits[k, targets[k]] ), with the same gradient (it
    passes torch.autograd.gradcheck in float64). Stable for logits of ±1e4. Raises
    ValueError for a target outside [0, C) (indexing with it would silently wrap around).
    No library (log-)softmax or cross-entropy/NLL loss; torch.logsumexp is allowed.
    """
    raise NotImplementedError(
        "softmax.cross_entropy: log-probabilities are logits - torch.logsumexp(logits, "
        "dim=1, keepdim=True); pick each row's target entry and average"
    )
