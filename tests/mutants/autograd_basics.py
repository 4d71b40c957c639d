"""Mutant catalogue for exercise 3 (autograd_basics): bugs applied to
solutions/autograd_basics.py."""

from autograder.authoring.mutation import Mutant

MUTANTS = [
    Mutant(
        "autograd_basics_grad_accumulates",
        "grad_at sets x.requires_grad_(True), calls f(x).backward() and returns x.grad, so a "
        "second call returns twice the gradient and x is changed",
        {
            "    leaf = x.detach().clone().requires_grad_(True)\n": "    leaf = x.requires_grad_(True)\n",
            "    (grad,) = torch.autograd.grad(value, leaf, allow_unused=True)\n"
            "    return torch.zeros_like(x) if grad is None else grad.detach()": "    value.backward()\n    return leaf.grad",
        },
    ),
    Mutant(
        "autograd_basics_grad_flips_requires_grad",
        "grad_at calls x.requires_grad_(True) on the caller's tensor instead of on a copy",
        {
            "    leaf = x.detach().clone().requires_grad_(True)\n": "    leaf = x.requires_grad_(True)\n"
        },
    ),
    Mutant(
        "autograd_basics_grad_constant_f_fails",
        "grad_at differentiates without handling an f that does not depend on x (torch raises)",
        {
            "    if not value.requires_grad:  # f does not depend on x at all\n"
            "        return torch.zeros_like(x)\n": ""
        },
    ),
    Mutant(
        "autograd_basics_grad_sums_vector_output",
        "grad_at calls f(x).sum(), silently differentiating a vector-valued f",
        {'    value = _scalar(f(leaf), "f(x)")': "    value = f(leaf).sum()"},
    ),
    Mutant(
        "autograd_basics_gd_loss_after_step",
        "gradient_descent records f(x) after each update instead of before it",
        {
            "        losses.append(float(loss.item()))\n": "",
            "            x -= lr * grad\n": "            x -= lr * grad\n"
            "            losses.append(float(f(x).item()))\n",
        },
    ),
    Mutant(
        "autograd_basics_gd_not_detached",
        "gradient_descent returns x itself, which still requires grad",
        {"    return x.detach(), losses": "    return x, losses"},
    ),
    Mutant(
        "autograd_basics_gd_modifies_x0",
        "gradient_descent starts from x0.detach() without clone, so the update writes into x0",
        {
            "    x = x0.detach().clone().requires_grad_(True)": "    x = x0.detach().requires_grad_(True)"
        },
    ),
    Mutant(
        "autograd_basics_gd_grad_accumulates",
        "gradient_descent calls loss.backward() every step but never zeroes x.grad",
        {
            "        (grad,) = torch.autograd.grad(loss, x)\n": "        loss.backward()\n        grad = x.grad\n"
        },
    ),
    Mutant(
        "autograd_basics_linreg_seed_ignored",
        "fit_linear_regression always seeds with 0 instead of the seed argument",
        {
            "    torch.manual_seed(seed)  # the initial weights": "    torch.manual_seed(0)",
            "generator=torch.Generator().manual_seed(seed),": "generator=torch.Generator().manual_seed(0),",
        },
    ),
    Mutant(
        "autograd_basics_linreg_unseeded",
        "fit_linear_regression never seeds the initial weights (two calls give two models)",
        {"    torch.manual_seed(seed)  # the initial weights\n": ""},
    ),
    Mutant(
        "autograd_basics_linreg_no_shuffle",
        "fit_linear_regression builds its DataLoader with shuffle=False",
        {"        shuffle=True,\n": "        shuffle=False,\n"},
    ),
    Mutant(
        "autograd_basics_linreg_broadcast_targets",
        "fit_linear_regression keeps targets of shape (B,) so MSELoss broadcasts (B, 1) "
        "against (B,)",
        {"    targets = y.to(torch.float32).reshape(-1, 1)": "    targets = y.to(torch.float32)"},
    ),
    Mutant(
        "autograd_basics_variant_backward_on_copy",
        "grad_at calls backward() on a fresh copy of x and returns the copy's .grad; "
        "gradient_descent uses backward() and clears x.grad each step (correct)",
        {
            "    (grad,) = torch.autograd.grad(value, leaf, allow_unused=True)\n"
            "    return torch.zeros_like(x) if grad is None else grad.detach()": "    value.backward()\n"
            "    return torch.zeros_like(x) if leaf.grad is None else leaf.grad",
            "        (grad,) = torch.autograd.grad(loss, x)\n": "        loss.backward()\n"
            "        grad = x.grad.clone()\n        x.grad = None\n",
        },
        correct=True,
    ),
    Mutant(
        "autograd_basics_variant_data_update",
        "gradient_descent updates x.data in place and appends loss.item(); fit_linear_regression "
        "takes its shuffling from a seeded RandomSampler (correct)",
        {
            "        with torch.no_grad():\n            x -= lr * grad\n": "        x.data.sub_(lr * grad)\n",
            "        losses.append(float(loss.item()))": "        losses.append(loss.item())",
            "        shuffle=True,\n        generator=torch.Generator().manual_seed(seed),": "        sampler=torch.utils.data.RandomSampler(\n"
            "            features, generator=torch.Generator().manual_seed(seed + 1)\n        ),",
        },
        correct=True,
    ),
]
