"""Probes for the training exercise: seeded small nets (with BatchNorm1d and Dropout, so
train and eval mode give different numbers and evaluation in train mode moves BatchNorm's
running statistics) trained and evaluated by the code under test.

Each probe takes the exercise module first and returns plain data only.
"""

from __future__ import annotations

import functools
import importlib.util
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

N_FEATURES, N_CLASSES = 5, 4


def _net(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(
        # No bias before BatchNorm: its gradient is zero up to rounding, and Adam would turn
        # that rounding noise into full-size steps that differ between thread counts.
        nn.Linear(N_FEATURES, 12, bias=False),
        nn.BatchNorm1d(12),
        nn.ReLU(),
        nn.Dropout(0.4),
        nn.Linear(12, N_CLASSES),
    )


def _loader(seed: int, n: int, batch_size: int, shuffle: bool = False) -> DataLoader:
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, N_FEATURES, generator=gen) * 2 + 0.5
    y = torch.randint(0, N_CLASSES, (n,), generator=gen)
    # Every loader has its own generator: iterating it never touches the global RNG,
    # which drives Dropout.
    return DataLoader(
        TensorDataset(x, y),
        batch_size=batch_size,
        shuffle=shuffle,
        generator=torch.Generator().manual_seed(seed + 1),
    )


def _warm_up(model: nn.Module, seed: int) -> None:
    """A few train-mode forward passes so BatchNorm's running statistics are not 0/1."""
    model.train()
    with torch.no_grad():
        for xb, _ in _loader(seed + 50, 64, 16):
            model(xb)


def _optimizer(name: str, model: nn.Module) -> torch.optim.Optimizer:
    if name == "sgd_momentum":
        return torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return torch.optim.Adam(model.parameters(), lr=0.01)


def _state(model: nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def train_epoch_run(
    ex, seed: int, n: int, batch_size: int, optimizer: str, start_training: bool
) -> dict:
    """One train_epoch of a seeded net; the loss and the parameters/buffers afterwards."""
    model = _net(seed)
    _warm_up(model, seed)
    model.train(start_training)
    loader = _loader(seed, n, batch_size, shuffle=True)
    opt = _optimizer(optimizer, model)
    torch.manual_seed(seed + 7)  # the Dropout masks
    loss = ex.train_epoch(model, loader, nn.CrossEntropyLoss(), opt)
    return {"loss": loss, "is_float": isinstance(loss, float), "state": _state(model)}


def evaluate_run(ex, seed: int, n: int, batch_size: int, start_training: bool) -> dict:
    """evaluate on a warmed-up net: the result, and what evaluate did to the model."""
    model = _net(seed)
    _warm_up(model, seed)
    model.train(start_training)
    before = _state(model)
    seen: list[tuple[bool, bool]] = []  # (grad enabled, training) at each forward pass
    model.register_forward_hook(
        lambda module, inputs, output: seen.append((torch.is_grad_enabled(), module.training))
    )
    torch.manual_seed(seed + 9)
    result = ex.evaluate(model, _loader(seed + 3, n, batch_size), nn.CrossEntropyLoss())
    after = model.state_dict()
    return {
        "result": tuple(result) if isinstance(result, list | tuple) else result,
        "floats": isinstance(result, list | tuple) and all(isinstance(v, float) for v in result),
        "unchanged": all(torch.equal(before[k], v) for k, v in after.items()),
        "training_after": model.training,
        "grad_enabled": any(g for g, _ in seen),
        "forward_in_train_mode": any(t for _, t in seen),
        "forwards": len(seen),
        "any_grad": any(p.grad is not None for p in model.parameters()),
    }


def fit_run(ex, seed: int, epochs: int) -> dict:
    """fit on seeded loaders (a short last batch in both) and the history it returns."""
    model = _net(seed)
    train_loader = _loader(seed, 45, 8, shuffle=True)  # 8 x 5 + 5
    val_loader = _loader(seed + 1, 19, 6)  # 6 x 3 + 1
    opt = _optimizer("sgd_momentum", model)
    torch.manual_seed(seed + 11)
    history = ex.fit(model, train_loader, val_loader, nn.CrossEntropyLoss(), opt, epochs)
    if isinstance(history, dict):  # the contract's keys only: others may hold anything
        history = {
            k: list(v) if isinstance(v, list | tuple) else v
            for k, v in history.items()
            if k in ("train_loss", "val_loss", "val_accuracy")
        }
    else:
        history = type(history).__name__
    return {"history": history, "state": _state(model)}


def classifier_run(
    ex,
    X_train: torch.Tensor,
    y_train: torch.Tensor,
    X_test: torch.Tensor,
    y_test: torch.Tensor,
    seed: int,
) -> dict:
    """Train the digit classifier on one thread; its held-out accuracy and training time:
    wall-clock and CPU seconds (the CPU time of one thread does not grow when the machine
    is busy, so the time rule does not depend on the grading host's load)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        start, cpu_start = time.perf_counter(), time.process_time()
        model = ex.train_classifier(X_train.clone(), y_train.clone(), seed)
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu_start
    finally:
        torch.set_num_threads(threads)
    if not isinstance(model, nn.Module):
        raise TypeError(f"train_classifier returned a {type(model).__name__}, not an nn.Module")
    model.eval()
    with torch.no_grad():
        logits = model(X_test.clone())
    shape = tuple(logits.shape)
    accuracy = (
        float((logits.argmax(dim=1) == y_test).double().mean())
        if shape == (len(y_test), 10)
        else -1.0
    )
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "shape": shape, "accuracy": accuracy}


@functools.cache
def load_digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """sklearn's bundled digits (1797 x 64, no download), read from the file `load_digits`
    reads, which saves importing sklearn (about a second). Read once per process (parsing
    the file takes tens of milliseconds, and the grader splits it twice per submission);
    the arrays are read-only, so no caller can change what the next one gets."""
    data, target = _read_digits()
    data.setflags(write=False)
    target.setflags(write=False)
    return data, target


def _read_digits() -> tuple[np.ndarray, np.ndarray]:
    spec = importlib.util.find_spec("sklearn")
    if spec is not None and spec.submodule_search_locations:
        path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            table = np.loadtxt(path, delimiter=",")
            return table[:, :-1], table[:, -1]
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.data, digits.target


def digits_split(seed: int) -> tuple[torch.Tensor, ...]:
    """The digits as (X_train, y_train, X_test, y_test): a seeded random 80/20 split, the
    caller's own copy (made once per process and seed: the grader asks twice a submission)."""
    return tuple(t.clone() for t in _digits_split(seed))


@functools.cache
def _digits_split(seed: int) -> tuple[torch.Tensor, ...]:
    data, target = load_digits_arrays()
    X = torch.tensor(data, dtype=torch.float32)
    y = torch.tensor(target, dtype=torch.int64)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    n_train = int(0.8 * len(y))
    train, test = order[:n_train], order[n_train:]
    return X[train], y[train], X[test], y[test]
