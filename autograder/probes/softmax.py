"""Probes for the softmax exercise: scenarios that run next to the code under test.

Each probe takes the exercise module first and returns plain data only.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from autograder.probes import _numerics

# (owner, attribute) of every library softmax / log-softmax / NLL / cross-entropy that
# softmax_torch and cross_entropy must not call.
BANNED = (
    (torch, "softmax"),
    (torch, "log_softmax"),
    (torch, "_softmax"),
    (torch, "_log_softmax"),
    (torch.special, "softmax"),
    (torch.special, "log_softmax"),
    (torch.Tensor, "softmax"),
    (torch.Tensor, "log_softmax"),
    (F, "softmax"),
    (F, "log_softmax"),
    (F, "cross_entropy"),
    (F, "nll_loss"),
    (nn.Softmax, "forward"),
    (nn.LogSoftmax, "forward"),
    (nn.CrossEntropyLoss, "forward"),
    (nn.NLLLoss, "forward"),
    (torch._C._nn, "cross_entropy_loss"),
    (torch._C._nn, "nll_loss_nd"),
    (torch._C._nn, "nll_loss"),
)


def strict_call(ex, function: str, *args) -> dict:
    """`ex.<function>(*args)` with floating-point problems raised (see _numerics)."""
    return _numerics.strict_call(getattr(ex, function), *args)


def softmax_torch_grad(ex, x: torch.Tensor, dim: int, weights: torch.Tensor) -> dict:
    """softmax_torch(x, dim) and the gradient of sum(weights * softmax) w.r.t. x."""
    leaf = x.detach().clone().requires_grad_(True)
    out = ex.softmax_torch(leaf, dim)
    (grad,) = torch.autograd.grad((out * weights.to(out.dtype)).sum(), leaf)
    return {"value": out.detach(), "grad": grad}


def cross_entropy_grad(ex, logits: torch.Tensor, targets: torch.Tensor) -> dict:
    """cross_entropy(logits, targets) and its gradient w.r.t. the logits."""
    leaf = logits.detach().clone().requires_grad_(True)
    loss = ex.cross_entropy(leaf, targets)
    if not isinstance(loss, torch.Tensor):
        raise TypeError(f"cross_entropy returned a {type(loss).__name__}, not a tensor")
    (grad,) = torch.autograd.grad(loss.sum(), leaf)
    return {"value": loss.detach(), "grad": grad}


def gradcheck(ex, function: str, x: torch.Tensor, arg) -> str:
    """torch.autograd.gradcheck of `function(x, arg)` in float64; "" when it passes."""
    leaf = x.detach().to(torch.float64).requires_grad_(True)
    target = getattr(ex, function)
    try:
        ok = torch.autograd.gradcheck(lambda t: target(t, arg), (leaf,), eps=1e-6, atol=1e-5)
    except RuntimeError as error:  # GradcheckError
        return str(error).splitlines()[0][:200]
    return "" if ok else "gradcheck failed"


def banned_calls(ex, x: torch.Tensor, dim: int, logits: torch.Tensor, targets) -> list[str]:
    """Run softmax_torch and cross_entropy (forward and backward) with every banned library
    function replaced by a recorder that passes the call through. Names the module binds
    to a banned function are wrapped too. Returns the banned functions that were called."""
    called: set[str] = set()
    saved: list[tuple[object, str, object, bool]] = []

    def recorder(label: str, original):
        def record(*args, **kwargs):
            called.add(label)
            return original(*args, **kwargs)

        return record

    originals = {}
    try:
        for owner, name in BANNED:
            if not hasattr(owner, name):
                continue
            original = getattr(owner, name)
            own = name in vars(owner)
            saved.append((owner, name, vars(owner).get(name), own))
            label = f"{getattr(owner, '__name__', owner)}.{name}"
            originals[id(original)] = label
            setattr(owner, name, recorder(label, original))
        for name, value in list(vars(ex).items()):
            if id(value) in originals:
                saved.append((ex, name, value, True))
                setattr(ex, name, recorder(originals[id(value)], value))
        leaf = x.detach().clone().requires_grad_(True)
        ex.softmax_torch(leaf, dim).sum().backward()
        leaf = logits.detach().clone().requires_grad_(True)
        ex.cross_entropy(leaf, targets).backward()
    finally:
        for owner, name, value, own in reversed(saved):
            if own:
                setattr(owner, name, value)
            else:
                delattr(owner, name)
    return sorted(called)
