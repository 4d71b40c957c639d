"""Mutant catalogue for exercise 2 (softmax): bugs applied to solutions/softmax.py."""

from autograder.authoring.mutation import Mutant, saved_by_windows_editor

_SOFTMAX_TORCH_BODY = (
    "    exps = torch.exp(x - x.amax(dim=dim, keepdim=True).detach())\n"
    "    return exps / exps.sum(dim=dim, keepdim=True)\n"
)

MUTANTS = [
    Mutant(
        "softmax_no_max_subtraction",
        "softmax computes np.exp(x) directly, which overflows to inf / inf = NaN at 1e4",
        {
            "    shifted = x - np.max(x, axis=axis, keepdims=True)\n"
            "    exps = np.exp(shifted)\n": "    exps = np.exp(x)\n"
        },
    ),
    Mutant(
        "softmax_wrong_axis",
        "softmax normalises along axis 0 instead of the axis it was given",
        {
            "exps / np.sum(exps, axis=axis, keepdims=True)": (
                "exps / np.sum(exps, axis=0, keepdims=True)"
            )
        },
    ),
    Mutant(
        "softmax_log_of_softmax",
        "log_softmax is np.log(softmax(x)), -inf (with a warning) where softmax underflows",
        {
            "shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))": (
                "np.log(softmax(x, axis=axis))"
            )
        },
    ),
    Mutant(
        "softmax_one_hot_accepts_fractions",
        "one_hot truncates a label of 2.5 to 2 instead of rejecting it",
        {
            '    if values.dtype.kind == "f" and not np.all(np.isfinite(values) & '
            "(values == np.round(values))):\n"
            '        raise ValueError("labels must be whole numbers")\n': ""
        },
    ),
    Mutant(
        "softmax_one_hot_int_dtype",
        "one_hot returns an int64 array instead of float64",
        {"int(num_classes)), dtype=np.float64)": "int(num_classes)), dtype=np.int64)"},
    ),
    Mutant(
        "softmax_torch_no_max_subtraction",
        "softmax_torch exponentiates the raw input (NaN for entries of 1e4)",
        {"torch.exp(x - x.amax(dim=dim, keepdim=True).detach())": "torch.exp(x)"},
    ),
    Mutant(
        "softmax_torch_calls_torch_softmax",
        "softmax_torch returns torch.softmax(x, dim) (a banned library softmax)",
        {_SOFTMAX_TORCH_BODY: "    return torch.softmax(x, dim)\n"},
    ),
    Mutant(
        "softmax_torch_calls_hidden_softmax",
        "softmax_torch reaches the library softmax through getattr(x, 'soft' + 'max')",
        {_SOFTMAX_TORCH_BODY: '    return getattr(x, "soft" + "max")(dim)\n'},
    ),
    Mutant(
        "softmax_ce_on_softmaxed_scores",
        "cross_entropy applies softmax first and then cross-entropy to the probabilities",
        {
            "    log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)\n": (
                "    probs = softmax_torch(logits, dim=1)\n"
                "    log_probs = probs - torch.logsumexp(probs, dim=1, keepdim=True)\n"
            )
        },
    ),
    Mutant(
        "softmax_ce_log_of_softmax",
        "cross_entropy takes torch.log(softmax_torch(logits)), -inf for logit gaps of 1e4",
        {
            "logits - torch.logsumexp(logits, dim=1, keepdim=True)": (
                "torch.log(softmax_torch(logits, dim=1))"
            )
        },
    ),
    Mutant(
        "softmax_ce_sum_not_mean",
        "cross_entropy sums the per-sample losses instead of averaging them",
        {"return -picked.mean()": "return -picked.sum()"},
    ),
    Mutant(
        "softmax_ce_calls_library",
        "cross_entropy returns torch.nn.functional.cross_entropy(logits, targets)",
        {
            "    return -picked.mean()": "    return torch.nn.functional.cross_entropy(logits, targets)"
        },
    ),
    Mutant(
        "softmax_ce_negative_target_wraps",
        "cross_entropy indexes logits[arange(K), targets] unchecked, so a target -1 picks "
        "the last class",
        {
            "    if targets.numel() and (targets.min() < 0 or targets.max() >= logits.shape[1]):\n"
            '        raise ValueError(f"targets must lie in [0, {logits.shape[1]})")\n': "",
            "log_probs.gather(1, targets.long().unsqueeze(1))": (
                "log_probs[torch.arange(logits.shape[0]), targets]"
            ),
        },
    ),
    Mutant(
        "softmax_variant_logsumexp_and_indexing",
        "softmax_torch as exp(x - logsumexp(x)), cross_entropy with a hand-made "
        "log-sum-exp and fancy indexing, log_softmax with np.log of the sum (correct)",
        {
            _SOFTMAX_TORCH_BODY: "    return torch.exp(x - torch.logsumexp(x, dim=dim, keepdim=True))\n",
            "    log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)\n"
            "    picked = log_probs.gather(1, targets.long().unsqueeze(1))\n"
            "    return -picked.mean()\n": (
                "    top = logits.max(dim=1, keepdim=True).values\n"
                "    lse = top.squeeze(1) + torch.log(torch.exp(logits - top).sum(dim=1))\n"
                "    rows = torch.arange(logits.shape[0])\n"
                "    return (lse - logits[rows, targets]).sum() / logits.shape[0]\n"
            ),
        },
        correct=True,
    ),
    Mutant(
        "softmax_variant_loops",
        "one_hot filled row by row in a loop and softmax normalised with np.apply_along_axis "
        "(correct)",
        {
            "    out[np.arange(values.shape[0]), values.astype(np.int64)] = 1.0\n": (
                "    for row, label in enumerate(values):\n        out[row, int(label)] = 1.0\n"
            ),
            "    return exps / np.sum(exps, axis=axis, keepdims=True)\n": (
                "    return np.apply_along_axis(lambda e: e / e.sum(), axis, exps)\n"
            ),
        },
        correct=True,
    ),
    saved_by_windows_editor("softmax_variant_bom_crlf_tabs"),
    Mutant(
        "softmax_variant_all_and_wrapping_loop",
        "an __all__ naming every function and a loop that wraps each of them by name with a "
        "decorator, through globals() and sys.modules[__name__] (correct)",
        {
            "import numpy as np\n": "import functools\nimport sys\n\nimport numpy as np\n",
            "    return -picked.mean()\n": (
                "    return -picked.mean()\n"
                "\n\n"
                '__all__ = ["softmax", "log_softmax", "one_hot", "softmax_torch", "cross_entropy"]\n'
                "\n\n"
                "def _traced(function):\n"
                "    @functools.wraps(function)\n"
                "    def wrapper(*args, **kwargs):\n"
                "        return function(*args, **kwargs)\n"
                "\n"
                "    return wrapper\n"
                "\n\n"
                "_this = sys.modules[__name__]\n"
                'for _name in ["softmax", "log_softmax", "one_hot"]:\n'
                "    globals()[_name] = _traced(globals()[_name])\n"
                'for _name in ("softmax_torch", "cross_entropy"):\n'
                "    setattr(_this, _name, _traced(getattr(_this, _name)))\n"
            ),
        },
        correct=True,
    ),
    Mutant(
        "softmax_variant_docstrings_name_banned",
        "docstrings, comments and error messages that name torch.softmax, F.cross_entropy "
        "and nn.NLLLoss, and a table of names that is never used to look anything up (correct)",
        {
            "    without any library softmax.": (
                "    without any library softmax (not torch.softmax, Tensor.softmax or\n"
                "    F.softmax: the exercise is to write it).\n"
                '    """\n'
                "    # torch.softmax(x, dim) would be the one-liner.\n"
                '    _unused = """'
            ),
            'raise TypeError("logits and targets must be torch tensors")': (
                'raise TypeError(f"{_LIBRARY[1]}-like loss: logits and targets must be tensors")'
            ),
            "import numpy as np\n": (
                "import numpy as np\n"
                '_LIBRARY = ("F.softmax", "cross_entropy", "nll_loss", "log_softmax")\n'
            ),
        },
        correct=True,
    ),
]
