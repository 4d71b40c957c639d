"""Hidden suite for exercise 7 (cnn)."""

import itertools

import pytest

from autograder.judge.checks import (
    assert_close,
    require,
    require_raised,
    require_working,
    require_works,
)
from autograder.probes import cnn as probes

SEED = 7707


def _sizes(proxy, function, cases):
    """`function`'s outcome for every case, from `student` or `reference`."""
    return probes.expand_grid(proxy.probe(probes.size_grid, function, cases), len(cases))


def _require_same_values(got, want, function, expect_int=True):
    for case_got, case_want in zip(got, want, strict=True):
        require(
            "error" not in case_got,
            f"{function} raised {case_got.get('error', [''])[0]} "
            f"for valid arguments: {case_got.get('message', '')}",
        )
        key = "int" if expect_int else "tuple"
        require(case_got.get(key), f"{function} must return a Python {key} here")
        require(case_got["value"] == case_want["value"], f"{function} gave a wrong size")


def _works_on_valid(student, function, valid):
    """The student's function gives the reference's sizes on valid arguments (a rule or
    raises check about it counts only then)."""
    got = _sizes(student, function, [c for c, _ in valid])
    want = [w for _, w in valid]
    same = all(
        g.get("value") == w["value"] and "error" not in g for g, w in zip(got, want, strict=True)
    )
    require_working(same, function, f"{function} gives wrong sizes for valid arguments")


def _valid_and_invalid(function, cases, reference):
    want = _sizes(reference, function, cases)
    valid = [(c, w) for c, w in zip(cases, want, strict=True) if "error" not in w]
    invalid = [c for c, w in zip(cases, want, strict=True) if "error" in w]
    return valid, invalid


CONV_CASES = [
    ((n, k, s, p, d), {})
    for n, k, s, p, d in itertools.product(
        (1, 2, 3, 6, 9, 13, 31), (1, 2, 3, 5), (1, 2, 3), (0, 1, 2), (1,)
    )
]
DILATED_CASES = [
    ((n, k, s, p), {"dilation": d})
    for n, k, s, p, d in itertools.product((5, 9, 14, 27), (2, 3, 5), (1, 2), (0, 2, 3), (2, 3))
]


@pytest.mark.points(2)
@pytest.mark.clause("conv2d_output_size", "All ints -> a Python int")
def test_conv2d_output_size_ints(student, reference):
    """conv2d_output_size: floor((size + 2p - (k-1) - 1) / s) + 1 as a Python int."""
    valid, _ = _valid_and_invalid("conv2d_output_size", CONV_CASES, reference)
    cases = [c for c, _ in valid]
    got = _sizes(student, "conv2d_output_size", cases)
    _require_same_values(got, [w for _, w in valid], "conv2d_output_size")


@pytest.mark.points(1)
@pytest.mark.clause("conv2d_output_size", "dilation*(kernel_size - 1)")
def test_conv2d_output_size_dilation(student, reference):
    """conv2d_output_size: a dilated kernel spans d(k-1) + 1 pixels."""
    valid, _ = _valid_and_invalid("conv2d_output_size", DILATED_CASES, reference)
    got = _sizes(student, "conv2d_output_size", [c for c, _ in valid])
    _require_same_values(got, [w for _, w in valid], "conv2d_output_size")


TUPLE_CASES = [
    (((32, 20), 3), {"stride": (2, 1), "padding": 1}),
    (((29, 40), (5, 3)), {}),
    ((17, (3, 5)), {"padding": (1, 2), "dilation": (2, 1)}),
    (((64, 48), 3, 2, (0, 1)), {}),
]


@pytest.mark.points(1)
@pytest.mark.clause(
    "conv2d_output_size", "If any argument is a tuple (e.g. size=(H, W)), the result is a tuple"
)
def test_conv2d_output_size_tuples(student, reference):
    """conv2d_output_size: any tuple argument gives a tuple (H, W); ints apply to both."""
    want = _sizes(reference, "conv2d_output_size", TUPLE_CASES)
    got = _sizes(student, "conv2d_output_size", TUPLE_CASES)
    _require_same_values(got, want, "conv2d_output_size", expect_int=False)


BAD_CONV_ARGS = [
    ((0, 3), {}),
    ((8, 0), {}),
    ((8, 3), {"stride": 0}),
    ((8, 3), {"padding": -1}),
    ((8, 3), {"dilation": 0}),
]


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause("conv2d_output_size", "Raises ValueError when an argument is out of range")
def test_conv2d_output_size_invalid(student, reference):
    """conv2d_output_size: ValueError for an output < 1 or an argument out of range."""
    valid, too_small = _valid_and_invalid(
        "conv2d_output_size", CONV_CASES + DILATED_CASES, reference
    )
    _works_on_valid(student, "conv2d_output_size", valid[::7])
    cases = too_small[::3] + BAD_CONV_ARGS
    for case, outcome in zip(cases, _sizes(student, "conv2d_output_size", cases), strict=True):
        require_raised(
            outcome,
            "ValueError",
            f"conv2d_output_size{case[0]} {case[1] or ''} must raise ValueError",
        )


POOL_CASES = [
    ((n, k, s, p, d, ceil), {})
    for n, k, s, p, d, ceil in itertools.product(
        range(1, 13), (1, 2, 3, 4), (1, 2, 3), (0, 1, 2), (1, 2), (False, True)
    )
]


def _pool_cases(ceil_mode):
    return [c for c in POOL_CASES if c[0][5] == ceil_mode]


@pytest.mark.points(1)
@pytest.mark.clause(
    "pool2d_output_size", "Output size of nn.MaxPool2d, exactly as PyTorch computes it"
)
def test_pool2d_output_size_floor(student, reference):
    """pool2d_output_size: MaxPool2d's size with ceil_mode=False (padding, dilation)."""
    valid, _ = _valid_and_invalid("pool2d_output_size", _pool_cases(False), reference)
    got = _sizes(student, "pool2d_output_size", [c for c, _ in valid])
    _require_same_values(got, [w for _, w in valid], "pool2d_output_size")


@pytest.mark.points(2)
@pytest.mark.clause(
    "pool2d_output_size",
    "With ceil_mode, a last window that would start inside the right padding is dropped",
)
def test_pool2d_output_size_ceil_mode(student, reference):
    """pool2d_output_size: ceil_mode=True rounds up, but drops a last window that would
    start in the right padding (PyTorch's rule)."""
    valid, _ = _valid_and_invalid("pool2d_output_size", _pool_cases(True), reference)
    got = _sizes(student, "pool2d_output_size", [c for c, _ in valid])
    _require_same_values(got, [w for _, w in valid], "pool2d_output_size")


STRIDE_DEFAULT_CASES = [
    ((32, 2), {}),
    ((7, 3), {}),
    ((9, 2), {"ceil_mode": True}),
    ((10, 3), {"padding": 1, "ceil_mode": True}),
    ((11, 4), {"stride": None, "padding": 2}),
    (((31, 20), (3, 2)), {}),
]


@pytest.mark.points(1)
@pytest.mark.clause("pool2d_output_size", "stride=None means stride = kernel_size")
def test_pool2d_output_size_default_stride(student, reference):
    """pool2d_output_size: stride=None means stride = kernel_size (tuples too)."""
    want = _sizes(reference, "pool2d_output_size", STRIDE_DEFAULT_CASES)
    got = _sizes(student, "pool2d_output_size", STRIDE_DEFAULT_CASES)
    _require_same_values(got[:-1], want[:-1], "pool2d_output_size")
    _require_same_values(got[-1:], want[-1:], "pool2d_output_size", expect_int=False)


BAD_POOL_ARGS = [
    ((8, 2), {"padding": 2}),
    ((8, 3), {"padding": 2}),
    ((8, 0), {}),
    ((8, 2), {"stride": 0}),
    ((8, 2), {"dilation": 0}),
    ((1, 3), {}),
]


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause("pool2d_output_size", "Raises ValueError where PyTorch rejects the arguments")
def test_pool2d_output_size_invalid(student, reference):
    """pool2d_output_size: ValueError where PyTorch rejects the arguments (padding more
    than half the kernel, non-positive sizes, an empty output)."""
    valid, _ = _valid_and_invalid("pool2d_output_size", POOL_CASES, reference)
    _works_on_valid(student, "pool2d_output_size", valid[::11])
    got = _sizes(student, "pool2d_output_size", BAD_POOL_ARGS)
    for case, outcome in zip(BAD_POOL_ARGS, got, strict=True):
        require_raised(
            outcome,
            "ValueError",
            f"pool2d_output_size{case[0]} {case[1] or ''} must raise ValueError",
        )


STACKS = {
    "conv_pool_non_square": (
        [
            ("Conv2d", (3, 8, 3), {"padding": 1}),
            ("BatchNorm2d", (8,), {}),
            ("ReLU", (), {}),
            ("MaxPool2d", (2,), {}),
            ("Conv2d", (8, 16, (3, 5)), {"stride": (2, 1), "padding": (0, 2), "dilation": (1, 2)}),
            ("Dropout", (0.3,), {}),
            ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}),
            ("Tanh", (), {}),
            ("MaxPool2d", (3,), {"stride": 2, "ceil_mode": True}),
        ],
        (3, 45, 62),
    ),
    "cifar_like_classifier": (
        [
            ("Conv2d", (3, 16, 3), {"padding": 1}),
            ("Tanh", (), {}),
            ("MaxPool2d", (2,), {}),
            ("Conv2d", (16, 8, 3), {"padding": 1}),
            ("Tanh", (), {}),
            ("MaxPool2d", (2,), {}),
            ("Flatten", (), {}),
            ("Linear", (512, 32), {}),
            ("Sigmoid", (), {}),
            ("Linear", (32, 10), {}),
        ],
        (3, 32, 32),
    ),
    "adaptive_pool_head": (
        [
            ("Conv2d", (1, 6, 5), {"stride": 2}),
            ("ReLU", (), {}),
            ("AdaptiveAvgPool2d", ((3, 2),), {}),
            ("Flatten", (), {}),
            ("Dropout", (), {}),
            ("Linear", (36, 4), {}),
        ],
        (1, 27, 19),
    ),
    "global_pool_then_features": (
        [
            ("Conv2d", (4, 12, 3), {"padding": 1, "stride": 2}),
            ("AdaptiveAvgPool2d", (1,), {}),
            ("Flatten", (), {}),
            ("Linear", (12, 5), {}),
        ],
        (4, 9, 14),
    ),
    "features_only": (
        [
            ("Linear", (20, 7), {}),
            ("ReLU", (), {}),
            ("Dropout", (0.5,), {}),
            ("Linear", (7, 3), {}),
        ],
        (20,),
    ),
}


@pytest.mark.points(1)
@pytest.mark.clause("output_shape", "input_shape: (C, H, W) for images or (F,) for features")
@pytest.mark.parametrize("container", ["sequential", "list"])
@pytest.mark.parametrize("stack", sorted(STACKS))
def test_output_shape(student, reference, stack, container):
    """output_shape: the output shape (no batch dimension) of an nn.Sequential or a list
    of layers, for (C, H, W) (also non-square) or (F,) inputs."""
    spec, shape = STACKS[stack]
    args = (spec, shape, container, False)
    got = student.probe(probes.output_shape_scenario, *args)
    want = reference.probe(probes.output_shape_scenario, *args)
    require(
        "error" not in got,
        f"output_shape raised {got.get('error', [''])[0]}: {got.get('message', '')}",
    )
    require(got["tuple"], "output_shape must return a tuple")
    require(got["value"] == want["value"], "output_shape gave the wrong shape")


@pytest.mark.points(1)
@pytest.mark.clause("output_shape", "Flatten's start_dim/end_dim count the batch dimension")
def test_output_shape_flatten_dims(student, reference):
    """output_shape: nn.Flatten's start_dim/end_dim count the batch dimension."""
    spec = [("Flatten", (2,), {}), ("Linear", (30, 4), {}), ("Flatten", (), {})]
    got = student.probe(probes.output_shape_scenario, spec, (3, 5, 6), "sequential", False)
    want = reference.probe(probes.output_shape_scenario, spec, (3, 5, 6), "sequential", False)
    require("error" not in got, f"output_shape raised {got.get('error', [''])[0]}")
    require(got["value"] == want["value"], "output_shape gave the wrong shape")


@pytest.mark.points(2)
@pytest.mark.clause("output_shape", "never by running the layers")
def test_output_shape_is_analytic(student, reference):
    """output_shape: shapes come from the layers' settings; the layers are never run."""
    spec, shape = STACKS["conv_pool_non_square"]
    spec = spec + [("Flatten", (), {}), ("Linear", (336, 3), {})]
    got = student.probe(probes.output_shape_scenario, spec, shape, "sequential", True)
    want = reference.probe(probes.output_shape_scenario, spec, shape, "sequential", True)
    require("error" not in got, f"output_shape ran a layer (or failed): {got.get('message', '')}")
    require(got["value"] == want["value"], "output_shape gave the wrong shape")


def _output_shape_works(student, reference) -> None:
    spec, shape = STACKS["cifar_like_classifier"]
    got = student.probe(probes.output_shape_scenario, spec, shape, "list", True)
    want = reference.probe(probes.output_shape_scenario, spec, shape, "list", True)
    require_working(
        "error" not in got and got.get("value") == want["value"],
        "output_shape",
        "output_shape gives a wrong shape for valid layers",
    )


MISMATCHES = {
    "Conv2d": ([("Conv2d", (3, 8, 3), {})], (4, 10, 12)),
    "BatchNorm2d": ([("Conv2d", (3, 8, 3), {}), ("BatchNorm2d", (6,), {})], (3, 10, 12)),
    "Linear": ([("Flatten", (), {}), ("Linear", (100, 4), {})], (2, 7, 7)),
}


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause("output_shape", "Raises ValueError on a channel or feature mismatch")
@pytest.mark.parametrize("layer", sorted(MISMATCHES))
def test_output_shape_mismatch(student, reference, layer):
    """output_shape: a channel/feature mismatch raises ValueError naming the layer's class."""
    _output_shape_works(student, reference)
    spec, shape = MISMATCHES[layer]
    got = student.probe(probes.output_shape_scenario, spec, shape, "sequential", True)
    require_raised(got, "ValueError", f"a mismatch at {layer} must raise ValueError")
    require(layer in got["message"], "the error message must name the layer's class")


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause("output_shape", "TypeError for any other layer type (e.g. nn.LSTM)")
def test_output_shape_unsupported_layer(student, reference):
    """output_shape: TypeError for a layer type it does not support (nn.LSTM)."""
    _output_shape_works(student, reference)
    spec = [("Linear", (8, 6), {}), ("LSTM", (6, 4), {})]
    got = student.probe(probes.output_shape_scenario, spec, (8,), "list", True)
    require_raised(got, "TypeError", "an unsupported layer must raise TypeError")


@pytest.mark.points(1)
@pytest.mark.clause("CifarNet", "18,354 parameters")
def test_cifar_net_parameters(student, reference):
    """CifarNet: two convs and two linear layers, 18,354 parameters."""
    args = ("CifarNet", (), (2, 3, 32, 32), SEED, False)
    got = student.probe(probes.model_forward, *args)
    want = reference.probe(probes.model_forward, *args)
    require(got["n_convs"] == want["n_convs"], "CifarNet needs exactly two Conv2d layers")
    require(got["n_params"] == want["n_params"], "CifarNet has the wrong number of parameters")


@pytest.mark.points(1)
@pytest.mark.clause("CifarNet", "flatten to (K, 8*8*8 = 512), fc 512→32, tanh, fc 32→10")
@pytest.mark.parametrize("n_samples", [3, 1])
def test_cifar_net_forward(student, reference, n_samples):
    """CifarNet: conv, tanh, pool twice, then fc, tanh, fc; (K, 3, 32, 32) -> (K, 10)."""
    args = ("CifarNet", (), (n_samples, 3, 32, 32), SEED + 1, False)
    got = student.probe(probes.model_forward, *args)
    want = reference.probe(probes.model_forward, *args)
    assert_close(got["out"], want["out"], rtol=1e-4, atol=1e-5, what="logits")


@pytest.mark.points(2)
@pytest.mark.clause("ResBlock", "weights initialised Kaiming-normal for ReLU")
def test_resblock_init(student, reference):
    """ResBlock: bias-free 3×3 conv (padding 1) with Kaiming-normal (ReLU) weights;
    BatchNorm2d with weight 0.5 and bias 0."""
    got = student.probe(probes.resblock_init, 32, SEED + 2)
    want = reference.probe(probes.resblock_init, 32, SEED + 2)
    require(got["n_convs"] == 1 and got["n_bns"] == 1, "one Conv2d and one BatchNorm2d")
    require(got["conv_shape"] == want["conv_shape"], "conv has the wrong shape")
    require(got["conv_settings"] == want["conv_settings"], "conv needs kernel 3, padding 1")
    require(not got["conv_bias"], "the conv must have no bias (BatchNorm follows)")
    require(0.9 < got["std_ratio"] < 1.1, "conv weights do not have the Kaiming (ReLU) scale")
    require(got["tail_fraction"] > 0.03, "conv weights are not normally distributed")
    assert_close(got["bn_weight"], want["bn_weight"], what="BatchNorm weight")
    assert_close(got["bn_bias"], want["bn_bias"], what="BatchNorm bias")


@pytest.mark.points(1)
@pytest.mark.clause("ResBlock", "relu(bn(conv(x))) + x, same shape")
@pytest.mark.parametrize("train_mode", [True, False])
def test_resblock_forward(student, reference, train_mode):
    """ResBlock: relu(bn(conv(x))) + x, same shape as x (also non-square maps)."""
    args = ("ResBlock", (6,), (3, 6, 7, 5), SEED + 3, train_mode)
    got = student.probe(probes.model_forward, *args)
    want = reference.probe(probes.model_forward, *args)
    require(got["n_params"] == want["n_params"], "ResBlock has the wrong number of parameters")
    assert_close(got["out"], want["out"], rtol=1e-4, atol=1e-5, what="block output")


@pytest.mark.points(4)
@pytest.mark.rule
@pytest.mark.clause(
    "NetResDeep", "n_blocks INDEPENDENT ResBlock(n_chans1) (each with its own weights)"
)
def test_net_res_deep_blocks_independent(student, reference):
    """NetResDeep: n_blocks distinct ResBlocks, each with its own parameters."""
    args = ("NetResDeep", (8, 3), (2, 3, 32, 32), SEED + 5, False)
    got = student.probe(probes.model_forward, *args)
    want = reference.probe(probes.model_forward, *args)
    require_works(got["out"], want["out"], rtol=1e-4, atol=1e-5, what="NetResDeep")
    got = student.probe(probes.net_res_deep_blocks, 8, 3)
    want = reference.probe(probes.net_res_deep_blocks, 8, 3)
    require(got["n_blocks"] == want["n_blocks"], "NetResDeep must hold n_blocks ResBlocks")
    require(
        got["n_distinct"] == want["n_distinct"] and got["n_tensors"] == want["n_tensors"],
        "the ResBlocks share parameters (the same block object is repeated)",
    )
    require(got["n_registered"] == got["n_tensors"], "a parameter is registered twice")
    require(got["n_params"] == want["n_params"], "NetResDeep has the wrong number of parameters")


@pytest.mark.points(1)
@pytest.mark.clause("NetResDeep", "n_chans1=32")
def test_net_res_deep_defaults(student, reference):
    """NetResDeep(): n_chans1=32 and n_blocks=10 by default."""
    got = student.probe(probes.net_res_deep_blocks, 32, 10)
    want = reference.probe(probes.net_res_deep_blocks, 32, 10)
    require(got == want, "NetResDeep with the default sizes has the wrong parameters")


@pytest.mark.points(1)
@pytest.mark.clause("NetResDeep", "flatten, fc 8*8*n_chans1 → 32, ReLU, fc 32 → 10")
@pytest.mark.parametrize("train_mode", [True, False])
def test_net_res_deep_forward(student, reference, train_mode):
    """NetResDeep: conv, ReLU, pool, the blocks, pool, fc, ReLU, fc; (K, 3, 32, 32) ->
    (K, 10), with BatchNorm in train and in eval mode."""
    args = ("NetResDeep", (8, 3), (2, 3, 32, 32), SEED + 4, train_mode)
    got = student.probe(probes.model_forward, *args)
    want = reference.probe(probes.model_forward, *args)
    assert_close(got["out"], want["out"], rtol=1e-4, atol=1e-5, what="logits")


STRIDED = [(8, 3, 1, 2), (13, 5, 3, 1), (64, 10, 1, 3), (100, 7, 2, 2)]


@pytest.mark.points(2)
@pytest.mark.clause("make_strided_cnn", "-> (K, n_classes) for any image_size >= 8")
@pytest.mark.parametrize("image_size,n_classes,in_channels,n_samples", STRIDED)
def test_make_strided_cnn_output_shape(student, image_size, n_classes, in_channels, n_samples):
    """make_strided_cnn: the output is exactly (K, n_classes) for any image_size >= 8."""
    got = student.probe(probes.strided_cnn, image_size, n_classes, in_channels, n_samples)
    require(got["is_sequential"], "make_strided_cnn must return an nn.Sequential")
    require(tuple(got["out"].shape) == (n_samples, n_classes), "wrong output shape")


@pytest.mark.points(1)
@pytest.mark.clause("make_strided_cnn", "image_size=64")
def test_make_strided_cnn_defaults(student):
    """make_strided_cnn(): 64×64 single-channel images, 10 classes by default."""
    got = student.probe(probes.strided_cnn, None, None, None, 2)
    require(tuple(got["out"].shape) == (2, 10), "wrong output shape with the default arguments")


@pytest.mark.points(2)
@pytest.mark.clause(
    "make_strided_cnn", "then an average pool over the WHOLE remaining map and a flatten"
)
@pytest.mark.parametrize("image_size,n_classes,in_channels,n_samples", STRIDED[1:3])
def test_make_strided_cnn_structure(student, image_size, n_classes, in_channels, n_samples):
    """make_strided_cnn: three 3×3 stride-2 convs with padding 1, then the average of the
    whole remaining map of the last conv (after its ReLU or not), flattened."""
    got = student.probe(probes.strided_cnn, image_size, n_classes, in_channels, n_samples)
    convs = got["convs"]
    require(len(convs) == 3, "make_strided_cnn needs exactly three Conv2d layers")
    for kernel, stride, padding, _, _ in convs:
        require(
            kernel == (3, 3) and stride == (2, 2) and padding == (1, 1),
            "each conv must be 3×3 with stride 2 and padding 1",
        )
    require(convs[0][3] == in_channels, "the first conv must take in_channels channels")
    out = got["out"]
    means = [got.get("mean_last_conv"), got.get("mean_relu_last_conv")]
    matches = [
        m is not None and m.shape == out.shape and bool(((m - out).abs() <= 1e-5).all())
        for m in means
    ]
    require(any(matches), "the output is not the average over the last conv's whole map")
