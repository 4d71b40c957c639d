"""Exercise 7 — CNN shapes (reference solution).

Convolution and pooling change the spatial size by a formula worth knowing by heart;
this exercise computes it (dilation and `ceil_mode` included), propagates shapes through
a stack of layers without running them, and builds the lecture's CIFAR-10 nets. The
pitfalls are `n_blocks * [ResBlock(...)]` (one block repeated, weights shared) and a
fixed-size average pool that only fits one image size.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import torch
from torch import nn

IntOrPair = int | tuple[int, ...]


def _broadcast(**args: object) -> tuple[dict[str, tuple[int, ...]], bool]:
    """Turn every int/tuple argument into a tuple of one common length."""
    lengths = {len(v) for v in args.values() if isinstance(v, tuple | list)}
    if len(lengths) > 1:
        raise ValueError(f"tuple arguments have different lengths: {sorted(lengths)}")
    n = lengths.pop() if lengths else 1
    out = {}
    for name, value in args.items():
        items = tuple(value) if isinstance(value, tuple | list) else (value,) * n
        for item in items:
            if isinstance(item, bool) or not isinstance(item, int):
                raise TypeError(f"{name} must be an int or a tuple of ints, got {value!r}")
        out[name] = items
    return out, any(isinstance(v, tuple | list) for v in args.values())


def _check_ranges(size, kernel_size, stride, padding, dilation) -> None:
    for name, values, low in (
        ("size", size, 1),
        ("kernel_size", kernel_size, 1),
        ("stride", stride, 1),
        ("padding", padding, 0),
        ("dilation", dilation, 1),
    ):
        if any(v < low for v in values):
            raise ValueError(f"{name} must be >= {low}, got {values}")


def conv2d_output_size(
    size: IntOrPair,
    kernel_size: IntOrPair,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> IntOrPair:
    """`floor((size + 2p - d(k-1) - 1) / s) + 1` per dimension.

    Ints give an int; if any argument is a tuple the result is a tuple (ints broadcast).
    ValueError when an argument is out of range or the result would be < 1.
    Pitfall: forgetting the dilation, whose effective kernel is `d(k-1) + 1`.
    """
    a, as_tuple = _broadcast(
        size=size, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation
    )
    _check_ranges(a["size"], a["kernel_size"], a["stride"], a["padding"], a["dilation"])
    out = []
    for n, k, s, p, d in zip(*a.values(), strict=True):
        o = (n + 2 * p - d * (k - 1) - 1) // s + 1
        if o < 1:
            raise ValueError(
                f"output size {o} < 1 for size={n}, kernel_size={k}, padding={p}, dilation={d}"
            )
        out.append(o)
    return tuple(out) if as_tuple else out[0]


def pool2d_output_size(
    size: IntOrPair,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    ceil_mode: bool = False,
) -> IntOrPair:
    """Output size of `nn.MaxPool2d` (PyTorch's rule); `stride=None` means `kernel_size`.

    `ceil_mode` rounds up, but a last window that would start inside the right padding
    (at or beyond `size + padding`) is dropped. ValueError where PyTorch rejects the
    arguments: padding > kernel_size // 2, non-positive kernel/stride/dilation, or an
    output smaller than 1. Pitfall: rounding up without that last-window rule.
    """
    if stride is None:
        stride = kernel_size
    a, as_tuple = _broadcast(
        size=size, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation
    )
    _check_ranges(a["size"], a["kernel_size"], a["stride"], a["padding"], a["dilation"])
    out = []
    for n, k, s, p, d in zip(*a.values(), strict=True):
        if p > k // 2:
            raise ValueError(f"padding {p} must be at most half the kernel_size {k}")
        span = n + 2 * p - d * (k - 1) - 1
        o = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (o - 1) * s >= n + p:
            o -= 1  # the last window would start in the right padding
        if o < 1:
            raise ValueError(f"output size {o} < 1 for size={n}, kernel_size={k}")
        out.append(o)
    return tuple(out) if as_tuple else out[0]


def _pair(value: IntOrPair) -> tuple[int, int]:
    return tuple(value) if isinstance(value, tuple | list) else (value, value)


def _layer_shape(layer: nn.Module, shape: tuple[int, ...]) -> tuple[int, ...]:
    name = type(layer).__name__

    def need_chw() -> None:
        if len(shape) != 3:
            raise ValueError(f"{name} expects an input (C, H, W), got shape {shape}")

    if isinstance(layer, nn.Conv2d):
        need_chw()
        if shape[0] != layer.in_channels:
            raise ValueError(f"{name} expects {layer.in_channels} channels, got {shape[0]}")
        if isinstance(layer.padding, str):
            if layer.padding == "same":
                return (layer.out_channels, *shape[1:])
            padding = (0, 0)
        else:
            padding = layer.padding
        h, w = conv2d_output_size(
            shape[1:], layer.kernel_size, layer.stride, padding, layer.dilation
        )
        return (layer.out_channels, h, w)
    if isinstance(layer, nn.MaxPool2d | nn.AvgPool2d):
        need_chw()
        dilation = layer.dilation if isinstance(layer, nn.MaxPool2d) else 1
        stride = layer.stride if layer.stride else None  # AvgPool2d may store stride=[]
        h, w = pool2d_output_size(
            shape[1:], _pair(layer.kernel_size), stride, layer.padding, dilation, layer.ceil_mode
        )
        return (shape[0], h, w)
    if isinstance(layer, nn.AdaptiveAvgPool2d):
        need_chw()
        target = _pair(layer.output_size)
        return (shape[0], *(s if t is None else t for s, t in zip(shape[1:], target, strict=True)))
    if isinstance(layer, nn.BatchNorm2d):
        need_chw()
        if shape[0] != layer.num_features:
            raise ValueError(f"{name} expects {layer.num_features} channels, got {shape[0]}")
        return shape
    if isinstance(layer, nn.Dropout | nn.ReLU | nn.Tanh | nn.Sigmoid | nn.Identity):
        return shape
    if isinstance(layer, nn.Flatten):
        # The layer's dims count the batch dimension, which `shape` leaves out.
        full = (1, *shape)
        start, end = layer.start_dim % len(full), layer.end_dim % len(full)
        if start == 0:
            raise ValueError(f"{name} with start_dim=0 would flatten the batch dimension")
        return (*full[1:start], math.prod(full[start : end + 1]), *full[end + 1 :])
    if isinstance(layer, nn.Linear):
        if not shape or shape[-1] != layer.in_features:
            raise ValueError(f"{name} expects {layer.in_features} features, got shape {shape}")
        return (*shape[:-1], layer.out_features)
    if isinstance(layer, nn.Sequential):
        return output_shape(layer, shape)
    raise TypeError(f"output_shape does not support {name}")


def output_shape(
    layers: nn.Sequential | Iterable[nn.Module], input_shape: Sequence[int]
) -> tuple[int, ...]:
    """Shape (without the batch dimension) after `layers` for an input `(C, H, W)` or
    `(F,)`, computed from the layers' settings without running them. ValueError (naming
    the layer's class) on a channel/feature mismatch; TypeError for an unsupported layer."""
    shape = tuple(int(s) for s in input_shape)
    for layer in layers:
        shape = _layer_shape(layer, shape)
    return shape


class CifarNet(nn.Module):
    """The lecture's CIFAR-10 net, (K, 3, 32, 32) -> (K, 10) logits; 18,354 parameters.

    conv 3→16 (k3, p1), tanh, maxpool 2, conv 16→8 (k3, p1), tanh, maxpool 2,
    fc 8·8·8 = 512 → 32, tanh, fc 32 → 10.
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(8 * 8 * 8, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.pool(torch.tanh(self.conv1(x)))
        out = self.pool(torch.tanh(self.conv2(out)))
        out = torch.tanh(self.fc1(out.flatten(1)))
        return self.fc2(out)


class ResBlock(nn.Module):
    """`relu(bn(conv(x))) + x`: conv 3×3 (padding 1, no bias) keeps `(K, n_chans, H, W)`.

    Conv weights Kaiming-normal for ReLU; BatchNorm weight 0.5 and bias 0, so each block
    starts close to the identity.
    """

    def __init__(self, n_chans: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(n_chans, n_chans, kernel_size=3, padding=1, bias=False)
        self.batch_norm = nn.BatchNorm2d(n_chans)
        nn.init.kaiming_normal_(self.conv.weight, nonlinearity="relu")
        nn.init.constant_(self.batch_norm.weight, 0.5)
        nn.init.zeros_(self.batch_norm.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.batch_norm(self.conv(x))) + x


class NetResDeep(nn.Module):
    """conv 3→n_chans1, ReLU, maxpool 2, `n_blocks` independent ResBlocks, maxpool 2,
    fc 8·8·n_chans1 → 32, ReLU, fc 32 → 10; (K, 3, 32, 32) -> (K, 10).

    Pitfall (from the lecture): `nn.Sequential(*(n_blocks * [ResBlock(c)]))` repeats ONE
    block n_blocks times, so all blocks share a single set of weights.
    """

    def __init__(self, n_chans1: int = 32, n_blocks: int = 10) -> None:
        super().__init__()
        self.n_chans1 = n_chans1
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.resblocks = nn.Sequential(*(ResBlock(n_chans1) for _ in range(n_blocks)))
        self.fc1 = nn.Linear(8 * 8 * n_chans1, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        out = nn.functional.max_pool2d(self.resblocks(out), 2)
        out = torch.relu(self.fc1(out.flatten(1)))
        return self.fc2(out)


def make_strided_cnn(
    image_size: int = 64, n_classes: int = 10, in_channels: int = 1
) -> nn.Sequential:
    """Three stride-2 3×3 convs (padding 1) with ReLU, a global average pool and a flatten:
    `(K, in_channels, image_size, image_size)` -> `(K, n_classes)` for any image_size >= 8.

    Pitfall: a fixed `nn.AvgPool2d(4)` fits only 32×32 inputs (64×64 leaves a 2×2 map,
    i.e. 40 features); `nn.AdaptiveAvgPool2d(1)` averages whatever map remains.
    """
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 8:
        raise ValueError(f"image_size must be an int >= 8, got {image_size!r}")
    return nn.Sequential(
        nn.Conv2d(in_channels, 16, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 32, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(32, n_classes, kernel_size=3, stride=2, padding=1),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
    )
