"""The exercise contract in machine-readable form: every public name and its parameters.

Mirrors `exercise-api.md`. `tests/engine/test_contract.py` checks that `exercises/` and
`solutions/` both define each name with exactly these parameters (names, order, defaults),
so stubs and solutions cannot drift from each other or from the contract.
"""

from __future__ import annotations

# exercise -> {name: parameters as written in the contract}; None marks a constant.
# For a class, the parameters are those of its constructor.
CONTRACT: dict[str, dict[str, str | None]] = {
    "numpy_backprop": {
        "logistic": "z",
        "forward_binary": "w, b, X",
        "binary_cross_entropy": "y, q, eps=1e-12",
        "backward_binary": "y, q, X",
        "forward_multiclass": "W, b, X",
        "categorical_cross_entropy": "Y, Q, eps=1e-12",
        "backward_multiclass": "Y, Q, X",
        "forward_two_layer": "W1, b1, w2, b2, X",
        "backward_two_layer": "y, q, H, X, w2",
        "numerical_gradient": "f, x, h=1e-05",
        "train_binary": "X, y, lr=0.1, epochs=100",
    },
    "softmax": {
        "softmax": "x, axis=-1",
        "log_softmax": "x, axis=-1",
        "one_hot": "labels, num_classes",
        "softmax_torch": "x, dim=-1",
        "cross_entropy": "logits, targets",
    },
    "autograd_basics": {
        "grad_at": "f, x",
        "gradient_descent": "f, x0, lr, n_steps",
        "fit_linear_regression": "X, y, lr=0.01, epochs=100, batch_size=32, seed=0",
    },
    "datasets": {
        "AMES_COLUMNS": None,
        "AmesHousingDataset": "file_path",
        "simplify_ames": "raw_table, out_path",
        "make_dataloader": "dataset, batch_size=32, shuffle=True, seed=None",
        "split_dataset": "dataset, fractions=(0.7, 0.15, 0.15), seed=0",
        "channel_mean_std": "dataset, batch_size=1024",
        "mnist_transform": "mean=0.1307, std=0.3081",
    },
    "dnn": {
        "DenseReLU": "n_in, n_out",
        "DenseNoReLU": "n_in, n_out",
        "DeepNeuralNet": "n_x, n_h, n_y",
        "ShallowNeuralNet": "n_x, n_h, n_y",
        "count_parameters": "model, trainable_only=True",
        "l1_penalty": "model",
        "l2_penalty": "model",
        "xavier_init_": "model",
    },
    "training": {
        "train_epoch": "model, loader, loss_fn, optimizer, device='cpu'",
        "evaluate": "model, loader, loss_fn, device='cpu'",
        "fit": "model, train_loader, val_loader, loss_fn, optimizer, epochs, device='cpu'",
        "train_classifier": "X, y, seed=0",
    },
    "cnn": {
        "conv2d_output_size": "size, kernel_size, stride=1, padding=0, dilation=1",
        "pool2d_output_size": (
            "size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False"
        ),
        "output_shape": "layers, input_shape",
        "CifarNet": "",
        "ResBlock": "n_chans",
        "NetResDeep": "n_chans1=32, n_blocks=10",
        "make_strided_cnn": "image_size=64, n_classes=10, in_channels=1",
    },
    "metrics": {
        "binary_accuracy": "y_true, q, threshold=0.5",
        "multiclass_accuracy": "y_true, scores",
        "confusion_matrix": "y_true, y_pred, num_classes",
        "per_class_accuracy": "cm",
        "loader_accuracy": "model, loader, device='cpu'",
    },
    "timing": {
        "pick_device": "",
        "time_matmul": "n, device, repeats=10, warmup=2, dtype=torch.float32",
        "time_numpy_matmul": "n, repeats=10, warmup=2",
        "matmul_gflops": "n, seconds",
        "compare_devices": "sizes=(256, 512, 1024), repeats=5",
    },
}
