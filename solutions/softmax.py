"""Exercise 2 — softmax and cross-entropy (reference solution).

Softmax turns scores into probabilities and cross-entropy scores them against labels.
Written naively, `exp` overflows for logits in the hundreds and `log(softmax(x))` gives
-inf; subtracting the maximum (or using log-sum-exp) keeps both exact and finite. The
torch versions must be built from elementary operations and still match PyTorch's
`F.cross_entropy`, value and gradient.
"""

from __future__ import annotations

import numpy as np
import torch


def _float_array(x: object) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        raise TypeError("x must be a NumPy array (use softmax_torch for tensors)")
    array = np.asarray(x)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"x must hold real numbers, got dtype {array.dtype}")
    return array if array.dtype.kind == "f" else array.astype(np.float64)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(x) / Σ exp(x) along `axis`, for an array of any shape (same shape out).

    Pitfall: `np.exp(x)` overflows to inf for x ≳ 710 and inf / inf is NaN. Subtracting
    the maximum along `axis` first changes nothing mathematically and keeps every
    exponent ≤ 0.
    """
    x = _float_array(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    exps = np.exp(shifted)
    return exps / np.sum(exps, axis=axis, keepdims=True)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """x - log Σ exp(x) along `axis`, same shape as `x`.

    Pitfall: `np.log(softmax(x))` is -inf wherever softmax underflows to 0 (a gap of
    ~750 between logits is enough); the log-sum-exp form stays finite and exact.
    """
    x = _float_array(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """`(K, C)` float64 rows with a single 1 at column `labels[k]`.

    `labels` may be integers or whole-valued floats (2.0 is fine). ValueError for a label
    outside [0, num_classes) or one that is not a whole number (2.5); TypeError for a
    `num_classes` that is not an int.
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, int | np.integer):
        raise TypeError(f"num_classes must be an int, got {type(num_classes).__name__}")
    if num_classes < 1:
        raise ValueError(f"num_classes must be at least 1, got {num_classes}")
    if isinstance(labels, torch.Tensor):
        labels = labels.detach().cpu().numpy()
    values = np.asarray(labels)
    if values.ndim != 1:
        raise ValueError(f"labels must have shape (K,), got {values.shape}")
    if values.dtype.kind not in "biuf":
        raise TypeError(f"labels must be numbers, got dtype {values.dtype}")
    if values.dtype.kind == "f" and not np.all(np.isfinite(values) & (values == np.round(values))):
        raise ValueError("labels must be whole numbers")
    if values.size and (values.min() < 0 or values.max() >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes})")
    out = np.zeros((values.shape[0], int(num_classes)), dtype=np.float64)
    out[np.arange(values.shape[0]), values.astype(np.int64)] = 1.0
    return out


def softmax_torch(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Differentiable softmax of a tensor along `dim` (same shape and dtype as `x`),
    without any library softmax. The maximum is detached: softmax is shift-invariant,
    so the shift needs no gradient."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        x = x.to(torch.get_default_dtype())
    exps = torch.exp(x - x.amax(dim=dim, keepdim=True).detach())
    return exps / exps.sum(dim=dim, keepdim=True)


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean over K of -log softmax(logits)[k, targets[k]], a 0-d tensor equal to
    `F.cross_entropy(logits, targets)` with the same gradient.

    `logits (K, C)` float, `targets (K,)` int64 class indices. Uses
    `logits - logsumexp(logits)`: `torch.log(softmax_torch(logits))` is -inf for a gap of
    ~1e4 between logits, and feeding already-softmaxed scores in is a different loss.
    """
    if not isinstance(logits, torch.Tensor) or not isinstance(targets, torch.Tensor):
        raise TypeError("logits and targets must be torch tensors")
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape (K, C), got {tuple(logits.shape)}")
    if targets.ndim != 1 or targets.shape[0] != logits.shape[0]:
        raise ValueError(
            f"targets must have shape ({logits.shape[0]},), got {tuple(targets.shape)}"
        )
    if targets.is_floating_point() or targets.is_complex() or targets.dtype == torch.bool:
        raise TypeError(f"targets must be integer class indices, got {targets.dtype}")
    if targets.numel() and (targets.min() < 0 or targets.max() >= logits.shape[1]):
        raise ValueError(f"targets must lie in [0, {logits.shape[1]})")
    log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    picked = log_probs.gather(1, targets.long().unsqueeze(1))
    return -picked.mean()
