"""Hidden suite for exercise 5 (dnn)."""

import math

import pytest

from autograder.judge.checks import assert_close, require
from autograder.probes import dnn as probes

SEED = 5505


@pytest.mark.points(1)
@pytest.mark.clause("DenseReLU", "Attribute: `self.fc = nn.Linear(n_in, n_out)`")
@pytest.mark.parametrize("cls_name", ["DenseReLU", "DenseNoReLU"])
def test_dense_layers(student, reference, cls_name):
    """DenseReLU / DenseNoReLU: `self.fc` is an nn.Linear(n_in, n_out); ReLU only in
    DenseReLU."""
    args = (cls_name, 6, 4, 9, SEED)
    got = student.probe(probes.dense_forward, *args)
    want = reference.probe(probes.dense_forward, *args)
    require(got["fc_is_linear"], f"{cls_name}.fc must be an nn.Linear")
    require(got["fc_shape"] == want["fc_shape"], f"{cls_name}.fc has the wrong in/out sizes")
    require(got["n_params"] == want["n_params"], f"{cls_name} has extra or missing parameters")
    assert_close(got["out"], want["out"], rtol=1e-5, atol=1e-6, what=f"{cls_name} output")


DEEP_CASES = [
    # n_x, n_h, n_y, input shape (a single sample, images, a plain batch)
    (784, [80, 40, 20], 10, (3, 1, 28, 28)),
    (24, [9, 7, 5, 3], 4, (1, 2, 3, 4)),
    (10, [6], 3, (5, 10)),
    (10, [], 3, (4, 2, 5)),
]


@pytest.mark.points(1)
@pytest.mark.clause("DeepNeuralNet", "Each layer is registered exactly once")
@pytest.mark.parametrize("n_x,n_h,n_y,shape", DEEP_CASES)
def test_deep_net_parameters_and_layout(student, reference, n_x, n_h, n_y, shape):
    """DeepNeuralNet: all layers in one self.layers nn.Sequential (an nn.Flatten first is
    allowed): one DenseReLU per entry of n_h (any length, also 0), then one DenseNoReLU;
    every layer registered, each exactly once."""
    args = ("DeepNeuralNet", n_x, n_h, n_y, shape, SEED + 1)
    got = student.probe(probes.net_forward, *args)
    want = reference.probe(probes.net_forward, *args)
    require(got["layers_is_sequential"], "self.layers must be an nn.Sequential")
    require(
        got["layer_kinds"] == want["layer_kinds"],
        "self.layers must hold one DenseReLU per hidden width, then a DenseNoReLU",
    )
    require(
        got["n_params"] == want["n_params"],
        "wrong number of parameters (are all layers registered?)",
    )
    require(got["layers_params"] == want["n_params"], "every parameter must live in self.layers")
    require(
        got["n_registered"] == got["n_tensors"],
        "a layer is registered more than once (e.g. in a list attribute and self.layers)",
    )


@pytest.mark.points(2)
@pytest.mark.clause("DeepNeuralNet", "no ReLU on the logits")
@pytest.mark.parametrize("n_x,n_h,n_y,shape", DEEP_CASES)
def test_deep_net_forward(student, reference, n_x, n_h, n_y, shape):
    """DeepNeuralNet: flattens (K, *) and returns the logits of the stacked layers (no
    activation on the output), for any number of hidden layers and a single sample."""
    args = ("DeepNeuralNet", n_x, n_h, n_y, shape, SEED + 2)
    got = student.probe(probes.net_forward, *args)
    want = reference.probe(probes.net_forward, *args)
    assert_close(got["out"], want["out"], rtol=1e-5, atol=1e-6, what="logits")


@pytest.mark.points(2)
@pytest.mark.clause("ShallowNeuralNet", "Linear(n_h, n_y); returns (K, n_y) logits")
@pytest.mark.parametrize("shape", [(6, 3, 4, 2), (1, 24)])
def test_shallow_net(student, reference, shape):
    """ShallowNeuralNet: flatten, Linear(n_x, n_h), ReLU, Linear(n_h, n_y); logits."""
    args = ("ShallowNeuralNet", 24, 11, 5, shape, SEED + 3)
    got = student.probe(probes.net_forward, *args)
    want = reference.probe(probes.net_forward, *args)
    require(got["n_params"] == want["n_params"], "wrong number of parameters")
    assert_close(got["out"], want["out"], rtol=1e-5, atol=1e-6, what="logits")


@pytest.mark.points(1)
@pytest.mark.clause(
    "count_parameters", "With trainable_only=True, count only parameters with requires_grad=True"
)
@pytest.mark.parametrize("trainable_only", [None, True, False])
def test_count_parameters(student, reference, trainable_only):
    """count_parameters: an int; frozen parameters count only when trainable_only=False
    (the default is True); buffers never count."""
    got = student.probe(probes.count_scenario, trainable_only)
    want = reference.probe(probes.count_scenario, trainable_only)
    require(got["is_int"], "count_parameters must return a Python int")
    require(got["value"] == want["value"], "count_parameters gave the wrong count")


@pytest.mark.points(2)
@pytest.mark.clause("l1_penalty", "Σ|θ| over every trainable parameter")
@pytest.mark.clause("l2_penalty", "Σθ² over every trainable parameter")
@pytest.mark.parametrize("name", ["l1_penalty", "l2_penalty"])
def test_penalty_value(student, reference, name):
    """l1_penalty / l2_penalty: Σ|θ| and Σθ² over the trainable parameters only (no
    square root, no buffers, frozen parameters left out)."""
    got = student.probe(probes.penalty_scenario, name, SEED + 4)
    want = reference.probe(probes.penalty_scenario, name, SEED + 4)
    require(got["numel"] == 1, f"{name} must return a single number")
    assert_close(got["value"], want["value"], rtol=1e-6, what=f"{name} value")


@pytest.mark.points(3)
@pytest.mark.clause("l1_penalty", "Do not call .item(): a float has no gradient")
@pytest.mark.clause("l2_penalty", "a 0-dim tensor that autograd can differentiate")
@pytest.mark.parametrize("name", ["l1_penalty", "l2_penalty"])
def test_penalty_is_differentiable(student, reference, name):
    """l1_penalty / l2_penalty: a tensor in the autograd graph whose backward gives the
    right gradient for every trainable parameter (a value from .item() has none)."""
    got = student.probe(probes.penalty_scenario, name, SEED + 5)
    want = reference.probe(probes.penalty_scenario, name, SEED + 5)
    require(got["is_tensor"], f"{name} must return a torch tensor, not a Python number")
    require(got["requires_grad"], f"{name} is not connected to the parameters' graph")
    assert_close(got["grads"], want["grads"], rtol=1e-6, atol=1e-9, what="gradients")
    require(not got["frozen_grad"], "frozen parameters received gradients")


@pytest.mark.points(3)
@pytest.mark.clause("xavier_init_", "weights from the Xavier/Glorot uniform distribution")
@pytest.mark.parametrize("seed", [SEED + 6, SEED + 7])
def test_xavier_init(student, seed):
    """xavier_init_: every nn.Linear and nn.Conv2d (nested ones too) gets Xavier-uniform
    weights (gain 1) and zero biases, in place; other modules are untouched; returns the
    model."""
    got = student.probe(probes.xavier_scenario, seed)
    require(got["returned_model"], "xavier_init_ must return the model it was given")
    require(got["bn_untouched"], "xavier_init_ changed a layer that is not Linear/Conv2d")
    for i, layer in enumerate(got["layers"]):
        bound = layer["bound"]
        require(
            layer["max_abs"] <= bound * (1 + 1e-6),
            f"layer {i}: weights outside the Xavier-uniform range (or not initialised)",
        )
        require(layer["max_abs"] > 0.9 * bound, f"layer {i}: weights span too narrow a range")
        require(
            abs(layer["std"] - bound / math.sqrt(3)) < 0.1 * bound / math.sqrt(3),
            f"layer {i}: weights do not look Xavier-uniform",
        )
        if layer["bias_max_abs"] is not None:
            require(layer["bias_max_abs"] == 0, f"layer {i}: bias not set to zero")
