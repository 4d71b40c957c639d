"""Public tests for exercise 5 (dense networks). Reference values come from torch."""

import math

import pytest
import torch
from torch import nn


def linears(model: nn.Module) -> list[nn.Linear]:
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def test_dense_relu_is_linear_then_relu(ex):
    torch.manual_seed(0)
    layer = ex.DenseReLU(4, 3)
    assert isinstance(layer.fc, nn.Linear)
    assert (layer.fc.in_features, layer.fc.out_features) == (4, 3)
    x = torch.randn(6, 4)
    torch.testing.assert_close(layer(x), torch.relu(layer.fc(x)))


def test_dense_no_relu_keeps_negative_logits(ex):
    torch.manual_seed(1)
    layer = ex.DenseNoReLU(4, 3)
    x = torch.randn(6, 4)
    out = layer(x)
    torch.testing.assert_close(out, layer.fc(x))
    assert (out < 0).any()


def test_deep_net_lecture_parameter_count(ex):
    model = ex.DeepNeuralNet(784, [80, 40, 20], 10)
    assert isinstance(model.layers, nn.Sequential)
    assert sum(p.numel() for p in model.parameters()) == 67_070


def test_deep_net_forward_flattens_images(ex):
    torch.manual_seed(2)
    model = ex.DeepNeuralNet(12, [5, 4], 3)
    x = torch.randn(7, 3, 2, 2)
    h = x.reshape(7, 12)
    fcs = linears(model)
    assert [(f.in_features, f.out_features) for f in fcs] == [(12, 5), (5, 4), (4, 3)]
    for fc in fcs[:-1]:
        h = torch.relu(fc(h))
    torch.testing.assert_close(model(x), fcs[-1](h))


def test_deep_net_without_hidden_layers(ex):
    torch.manual_seed(3)
    model = ex.DeepNeuralNet(6, [], 2)
    (fc,) = linears(model)
    x = torch.randn(5, 6)
    torch.testing.assert_close(model(x), fc(x))


def test_shallow_net(ex):
    torch.manual_seed(4)
    model = ex.ShallowNeuralNet(8, 5, 3)
    assert sum(p.numel() for p in model.parameters()) == 8 * 5 + 5 + 5 * 3 + 3
    assert model(torch.randn(4, 2, 4)).shape == (4, 3)


def test_count_parameters_trainable_only(ex):
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    model[0].requires_grad_(False)
    assert ex.count_parameters(model) == 10
    assert ex.count_parameters(model, trainable_only=False) == 26


@pytest.mark.parametrize("name,power", [("l1_penalty", 1), ("l2_penalty", 2)])
def test_penalties_value_and_gradient(ex, name, power):
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    penalty = getattr(ex, name)(model)
    assert isinstance(penalty, torch.Tensor)
    expected = sum(p.detach().abs().pow(power).sum() for p in model.parameters())
    torch.testing.assert_close(penalty.detach(), expected)
    penalty.backward()
    for p in model.parameters():
        want = p.detach().sign() if power == 1 else 2 * p.detach()
        torch.testing.assert_close(p.grad, want)


def test_xavier_init_bounds_and_zero_bias(ex):
    torch.manual_seed(6)
    model = nn.Sequential(nn.Conv2d(2, 4, 3), nn.Flatten(), nn.Linear(64, 30))
    assert ex.xavier_init_(model) is model
    conv, fc = model[0], model[2]
    for layer, fan_in, fan_out in ((conv, 2 * 9, 4 * 9), (fc, 64, 30)):
        bound = math.sqrt(6 / (fan_in + fan_out))
        assert layer.weight.abs().max() <= bound
        assert layer.weight.abs().max() > 0.8 * bound
        assert torch.count_nonzero(layer.bias) == 0
