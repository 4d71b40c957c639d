"""Exercise 7 — CNN shapes.

A convolution or a pooling layer changes the spatial size of a feature map by a simple
formula. You compute it (stride, padding, dilation and `ceil_mode` included), push a
shape through a stack of layers without running them, and build the lecture's CIFAR-10
networks: a small conv net, a residual block and a deep residual net. Two classic bugs
wait here: `n_blocks * [ResBlock(c)]` repeats ONE block (all copies share weights), and a
fixed-size average pool that fits only one image size.

Shapes: images are (K, C, H, W) — K samples, C channels, H×W pixels (H may differ from W).

Grading: a rule (such as "raises ValueError" or "changes no buffer") earns its points
only when the function it concerns also returns correct values in the same test, and
only for code without eval/exec, imports by computed names, or introspection of frames
or of the grader.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from torch import nn

IntOrPair = int | tuple[int, ...]


def conv2d_output_size(
    size: IntOrPair,
    kernel_size: IntOrPair,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> IntOrPair:
    """Output size of nn.Conv2d along each spatial dimension:

        out = floor((size + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1

    All ints -> a Python int. If any argument is a tuple (e.g. size=(H, W)), the result is
    a tuple of the same length, and int arguments apply to every dimension.
    Raises ValueError when an argument is out of range (size, kernel_size, stride,
    dilation < 1, padding < 0) or when the output would be < 1.
    """
    raise NotImplementedError(
        "cnn.conv2d_output_size: the effective kernel is dilation * (kernel_size - 1) + 1; "
        "use integer division // for the floor"
    )


def pool2d_output_size(
    size: IntOrPair,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    ceil_mode: bool = False,
) -> IntOrPair:
    """Output size of nn.MaxPool2d, exactly as PyTorch computes it.

    stride=None means stride = kernel_size. The formula is the convolution's, with the
    division rounded down (ceil_mode=False) or up (ceil_mode=True). With ceil_mode, a last
    window that would start inside the right padding is dropped:
        if ceil_mode and (out - 1) * stride >= size + padding: out -= 1
    Ints/tuples as in conv2d_output_size. Raises ValueError where PyTorch rejects the
    arguments: padding > kernel_size // 2, kernel_size/stride/dilation < 1, padding < 0,
    or an output smaller than 1.
    """
    raise NotImplementedError(
        "cnn.pool2d_output_size: replace stride=None by kernel_size, check "
        "padding <= kernel_size // 2, then apply the formula (floor or ceil)"
    )


def output_shape(
    layers: nn.Sequential | Iterable[nn.Module], input_shape: Sequence[int]
) -> tuple[int, ...]:
    """Shape of one sample after passing through `layers` (an nn.Sequential or a list),
    computed from each layer's settings — never by running the layers.

    input_shape: (C, H, W) for images or (F,) for features; no batch dimension, and none
    in the result. Support Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, BatchNorm2d,
    Dropout, ReLU, Tanh, Sigmoid, Flatten and Linear (Flatten's start_dim/end_dim count
    the batch dimension: the default flattens (C, H, W) to (C*H*W,)).
    Raises ValueError on a channel or feature mismatch (e.g. Conv2d(3, ...) given 4
    channels), with the layer's class name in the message, and TypeError for any other
    layer type (e.g. nn.LSTM). Returns a tuple of ints.
    """
    raise NotImplementedError(
        "cnn.output_shape: start from tuple(input_shape) and update it layer by layer "
        "with isinstance checks, using conv2d_output_size and pool2d_output_size"
    )


class CifarNet(nn.Module):
    """The lecture's CIFAR-10 net: (K, 3, 32, 32) -> (K, 10) logits, 18,354 parameters.

    conv 3→16 (kernel 3, padding 1), tanh, maxpool 2,
    conv 16→8 (kernel 3, padding 1), tanh, maxpool 2,
    flatten to (K, 8*8*8 = 512), fc 512→32, tanh, fc 32→10.
    """

    def __init__(self) -> None:
        raise NotImplementedError(
            "cnn.CifarNet.__init__: super().__init__(); two nn.Conv2d and two nn.Linear layers"
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError(
            "cnn.CifarNet.forward: conv, tanh, max-pool twice; flatten with x.flatten(1); "
            "fc, tanh, fc"
        )


class ResBlock(nn.Module):
    """A residual block: x (K, n_chans, H, W) -> relu(bn(conv(x))) + x, same shape.

    conv: nn.Conv2d(n_chans, n_chans, kernel_size=3, padding=1, bias=False), weights
    initialised Kaiming-normal for ReLU; bn: nn.BatchNorm2d(n_chans) with weight 0.5 and
    bias 0 (so a fresh block is close to the identity).
    """

    def __init__(self, n_chans: int) -> None:
        raise NotImplementedError(
            "cnn.ResBlock.__init__: a bias-free 3x3 conv and a BatchNorm2d; then "
            "nn.init.kaiming_normal_(conv.weight, nonlinearity='relu'), "
            "nn.init.constant_(bn.weight, 0.5), nn.init.zeros_(bn.bias)"
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("cnn.ResBlock.forward: relu(bn(conv(x))) plus the input x")


class NetResDeep(nn.Module):
    """A deep residual net for (K, 3, 32, 32) images -> (K, 10) logits.

    conv 3→n_chans1 (kernel 3, padding 1), ReLU, maxpool 2 (→ 16×16),
    n_blocks INDEPENDENT ResBlock(n_chans1) (each with its own weights), maxpool 2 (→ 8×8),
    flatten, fc 8*8*n_chans1 → 32, ReLU, fc 32 → 10.
    Careful: `n_blocks * [ResBlock(n_chans1)]` is a list of n_blocks references to one
    single block.
    """

    def __init__(self, n_chans1: int = 32, n_blocks: int = 10) -> None:
        raise NotImplementedError(
            "cnn.NetResDeep.__init__: build the blocks with a loop or a generator, "
            "nn.Sequential(*(ResBlock(n_chans1) for _ in range(n_blocks)))"
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError(
            "cnn.NetResDeep.forward: conv1, relu, max-pool, the blocks, max-pool, flatten, "
            "fc1, relu, fc2"
        )


def make_strided_cnn(
    image_size: int = 64, n_classes: int = 10, in_channels: int = 1
) -> nn.Sequential:
    """An all-convolutional classifier as an nn.Sequential:
    (K, in_channels, image_size, image_size) -> (K, n_classes) for any image_size >= 8.

    Three 3×3 convolutions with stride 2 and padding 1, each followed by ReLU (after the
    last one ReLU is optional; hidden widths are yours, the last conv has n_classes output
    channels), then an average pool over the WHOLE remaining map and a flatten.
    Careful: a fixed nn.AvgPool2d(4) is right only for 32×32 inputs (64×64 leaves 2×2 per
    class, 40 features for 10 classes).
    """
    raise NotImplementedError(
        "cnn.make_strided_cnn: nn.Sequential of Conv2d(..., kernel_size=3, stride=2, "
        "padding=1) and ReLU three times, then a pool whose window is the whole map, "
        "then nn.Flatten()"
    )
