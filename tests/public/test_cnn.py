"""Public tests for exercise 7 (CNN shapes). Reference values come from running torch."""

import pytest
import torch
from torch import nn


@pytest.mark.parametrize(
    "size,kernel,stride,padding,dilation",
    [(32, 3, 1, 1, 1), (28, 5, 2, 0, 1), (17, 3, 2, 1, 2), (10, 4, 3, 2, 1)],
)
def test_conv2d_output_size_matches_torch(ex, size, kernel, stride, padding, dilation):
    conv = nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
    expected = conv(torch.zeros(1, 1, size, size)).shape[-1]
    result = ex.conv2d_output_size(size, kernel, stride, padding, dilation)
    assert result == expected
    assert isinstance(result, int)


def test_conv2d_output_size_tuples(ex):
    assert ex.conv2d_output_size((32, 20), 3, stride=(2, 1), padding=1) == (16, 20)


def test_conv2d_output_size_too_small(ex):
    with pytest.raises(ValueError):
        ex.conv2d_output_size(2, 5)


@pytest.mark.parametrize("size", [5, 6, 7])
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool2d_output_size_matches_torch(ex, size, ceil_mode):
    pool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=ceil_mode)
    expected = pool(torch.zeros(1, 1, size, size)).shape[-1]
    assert ex.pool2d_output_size(size, 3, 2, 1, ceil_mode=ceil_mode) == expected


def test_pool2d_stride_defaults_to_kernel(ex):
    assert ex.pool2d_output_size(32, 2) == 16


def test_output_shape_of_a_conv_stack(ex):
    layers = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 4, 5, stride=2),
        nn.Flatten(),
        nn.Linear(4 * 4 * 2, 6),
    )
    expected = tuple(layers.eval()(torch.zeros(1, 3, 24, 16)).shape[1:])
    assert tuple(ex.output_shape(layers, (3, 24, 16))) == expected


def test_output_shape_channel_mismatch_names_layer(ex):
    with pytest.raises(ValueError, match="Conv2d"):
        ex.output_shape([nn.Conv2d(3, 8, 3)], (4, 10, 10))


def test_output_shape_unsupported_layer(ex):
    with pytest.raises(TypeError):
        ex.output_shape([nn.LSTM(4, 4)], (4,))


def test_cifar_net(ex):
    torch.manual_seed(0)
    model = ex.CifarNet()
    assert sum(p.numel() for p in model.parameters()) == 18_354
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)


def test_res_block_shape_and_init(ex):
    torch.manual_seed(1)
    block = ex.ResBlock(4)
    x = torch.randn(2, 4, 6, 6)
    assert block(x).shape == x.shape
    (bn,) = [m for m in block.modules() if isinstance(m, nn.BatchNorm2d)]
    torch.testing.assert_close(bn.weight.detach(), torch.full((4,), 0.5))
    torch.testing.assert_close(bn.bias.detach(), torch.zeros(4))


def test_net_res_deep_blocks_are_independent(ex):
    torch.manual_seed(2)
    model = ex.NetResDeep(n_chans1=4, n_blocks=3)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 1 + 3  # stem plus one conv per block, each a different module
    per_block = 9 * 4 * 4 + 2 * 4
    stem, fc1, fc2 = 3 * 4 * 9 + 4, 8 * 8 * 4 * 32 + 32, 32 * 10 + 10
    assert sum(p.numel() for p in model.parameters()) == stem + 3 * per_block + fc1 + fc2
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)


@pytest.mark.parametrize("image_size", [32, 64])
def test_make_strided_cnn_output_is_n_classes(ex, image_size):
    model = ex.make_strided_cnn(image_size, n_classes=10, in_channels=1)
    assert isinstance(model, nn.Sequential)
    assert model(torch.zeros(3, 1, image_size, image_size)).shape == (3, 10)
