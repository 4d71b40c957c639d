"""Mutant catalogue for exercise 7 (cnn): bugs applied to solutions/cnn.py."""

from autograder.authoring.mutation import Mutant

CONV_FORMULA = "        o = (n + 2 * p - d * (k - 1) - 1) // s + 1\n"
LAST_WINDOW_RULE = (
    "        if ceil_mode and (o - 1) * s >= n + p:\n"
    "            o -= 1  # the last window would start in the right padding\n"
)
SHAPE_LOOP = (
    "    shape = tuple(int(s) for s in input_shape)\n"
    "    for layer in layers:\n"
    "        shape = _layer_shape(layer, shape)\n"
    "    return shape\n"
)

MUTANTS = [
    Mutant(
        "cnn_res_blocks_share_weights",
        "NetResDeep builds its blocks as n_blocks * [ResBlock(n_chans1)] (one shared block)",
        {
            "nn.Sequential(*(ResBlock(n_chans1) for _ in range(n_blocks)))": (
                "nn.Sequential(*(n_blocks * [ResBlock(n_chans1)]))"
            )
        },
    ),
    Mutant(
        "cnn_strided_fixed_avgpool",
        "make_strided_cnn ends with a fixed nn.AvgPool2d(4) (40 features on 64×64 images)",
        {"        nn.AdaptiveAvgPool2d(1),\n": "        nn.AvgPool2d(4),\n"},
    ),
    Mutant(
        "cnn_conv_ignores_dilation",
        "conv2d_output_size uses the plain kernel size and ignores the dilation",
        {CONV_FORMULA: "        o = (n + 2 * p - (k - 1) - 1) // s + 1\n"},
    ),
    Mutant(
        "cnn_pool_ceil_without_last_window_rule",
        "pool2d_output_size rounds up in ceil_mode but keeps a window starting in the padding",
        {LAST_WINDOW_RULE: ""},
    ),
    Mutant(
        "cnn_pool_default_stride_one",
        "pool2d_output_size treats stride=None as stride 1",
        {
            "    if stride is None:\n        stride = kernel_size\n": (
                "    if stride is None:\n        stride = 1\n"
            )
        },
    ),
    Mutant(
        "cnn_pool_accepts_large_padding",
        "pool2d_output_size does not reject padding larger than half the kernel",
        {"        if p > k // 2:\n": "        if p > k:\n"},
    ),
    Mutant(
        "cnn_output_shape_adaptive_always_1x1",
        "output_shape treats every AdaptiveAvgPool2d as a pool to 1×1",
        {"        target = _pair(layer.output_size)\n": "        target = (1, 1)\n"},
    ),
    Mutant(
        "cnn_output_shape_flatten_everything",
        "output_shape's Flatten multiplies all dimensions, ignoring start_dim/end_dim",
        {
            "        return (*full[1:start], math.prod(full[start : end + 1]), *full[end + 1 :])": (
                "        return (math.prod(shape),)"
            )
        },
    ),
    Mutant(
        "cnn_output_shape_no_channel_check",
        "output_shape never compares a Conv2d's in_channels with the input's channels",
        {"        if shape[0] != layer.in_channels:\n": "        if False:\n"},
    ),
    Mutant(
        "cnn_output_shape_pool_ignores_ceil_mode",
        "output_shape computes every pool with ceil_mode=False",
        {"stride, layer.padding, dilation, layer.ceil_mode": "stride, layer.padding, dilation"},
    ),
    Mutant(
        "cnn_output_shape_runs_the_layers",
        "output_shape runs a zero tensor through the layers instead of computing the shape",
        {
            SHAPE_LOOP: (
                "    with torch.no_grad():\n"
                "        out = nn.Sequential(*layers)(torch.zeros(1, *input_shape))\n"
                "    return tuple(out.shape[1:])\n"
            )
        },
    ),
    Mutant(
        "cnn_cifar_wrong_fc_input",
        "CifarNet's fc1 takes 16 * 8 * 8 inputs (the channels of the first conv)",
        {"nn.Linear(8 * 8 * 8, 32)": "nn.Linear(16 * 8 * 8, 32)"},
    ),
    Mutant(
        "cnn_resblock_without_skip",
        "ResBlock.forward returns relu(bn(conv(x))) and forgets to add x",
        {
            "        return torch.relu(self.batch_norm(self.conv(x))) + x": (
                "        return torch.relu(self.batch_norm(self.conv(x)))"
            )
        },
    ),
    Mutant(
        "cnn_resblock_bn_weight_one",
        "ResBlock leaves the BatchNorm weight at its default 1 instead of 0.5",
        {"        nn.init.constant_(self.batch_norm.weight, 0.5)\n": ""},
    ),
    Mutant(
        "cnn_resblock_kaiming_uniform",
        "ResBlock initialises the conv with kaiming_uniform_ instead of kaiming_normal_",
        {"nn.init.kaiming_normal_(": "nn.init.kaiming_uniform_("},
    ),
    Mutant(
        "cnn_variant_float_floor_and_module_list",
        "conv2d_output_size with math.floor of a float division; NetResDeep with an "
        "nn.ModuleList and a loop (correct)",
        {
            CONV_FORMULA: "        o = math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1\n",
            "nn.Sequential(*(ResBlock(n_chans1) for _ in range(n_blocks)))": (
                "nn.ModuleList([ResBlock(n_chans1) for _ in range(n_blocks)])"
            ),
            "        out = nn.functional.max_pool2d(self.resblocks(out), 2)\n": (
                "        for block in self.resblocks:\n"
                "            out = block(out)\n"
                "        out = nn.functional.max_pool2d(out, 2)\n"
            ),
        },
        correct=True,
    ),
    Mutant(
        "cnn_variant_strided_computed_avgpool",
        "make_strided_cnn: ReLU after the last conv and an AvgPool2d sized from image_size "
        "with conv2d_output_size (correct)",
        {
            "        nn.AdaptiveAvgPool2d(1),\n": (
                "        nn.ReLU(),\n"
                "        nn.AvgPool2d(\n"
                "            conv2d_output_size(\n"
                "                conv2d_output_size(conv2d_output_size(image_size, 3, 2, 1), 3, 2, 1),\n"
                "                3,\n"
                "                2,\n"
                "                1,\n"
                "            )\n"
                "        ),\n"
            )
        },
        correct=True,
    ),
]
