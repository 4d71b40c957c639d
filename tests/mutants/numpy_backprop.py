"""Mutant catalogue for exercise 1 (numpy_backprop): bugs applied to
solutions/numpy_backprop.py."""

from autograder.authoring.mutation import Mutant, saved_by_windows_editor

MUTANTS = [
    Mutant(
        "numpy_backprop_tanh_derivative_squared_difference",
        "backward_two_layer uses (1 - H)**2 as the tanh derivative instead of 1 - H**2",
        {"np.outer(dz2, w2) * (1 - H**2)": "np.outer(dz2, w2) * (1 - H) ** 2"},
    ),
    Mutant(
        "numpy_backprop_binary_grad_missing_div_K",
        "backward_binary returns X.T @ (q - y) without dividing by K",
        {
            "return X.T @ residual / K, float(np.mean(residual))": (
                "return X.T @ residual, float(np.mean(residual))"
            )
        },
    ),
    Mutant(
        "numpy_backprop_two_layer_missing_div_K",
        "backward_two_layer starts from dz2 = q - y, the gradient of the summed loss",
        {"dz2 = (q - y) / K": "dz2 = q - y"},
    ),
    Mutant(
        "numpy_backprop_unstable_logistic",
        "logistic is 1 / (1 + np.exp(-z)), which overflows with a warning for z = -1e4",
        {
            "    out = np.empty_like(z)\n"
            "    positive = z >= 0\n"
            "    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))\n"
            "    ez = np.exp(z[~positive])\n"
            "    out[~positive] = ez / (1.0 + ez)\n": "    out = 1.0 / (1.0 + np.exp(-z))\n"
        },
    ),
    Mutant(
        "numpy_backprop_bce_clip_only_below",
        "binary_cross_entropy clips q to [eps, 1], so q = 1 with y = 0 gives log(0)",
        {
            'np.clip(_float_array(q, "q", 1), eps, 1 - eps)': 'np.clip(_float_array(q, "q", 1), eps, 1)'
        },
    ),
    Mutant(
        "numpy_backprop_numgrad_not_restored",
        "numerical_gradient leaves each entry of x at x - h instead of restoring it",
        {
            "        try:\n"
            "            x[index] = original + h\n"
            "            f_plus = float(f(x))\n"
            "            x[index] = original - h\n"
            "            f_minus = float(f(x))\n"
            "        finally:\n"
            "            x[index] = original\n": "        x[index] = original + h\n"
            "        f_plus = float(f(x))\n"
            "        x[index] = original - h\n"
            "        f_minus = float(f(x))\n"
        },
    ),
    Mutant(
        "numpy_backprop_numgrad_one_sided",
        "numerical_gradient uses the forward difference (f(x + h) - f(x)) / h",
        {
            "x[index] = original - h\n": "x[index] = original\n",
            "(f_plus - f_minus) / (2 * h)": "(f_plus - f_minus) / h",
        },
    ),
    Mutant(
        "numpy_backprop_train_loss_after_update",
        "train_binary records the loss after the update instead of before it",
        {
            "        losses.append(binary_cross_entropy(y, q))\n"
            "        w_grad, b_grad = backward_binary(y, q, X)\n"
            "        w = w - lr * w_grad\n"
            "        b = b - lr * b_grad\n": "        w_grad, b_grad = backward_binary(y, q, X)\n"
            "        w = w - lr * w_grad\n"
            "        b = b - lr * b_grad\n"
            "        losses.append(binary_cross_entropy(y, forward_binary(w, b, X)))\n"
        },
    ),
    Mutant(
        "numpy_backprop_multiclass_no_max_shift",
        "forward_multiclass exponentiates the raw logits (overflow for large logits)",
        {"np.exp(logits - logits.max(axis=1, keepdims=True))": "np.exp(logits)"},
    ),
    Mutant(
        "numpy_backprop_cce_sum_not_mean",
        "categorical_cross_entropy sums over the samples instead of averaging",
        {
            "float(-np.mean(np.sum(Y * np.log(np.clip(Q, eps, 1.0)), axis=1)))": (
                "float(-np.sum(Y * np.log(np.clip(Q, eps, 1.0))))"
            )
        },
    ),
    Mutant(
        "numpy_backprop_multiclass_bias_sum",
        "backward_multiclass sums Q - Y over samples for b_grad instead of averaging",
        {"delta.mean(axis=0)": "delta.sum(axis=0)"},
    ),
    Mutant(
        "numpy_backprop_logistic_via_torch",
        "logistic calls torch.sigmoid on a tensor made from z (the exercise is NumPy only)",
        {
            "    out = np.empty_like(z)\n"
            "    positive = z >= 0\n"
            "    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))\n"
            "    ez = np.exp(z[~positive])\n"
            "    out[~positive] = ez / (1.0 + ez)\n": "    import torch\n\n"
            "    out = torch.sigmoid(torch.from_numpy(z)).numpy()\n"
        },
    ),
    Mutant(
        "numpy_backprop_variant_logaddexp_and_copies",
        "logistic via exp(-logaddexp(0, -z)), numerical_gradient on copies of x, in-place "
        "updates in train_binary, losses as NumPy floats (correct)",
        {
            "return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))": (
                "return -np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))"
            ),
            "    out = np.empty_like(z)\n"
            "    positive = z >= 0\n"
            "    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))\n"
            "    ez = np.exp(z[~positive])\n"
            "    out[~positive] = ez / (1.0 + ez)\n": "    out = np.exp(-np.logaddexp(0.0, -z))\n",
            "        original = x[index]\n"
            "        try:\n"
            "            x[index] = original + h\n"
            "            f_plus = float(f(x))\n"
            "            x[index] = original - h\n"
            "            f_minus = float(f(x))\n"
            "        finally:\n"
            "            x[index] = original\n": "        plus, minus = x.copy(), x.copy()\n"
            "        plus[index] += h\n"
            "        minus[index] -= h\n"
            "        f_plus, f_minus = f(plus), f(minus)\n",
            "        w = w - lr * w_grad\n": "        w -= lr * w_grad\n",
        },
        correct=True,
    ),
    Mutant(
        "numpy_backprop_variant_two_layer_loops",
        "backward_two_layer accumulated sample by sample in a Python loop (correct)",
        {
            "    dA1 = np.outer(dz2, w2) * (1 - H**2)\n"
            "    return dA1.T @ X, dA1.sum(axis=0), H.T @ dz2, float(dz2.sum())\n": (
                "    W1_grad = np.zeros((H.shape[1], X.shape[1]))\n"
                "    b1_grad = np.zeros(H.shape[1])\n"
                "    w2_grad = np.zeros(H.shape[1])\n"
                "    b2_grad = 0.0\n"
                "    for k in range(K):\n"
                "        w2_grad += dz2[k] * H[k]\n"
                "        b2_grad += dz2[k]\n"
                "        da = dz2[k] * w2 * (1 - H[k] ** 2)\n"
                "        W1_grad += np.outer(da, X[k])\n"
                "        b1_grad += da\n"
                "    return W1_grad, b1_grad, w2_grad, b2_grad\n"
            )
        },
        correct=True,
    ),
    saved_by_windows_editor("numpy_backprop_variant_bom_crlf", tabs=False),
    Mutant(
        "numpy_backprop_variant_all_and_decorator",
        "an __all__, a decorator that wraps every public function, and text naming torch "
        "in a docstring, a message and a constant (correct)",
        {
            "import numpy as np\n": (
                "import functools\n\nimport numpy as np\n\n"
                'NOT_ALLOWED = "torch"  # this exercise is NumPy only\n'
                "\n\n"
                "def _checked(function):\n"
                '    """Wraps a function; unlike torch, NumPy needs no autograd here."""\n'
                "\n"
                "    @functools.wraps(function)\n"
                "    def wrapper(*args, **kwargs):\n"
                "        return function(*args, **kwargs)\n"
                "\n"
                "    return wrapper\n"
            ),
            "def logistic(z: np.ndarray) -> np.ndarray:": (
                "@_checked\ndef logistic(z: np.ndarray) -> np.ndarray:"
            ),
            "def forward_binary(": "@_checked\ndef forward_binary(",
            'raise TypeError(f"{name} must be a NumPy array, got {type(value).__name__}")': (
                'raise TypeError(f"{name} must be a NumPy array (not a torch tensor), got "'
                ' f"{type(value).__name__}")'
            ),
            "    return w, b, losses\n": (
                "    return w, b, losses\n\n\n"
                '__all__ = ["logistic", "forward_binary", "train_binary", "numerical_gradient"]\n'
            ),
        },
        correct=True,
    ),
]
