"""Probes for the dnn exercise: scenarios that run next to the code under test.

Each probe takes the exercise module first and returns plain data only. Models built by
student and reference code are compared by giving both the same weights: the probe records
the order in which modules with parameters run in a forward pass and fills their
parameters from one seeded generator in that order, so any attribute naming or
registration order gives the same network.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def seeded_randn(shape, seed: int) -> torch.Tensor:
    """Inputs from their own generator: model constructors may draw from the global one."""
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def fill_in_call_order(model: nn.Module, x: torch.Tensor, seed: int) -> int:
    """Seeded values for the parameters and BatchNorm buffers of every module `model` runs
    on `x`, in the order they run. Returns the number of distinct modules filled."""
    order: list[nn.Module] = []
    seen: set[int] = set()

    def record(module: nn.Module, _inputs: object, _output: object) -> None:
        if id(module) not in seen and (
            any(True for _ in module.parameters(recurse=False))
            or any(True for _ in module.buffers(recurse=False))
        ):
            seen.add(id(module))
            order.append(module)

    hooks = [m.register_forward_hook(record) for m in model.modules()]
    was_training = model.training
    try:
        with torch.no_grad():
            model.eval()(x)
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in order:
            for _, p in module.named_parameters(recurse=False):
                noise = torch.randn(p.shape, generator=gen, dtype=torch.float64)
                scale = 1 / math.sqrt(p[0].numel()) if p.dim() > 1 else 0.5
                p.copy_(noise * scale)
            for name, b in module.named_buffers(recurse=False):
                if not b.is_floating_point():
                    continue
                values = torch.rand(b.shape, generator=gen, dtype=torch.float64)
                b.copy_(values + 0.5 if "var" in name else values - 0.5)
    return len(order)


def registration(model: nn.Module) -> dict:
    """Parameter counts: distinct tensors, registrations (duplicates included), scalars."""
    return {
        "n_params": sum(p.numel() for p in model.parameters()),
        "n_tensors": len(list(model.parameters())),
        "n_registered": len(list(model.named_parameters(remove_duplicate=False))),
    }


def dense_forward(ex, cls_name: str, n_in: int, n_out: int, n_samples: int, seed: int) -> dict:
    """A DenseReLU/DenseNoReLU layer: its fc, and its output with seeded weights."""
    torch.manual_seed(seed)
    layer = getattr(ex, cls_name)(n_in, n_out)
    fc = getattr(layer, "fc", None)
    x = seeded_randn((n_samples, n_in), seed)
    fill_in_call_order(layer, x, seed + 1)
    with torch.no_grad():
        out = layer(x)
    return {
        "fc_is_linear": isinstance(fc, nn.Linear),
        "fc_shape": (fc.in_features, fc.out_features) if isinstance(fc, nn.Linear) else None,
        "out": out,
        **registration(layer),
    }


def net_forward(ex, cls_name: str, n_x: int, n_h, n_y: int, input_shape, seed: int) -> dict:
    """A DeepNeuralNet/ShallowNeuralNet: parameter counts, the layout of `self.layers`
    (for DeepNeuralNet), and its logits with seeded weights."""
    torch.manual_seed(seed)
    model = getattr(ex, cls_name)(n_x, n_h, n_y)
    x = seeded_randn(input_shape, seed)
    info = registration(model)
    layers = getattr(model, "layers", None)
    info["layers_is_sequential"] = isinstance(layers, nn.Sequential)
    if isinstance(layers, nn.Sequential):
        children = list(layers)
        if children and isinstance(children[0], nn.Flatten):
            children = children[1:]
        kinds = []
        for child in children:
            if isinstance(child, ex.DenseReLU):
                kinds.append("DenseReLU")
            elif isinstance(child, ex.DenseNoReLU):
                kinds.append("DenseNoReLU")
            else:
                kinds.append("other")
        info["layer_kinds"] = kinds
        info["layers_params"] = sum(p.numel() for p in layers.parameters())
    info["filled"] = fill_in_call_order(model, x, seed + 1)
    with torch.no_grad():
        info["out"] = model(x)
    return info


def count_scenario(ex, trainable_only: bool | None) -> dict:
    """count_parameters on a model with a frozen layer, a frozen bias and BatchNorm buffers
    (`None`: called without the keyword)."""
    model = nn.Sequential(
        nn.Conv2d(2, 3, 3),
        nn.BatchNorm2d(3),
        nn.Flatten(),
        nn.Linear(12, 7),
        nn.ReLU(),
        nn.Linear(7, 5),
    )
    model[0].requires_grad_(False)
    model[5].bias.requires_grad_(False)
    if trainable_only is None:
        result = ex.count_parameters(model)
    else:
        result = ex.count_parameters(model, trainable_only=trainable_only)
    return {
        "value": int(result),
        "is_int": isinstance(result, int) and not isinstance(result, bool),
    }


def penalty_scenario(ex, name: str, seed: int) -> dict:
    """A float64 model with a frozen layer and BatchNorm running statistics: the penalty's
    value, whether it is a tensor in the graph, and the gradients backward gives."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 3)).double()
    with torch.no_grad():
        model[1].running_mean.uniform_(1.0, 3.0)
        model[1].running_var.uniform_(2.0, 4.0)
        model[1].weight.uniform_(-2.0, 2.0)
    model[0].requires_grad_(False)
    penalty = getattr(ex, name)(model)
    info: dict = {"is_tensor": isinstance(penalty, torch.Tensor)}
    if not info["is_tensor"]:
        info.update(value=float(penalty), numel=1, requires_grad=False, grads=None)
        info["frozen_grad"] = False
        return info
    info["numel"] = penalty.numel()
    info["value"] = float(penalty.detach().reshape(-1)[0]) if penalty.numel() == 1 else None
    info["requires_grad"] = bool(penalty.requires_grad)
    if penalty.requires_grad and penalty.numel() == 1:
        penalty.sum().backward()
        info["grads"] = [
            torch.zeros_like(p) if p.grad is None else p.grad.clone()
            for p in model.parameters()
            if p.requires_grad
        ]
    else:
        info["grads"] = None
    info["frozen_grad"] = any(p.grad is not None for p in model[0].parameters())
    return info


def xavier_scenario(ex, seed: int) -> dict:
    """xavier_init_ on a model whose parameters all start at 7: per Linear/Conv2d layer the
    Xavier-uniform bound, the largest |weight|, the weights' std and the largest |bias|;
    whether BatchNorm was left alone and whether the model itself came back."""
    torch.manual_seed(seed)
    conv = nn.Conv2d(3, 16, 5)
    first = nn.Linear(400, 120)
    last = nn.Linear(120, 60, bias=False)
    bn = nn.BatchNorm2d(16)
    model = nn.Sequential(conv, nn.ReLU(), bn, nn.Sequential(nn.Flatten(), first), last)
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(7.0)
    result = ex.xavier_init_(model)
    layers = []
    for layer in (conv, first, last):
        w = layer.weight.detach()
        fan_in, fan_out = w[0].numel(), w.shape[0] * w[0, 0].numel()
        layers.append(
            {
                "bound": math.sqrt(6 / (fan_in + fan_out)),
                "max_abs": float(w.abs().max()),
                "std": float(w.std()),
                "bias_max_abs": None if layer.bias is None else float(layer.bias.abs().max()),
            }
        )
    return {
        "layers": layers,
        "bn_untouched": bool((bn.weight == 7.0).all() and (bn.bias == 7.0).all()),
        "returned_model": result is model,
    }
