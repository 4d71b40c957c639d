"""Exercise 4 — datasets and loaders.

A `torch.utils.data.Dataset` is two methods: `__len__` (how many samples) and
`__getitem__` (sample i). You write one over the Ames housing table (the house price
data of the lecture), then the tools around it: a seeded DataLoader whose batches repeat
exactly, a train/validation/test split that never loses a sample, and per-channel image
statistics (for `transforms.Normalize`) computed in batches.

Data to try things on: `python -m autograder.kit.datagen` writes `data/generated/ames.xlsx`,
`ames.csv` (2928 rows, the 17 columns below), `ames_raw.csv` (laid out like the full
public Ames file, 82 columns) and tiny MNIST / FashionMNIST files for torchvision.

Grading: a rule (such as "raises ValueError" or "changes no buffer") earns its points
only when the function it concerns also returns correct values in the same test, and
only for code without eval/exec, imports by computed names, or introspection of frames
or of the grader.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd  # noqa: F401  (you will need it)
import torch
from torch.utils.data import DataLoader, Dataset, Subset
from torchvision import transforms  # noqa: F401  (you will need it)

# The 16 input columns of the lecture, then the target.
AMES_COLUMNS = [
    "Lot Area",
    "Overall Qual",
    "Overall Cond",
    "Year Built",
    "Year Remod/Add",
    "Total Bsmt SF",
    "1st Flr SF",
    "2nd Flr SF",
    "Gr Liv Area",
    "Full Bath",
    "Half Bath",
    "Bedroom AbvGr",
    "Kitchen AbvGr",
    "TotRms AbvGrd",
    "Garage Area",
    "Yr Sold",
    "SalePrice",
]


class AmesHousingDataset(Dataset):
    """Rows of a table whose last column is the target.

    file_path: a `.xlsx` (read with `pd.read_excel(..., engine="openpyxl")`) or `.csv` file.
    Raises a clear error for a missing file, and ValueError for a table with fewer than two
    columns.

    Attributes:
        input_features_number: int, the number of input columns (all columns but the last).
        feature_names: list of the input column names (the target excluded).

    `len(ds)` is the number of rows. `ds[i]` returns `(x, y)`: `x` a NumPy array of shape
    `(input_features_number,)` (row i without the target), `y` a NumPy scalar (the target of
    row i). Negative indices count from the end as in a list; an index outside
    `[-len, len)` raises IndexError. Read the sizes from the table: nothing is hard-coded.
    """

    def __init__(self, file_path: str | os.PathLike) -> None:
        raise NotImplementedError(
            "datasets.AmesHousingDataset.__init__: read the table with pandas (by suffix), "
            "keep the inputs (all columns but the last) and the target (the last)"
        )

    def __len__(self) -> int:
        raise NotImplementedError(
            "datasets.AmesHousingDataset.__len__: return the number of rows of the table"
        )

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.floating]:
        raise NotImplementedError(
            "datasets.AmesHousingDataset.__getitem__: return (inputs of row index, target of "
            "row index) as NumPy values; negative indices count from the end"
        )


def simplify_ames(raw_table: str | os.PathLike, out_path: str | os.PathLike) -> int:
    """Reduce the full public Ames table to the lecture's columns.

    raw_table: path to the full table (`.csv` or `.xlsx`, 82 columns such as "Order",
    "PID", "MS SubClass", ..., "SalePrice").
    Keeps the columns `AMES_COLUMNS` in that order, drops the rows that miss a value in any
    of *those* columns (other columns may be empty, and that is fine), and writes the result
    to `out_path` as `.xlsx` or `.csv` according to its suffix, without the index.
    Returns the number of rows written (2928 on the public file).
    """
    raise NotImplementedError(
        "datasets.simplify_ames: read the table, select AMES_COLUMNS, then drop the rows with "
        "missing values among them"
    )


def make_dataloader(
    dataset: Dataset, batch_size: int = 32, shuffle: bool = True, seed: int | None = None
) -> DataLoader:
    """A DataLoader over `dataset` whose batches come out as tensors.

    With a `seed`, two loaders built with the same seed yield the same batches in the same
    order, epoch after epoch, even when you iterate them in step (one batch of each in
    turn). The last batch may be shorter than `batch_size` (it is kept). shuffle=False keeps
    the dataset's order; without a seed, shuffle=True still shuffles every sample.
    """
    raise NotImplementedError(
        "datasets.make_dataloader: give the DataLoader its own torch.Generator seeded with "
        "seed (when seed is not None)"
    )


def split_dataset(
    dataset: Dataset, fractions: Sequence[float] = (0.7, 0.15, 0.15), seed: int = 0
) -> tuple[Subset, ...]:
    """Split `dataset` at random into disjoint parts.

    With n = len(dataset), part k has `floor(fractions[k] * n)` samples, except the last
    part, which gets the remainder. Beware float error: `0.29 * 100` is
    `28.999999999999996` in floating point, but the part must have 29 samples.
    Every index appears in exactly one part; the same seed gives the same split.
    Raises ValueError if a fraction is negative or the fractions do not sum to 1 (within 1e-6).
    Returns a tuple of `torch.utils.data.Subset`, one per fraction.
    """
    raise NotImplementedError(
        "datasets.split_dataset: compute the sizes (mind float error), then split a seeded "
        "random permutation of range(n)"
    )


def channel_mean_std(dataset: Dataset, batch_size: int = 1024) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and standard deviation over every pixel of an image dataset.

    dataset: items `(image, label)` with `image` a tensor `(C, H, W)` (H and W need not be
    equal). Returns `(mean, std)`, two float tensors of shape `(C,)`:
        mean[c] = (1 / P) Σ x_c,   std[c] = sqrt( Σ (x_c - mean[c])² / (P - 1) )
    over the P = len(dataset) * H * W pixels of channel c (Bessel's correction, like
    `torch.std`). Stream the data in batches of `batch_size` (memory must not grow with the
    dataset) and accumulate in float64. Careful: the mean of per-batch stds is not the std.
    """
    raise NotImplementedError(
        "datasets.channel_mean_std: loop over a DataLoader and accumulate, per channel and in "
        "float64, the pixel count, the sum and what you need for the variance"
    )


def mnist_transform(mean: float = 0.1307, std: float = 0.3081) -> Any:
    """The MNIST preprocessing: `transforms.ToTensor()` (a PIL image or uint8 (H, W) array
    becomes a float tensor (1, H, W) in [0, 1]) then `transforms.Normalize` with `mean` and
    `std`, composed into one callable."""
    raise NotImplementedError(
        "datasets.mnist_transform: transforms.Compose([transforms.ToTensor(), "
        "transforms.Normalize(...)])"
    )
