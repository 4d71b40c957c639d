"""Probes for the cnn exercise: scenarios that run next to the code under test.

Each probe takes the exercise module first and returns plain data only. Networks are
compared by giving student and reference models the same weights, filled from one seeded
generator in the order their modules run (see `probes.dnn.fill_in_call_order`).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from autograder.judge.student import exception_kinds
from autograder.probes.dnn import fill_in_call_order, seeded_randn


def _outcome(fn, *args, **kwargs):
    """The result as plain data, or {"error": exception class names, "message": text}."""
    try:
        result = fn(*args, **kwargs)
    except Exception as exc:  # the tests decide which exceptions are right
        return {"error": list(exception_kinds(type(exc))), "message": str(exc)}
    if isinstance(result, tuple | list):
        return {"tuple": isinstance(result, tuple), "value": [_plain_int(v) for v in result]}
    return {
        "int": isinstance(result, int) and not isinstance(result, bool),
        "value": _plain_int(result),
    }


def _plain_int(value):
    try:
        return int(value) if int(value) == value else float(value)
    except (TypeError, ValueError):
        return repr(value)


def size_grid(ex, function: str, cases: list) -> dict:
    """`ex.<function>(*args, **kwargs)` for every `(args, kwargs)` case, as the distinct
    outcomes and, per case, the index of its own: a grid of a thousand cases has few
    distinct outcomes (a stub raises the same error for every one), and only those need
    encoding, sending and decoding. `expand_grid` gives the list of outcomes back."""
    fn = getattr(ex, function)
    outcomes: list[dict] = []
    positions: dict[str, int] = {}
    index = []
    for args, kwargs in cases:
        outcome = _outcome(fn, *args, **kwargs)
        key = repr(outcome)  # plain data: equal outcomes have equal reprs
        if key not in positions:
            positions[key] = len(outcomes)
            outcomes.append(outcome)
        index.append(positions[key])
    return {"outcomes": outcomes, "index": index}


def expand_grid(grid: dict, count: int) -> list[dict]:
    """The outcome of each of the `count` cases of a `size_grid` result, in order, each its
    own dict. (A reply of any other shape raises: it came from a tampered sandbox.)"""
    outcomes, index = grid["outcomes"], grid["index"]
    if len(index) != count or not all(type(i) is int and 0 <= i < len(outcomes) for i in index):
        raise ValueError("a size grid with an index that does not match its cases")
    return [dict(outcomes[i]) for i in index]


class ForwardNotAllowed(RuntimeError):
    pass


def _refuse(*args, **kwargs):
    raise ForwardNotAllowed("output_shape must compute shapes without running the layers")


_PARAMETRIZED = {"Conv2d", "BatchNorm2d", "Linear", "LSTM"}


def build_layers(spec: list, refuse_forward: bool) -> list[nn.Module]:
    """Layers from `[(nn class name, args, kwargs), ...]`; with `refuse_forward` their
    parameters live on the meta device and calling a layer raises."""
    layers = []
    for name, args, kwargs in spec:
        kwargs = dict(kwargs)
        if refuse_forward and name in _PARAMETRIZED:
            kwargs["device"] = "meta"
        layer = getattr(nn, name)(*args, **kwargs)
        if refuse_forward:
            layer.forward = _refuse
        layers.append(layer)
    return layers


def output_shape_scenario(
    ex, spec: list, input_shape: tuple, container: str, refuse_forward: bool
) -> dict:
    """`ex.output_shape` for layers built from `spec`, given as an nn.Sequential or a list."""
    layers = build_layers(spec, refuse_forward)
    if container == "sequential":
        layers = nn.Sequential(*layers)
    return _outcome(ex.output_shape, layers, input_shape)


def model_forward(
    ex, cls_name: str, args: tuple, input_shape: tuple, seed: int, train_mode: bool
) -> dict:
    """Parameter counts and the output, with seeded weights (and BatchNorm statistics),
    of `ex.<cls_name>(*args)` in train or eval mode."""
    torch.manual_seed(seed)
    model = getattr(ex, cls_name)(*args)
    x = seeded_randn(input_shape, seed)
    info = {
        "n_params": sum(p.numel() for p in model.parameters()),
        "n_tensors": len(list(model.parameters())),
        "n_registered": len(list(model.named_parameters(remove_duplicate=False))),
        "n_convs": len({id(m) for m in model.modules() if isinstance(m, nn.Conv2d)}),
        "filled": fill_in_call_order(model, x, seed + 1),
    }
    model.train(train_mode)
    with torch.no_grad():
        info["out"] = model(x)
    return info


def resblock_init(ex, n_chans: int, seed: int) -> dict:
    """A fresh ResBlock's conv and BatchNorm: biases, BN weights, and the conv weights'
    std and tail compared with Kaiming-normal (fan_in, ReLU gain)."""
    torch.manual_seed(seed)
    block = ex.ResBlock(n_chans)
    convs = [m for m in block.modules() if isinstance(m, nn.Conv2d)]
    bns = [m for m in block.modules() if isinstance(m, nn.BatchNorm2d)]
    info: dict = {"n_convs": len(convs), "n_bns": len(bns)}
    if len(convs) != 1 or len(bns) != 1:
        return info
    conv, bn = convs[0], bns[0]
    w = conv.weight.detach()
    fan_in = w[0].numel()
    std = math.sqrt(2 / fan_in)
    info.update(
        conv_shape=tuple(w.shape),
        conv_settings=(tuple(conv.kernel_size), tuple(conv.padding), tuple(conv.stride)),
        conv_bias=conv.bias is not None,
        std_ratio=float(w.std()) / std,
        # beyond sqrt(3) std: ~8 % of a normal sample, none of a uniform one
        tail_fraction=float((w.abs() > math.sqrt(3) * std).float().mean()),
        bn_weight=bn.weight.detach().clone(),
        bn_bias=bn.bias.detach().clone(),
    )
    return info


def net_res_deep_blocks(ex, n_chans1: int, n_blocks: int) -> dict:
    """How many ResBlocks a NetResDeep holds and how many of them are distinct objects,
    and its parameter counts (distinct tensors vs registrations)."""
    torch.manual_seed(0)
    model = ex.NetResDeep(n_chans1, n_blocks)
    blocks = [
        m for _, m in model.named_modules(remove_duplicate=False) if isinstance(m, ex.ResBlock)
    ]
    return {
        "n_blocks": len(blocks),
        "n_distinct": len({id(b) for b in blocks}),
        "n_params": sum(p.numel() for p in model.parameters()),
        "n_tensors": len(list(model.parameters())),
        "n_registered": len(list(model.named_parameters(remove_duplicate=False))),
    }


def strided_cnn(
    ex, image_size: int | None, n_classes: int | None, in_channels: int | None, n_samples: int
) -> dict:
    """make_strided_cnn (None: argument left at its default): its convolutions' settings,
    the output for a seeded batch, and the spatial mean of the last conv's output."""
    kwargs = {
        k: v
        for k, v in (
            ("image_size", image_size),
            ("n_classes", n_classes),
            ("in_channels", in_channels),
        )
        if v is not None
    }
    torch.manual_seed(1234 + n_samples)
    model = ex.make_strided_cnn(**kwargs)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    size, channels = kwargs.get("image_size", 64), kwargs.get("in_channels", 1)
    x = seeded_randn((n_samples, channels, size, size), 1234 + n_samples)
    captured = []
    handle = convs[-1].register_forward_hook(lambda m, i, o: captured.append(o)) if convs else None
    with torch.no_grad():
        out = model(x)
    if handle is not None:
        handle.remove()
    info = {
        "is_sequential": isinstance(model, nn.Sequential),
        "convs": [
            (tuple(c.kernel_size), tuple(c.stride), tuple(c.padding), c.in_channels, c.out_channels)
            for c in convs
        ],
        "out": out,
    }
    if captured and captured[-1].dim() == 4:
        z = captured[-1]
        info["mean_last_conv"] = z.mean(dim=(2, 3))
        info["mean_relu_last_conv"] = torch.relu(z).mean(dim=(2, 3))
    return info
