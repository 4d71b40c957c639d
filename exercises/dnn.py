"""Exercise 5 — dense networks.

Build fully connected networks from small `nn.Module` blocks: a layer with ReLU, a layer
without, a deep net with any number of hidden layers and a shallow one. Then count their
parameters, write L1/L2 penalties that gradients can flow through, and initialise
weights the Xavier way.

Every layer must be *registered* (an attribute that is an `nn.Module`, or inside an
`nn.Sequential`/`nn.ModuleList`): a layer kept in a plain Python list is invisible to
`model.parameters()`, so no optimizer ever trains it.

Grading: a rule (such as "raises ValueError" or "changes no buffer") earns its points
only when the function it concerns also returns correct values in the same test, and
only for code without eval/exec, imports by computed names, or introspection of frames
or of the grader.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class DenseReLU(nn.Module):
    """A dense layer followed by ReLU: x (K, n_in) -> relu(x @ W.T + b) (K, n_out).

    Attribute: `self.fc = nn.Linear(n_in, n_out)` (W (n_out, n_in), b (n_out,)).
    """

    def __init__(self, n_in: int, n_out: int) -> None:
        raise NotImplementedError(
            "dnn.DenseReLU.__init__: call super().__init__(), then self.fc = nn.Linear(n_in, n_out)"
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("dnn.DenseReLU.forward: return torch.relu(self.fc(x))")


class DenseNoReLU(nn.Module):
    """A dense layer without activation: x (K, n_in) -> x @ W.T + b (K, n_out) (logits).

    Attribute: `self.fc = nn.Linear(n_in, n_out)`.
    """

    def __init__(self, n_in: int, n_out: int) -> None:
        raise NotImplementedError(
            "dnn.DenseNoReLU.__init__: super().__init__(), then self.fc = nn.Linear(n_in, n_out)"
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("dnn.DenseNoReLU.forward: return self.fc(x)")


class DeepNeuralNet(nn.Module):
    """A deep dense classifier: (K, *) -> (K, n_y) logits.

    n_x: number of input features (the product of the non-batch dims of the input);
    n_h: list of hidden widths, any length, including 0 (then it is a single linear layer);
    n_y: number of outputs.
    Layers, all inside ONE `self.layers = nn.Sequential(...)` (it may start with
    `nn.Flatten()`): flatten (K, *) to (K, n_x), then DenseReLU(n_x, n_h[0]),
    DenseReLU(n_h[0], n_h[1]), ..., and finally DenseNoReLU(last width, n_y) — no ReLU
    on the logits. Each layer is registered exactly once:
    DeepNeuralNet(784, [80, 40, 20], 10) has 67,070 parameters.
    """

    def __init__(self, n_x: int, n_h: Sequence[int], n_y: int) -> None:
        raise NotImplementedError(
            "dnn.DeepNeuralNet.__init__: list the widths [n_x, *n_h], make one DenseReLU per "
            "consecutive pair, then self.layers = nn.Sequential(nn.Flatten(), *blocks, "
            "DenseNoReLU(last width, n_y))"
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("dnn.DeepNeuralNet.forward: return self.layers(x)")


class ShallowNeuralNet(nn.Module):
    """One hidden layer: flatten (K, *) to (K, n_x), Linear(n_x, n_h), ReLU,
    Linear(n_h, n_y); returns (K, n_y) logits. Here n_h is an int."""

    def __init__(self, n_x: int, n_h: int, n_y: int) -> None:
        raise NotImplementedError(
            "dnn.ShallowNeuralNet.__init__: nn.Sequential(nn.Flatten(), nn.Linear(n_x, n_h), "
            "nn.ReLU(), nn.Linear(n_h, n_y))"
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("dnn.ShallowNeuralNet.forward: run the layers on x")


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of scalar parameters of `model` as a Python int (a shared tensor counts
    once). With trainable_only=True, count only parameters with requires_grad=True."""
    raise NotImplementedError(
        "dnn.count_parameters: sum p.numel() over model.parameters(), skipping frozen ones "
        "(p.requires_grad is False) when trainable_only"
    )


def l1_penalty(model: nn.Module) -> torch.Tensor:
    """Σ|θ| over every trainable parameter θ (requires_grad) of `model`: a 0-dim tensor
    that autograd can differentiate (d/dθ = sign(θ)). Buffers (e.g. BatchNorm running
    statistics) are not parameters. Do not call .item(): a float has no gradient."""
    raise NotImplementedError(
        "dnn.l1_penalty: add up p.abs().sum() for the trainable parameters, keeping tensors"
    )


def l2_penalty(model: nn.Module) -> torch.Tensor:
    """Σθ² over every trainable parameter θ of `model` (no square root): a 0-dim tensor
    that autograd can differentiate (d/dθ = 2θ)."""
    raise NotImplementedError(
        "dnn.l2_penalty: add up p.pow(2).sum() for the trainable parameters, keeping tensors"
    )


def xavier_init_(model: nn.Module) -> nn.Module:
    """In place, for every nn.Linear and nn.Conv2d anywhere in `model` (nested too):
    weights from the Xavier/Glorot uniform distribution U(-a, a),
    a = sqrt(6 / (fan_in + fan_out)) (gain 1), and biases (where present) set to 0.
    Other modules are left alone. Returns `model` itself."""
    raise NotImplementedError(
        "dnn.xavier_init_: loop over model.modules(); for Linear/Conv2d use "
        "nn.init.xavier_uniform_ on the weight and nn.init.zeros_ on the bias"
    )
