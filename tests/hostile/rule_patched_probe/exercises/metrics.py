# hostile: appended to the reference solution
"""loader_accuracy gives the right accuracy but breaks the rules: it runs the model in
train mode with gradients and changes its parameters. At import it rewrites the probe that
checks those rules (its code object, so every holder of the function is fooled) to report
nothing wrong. Rules are decided on the trusted side: the module reaches into the grader,
so its rule tests earn nothing; its value tests still pass."""

import importlib
import types

import torch

_reference_loader_accuracy = loader_accuracy  # noqa: F821 (defined by the reference above)


def loader_accuracy(model, loader, device="cpu"):
    accuracy = _reference_loader_accuracy(model, loader, device)
    model.train()
    for inputs, _labels in loader:
        model(inputs).sum().backward()  # leaves .grad everywhere
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(1.0)
    return accuracy


def _forged(*args, **kwargs):
    result = _honest_scenario(*args, **kwargs)  # noqa: F821 (resolved in the probe's module)
    return {**result, "unchanged": True, "any_grad": False}


try:
    _probes = importlib.import_module("autograder.probes.metrics")
    _scenario = _probes.loader_accuracy_scenario
    _probes._honest_scenario = types.FunctionType(
        _scenario.__code__, _scenario.__globals__, "honest", _scenario.__defaults__
    )
    _scenario.__code__ = _forged.__code__
except ImportError:
    pass
