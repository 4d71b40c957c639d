"""Exercise 6 — training loops.

A training loop is a handful of lines, and each can be wrong without raising an error:
gradients must be zeroed every step, losses weighted by the real size of each batch,
evaluation run in eval mode under `torch.no_grad()` (so Dropout is off and BatchNorm's
running statistics stay untouched), and the model's mode restored afterwards. You finish
with a small classifier for 8×8 digit images.

Accuracies are fractions in [0, 1], never percentages.

Grading: a rule (such as "raises ValueError" or "changes no buffer") earns its points
only when the function it concerns also returns correct values in the same test, and
only for code without eval/exec, imports by computed names, or introspection of frames
or of the grader.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset  # noqa: F401  (you may need it)


def train_epoch(
    model: nn.Module,
    loader: DataLoader,
    loss_fn: Any,
    optimizer: torch.optim.Optimizer,
    device: Any = "cpu",
) -> float:
    """One pass over every batch of `loader` in train mode (`model.train()`).

    loader yields (inputs, targets) batches; loss_fn(model(inputs), targets) is a scalar
    mean over the batch (e.g. nn.CrossEntropyLoss()). For each batch: move it to
    `device`, zero the gradients, compute the loss, backward, optimizer step.
    Returns the sample-weighted mean loss as a Python float:
        sum_b loss_b * B_b / sum_b B_b      (B_b = number of samples in batch b),
    so a short last batch weighs less than a full one.
    """
    raise NotImplementedError(
        "training.train_epoch: model.train(), then for each batch: optimizer.zero_grad(), "
        "loss = loss_fn(model(x), y), loss.backward(), optimizer.step(); sum loss * batch size"
    )


def evaluate(
    model: nn.Module, loader: DataLoader, loss_fn: Any, device: Any = "cpu"
) -> tuple[float, float]:
    """Loss and accuracy of a classifier over every sample of `loader`.

    Runs in eval mode (`model.eval()`) under `torch.no_grad()`. The model maps inputs to
    (B, C) scores; the prediction is the arg-max over C.
    Returns (loss, accuracy), two Python floats: the sample-weighted mean loss (as in
    train_epoch) and the fraction of correct predictions in [0, 1].
    Must not change any parameter or buffer (BatchNorm running statistics included), and
    afterwards `model.training` is what it was before the call.
    """
    raise NotImplementedError(
        "training.evaluate: remember model.training, call model.eval(), loop under "
        "torch.no_grad() summing loss * batch size and correct predictions, then restore "
        "the mode with model.train(was_training)"
    )


def fit(
    model: nn.Module,
    train_loader: DataLoader,
    val_loader: DataLoader,
    loss_fn: Any,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    device: Any = "cpu",
) -> dict:
    """Train for `epochs` epochs: each epoch one train_epoch on train_loader, then one
    evaluate on val_loader.

    Returns a dict of three lists with one Python float per epoch:
        {"train_loss": [...], "val_loss": [...], "val_accuracy": [...]}
    where train_loss[i] is the value train_epoch returned in epoch i, and val_loss[i],
    val_accuracy[i] what evaluate returned after that epoch.
    """
    raise NotImplementedError(
        "training.fit: make a dict of three empty lists and, for each epoch, append what "
        "train_epoch and evaluate return"
    )


def train_classifier(X: Any, y: Any, seed: int = 0) -> nn.Module:
    """Train a classifier for 8×8 digit images (sklearn's `load_digits`).

    X: (K, 64) float32 tensor of raw pixel values in [0, 16]; y: (K,) int64 tensor of
    labels 0..9. Returns an nn.Module mapping a raw (K, 64) float32 tensor to (K, 10)
    logits; if you rescale the inputs for training, do it inside the returned model
    (callers pass raw pixels). It must reach at least 93 % accuracy on held-out digits
    (a random 80/20 split) and train in under 20 s of CPU time on one thread
    (`torch.set_num_threads(1)`). Seed everything with `seed`. The grader calls
    `model.eval()` before measuring accuracy. A small MLP with Adam, trained for a few
    dozen epochs on mini-batches, is plenty.
    """
    raise NotImplementedError(
        "training.train_classifier: build an MLP 64 -> hidden -> 10 that divides its input "
        "by 16 first, train it with train_epoch on a shuffled DataLoader, and return it"
    )
