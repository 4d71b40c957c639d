"""Probes for the metrics exercise: scenarios that run next to the code under test.

Each probe takes the exercise module first and returns plain data only.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def loader_accuracy_scenario(
    ex,
    n_samples: int,
    batch_size: int,
    n_features: int,
    n_classes: int,
    seed: int,
    train_mode: bool,
) -> dict:
    """Accuracy of a seeded model (with dropout, so eval mode matters) over a loader,
    plus whether the model's parameters and grads were left alone."""
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(n_features, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, n_classes)
    )
    model.train(train_mode)
    x = torch.randn(n_samples, n_features)
    y = torch.randint(0, n_classes, (n_samples,))
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=False)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    accuracy = ex.loader_accuracy(model, loader)
    unchanged = all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    grads = [p.grad is not None for p in model.parameters()]
    return {"accuracy": accuracy, "unchanged": unchanged, "any_grad": any(grads)}
