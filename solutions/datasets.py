"""Exercise 4 — datasets and loaders (reference solution).

A `Dataset` is two methods, `__len__` and `__getitem__`; this exercise writes one over the
Ames housing table, then builds the tools around it: seeded DataLoaders that repeat exactly,
train/validation/test splits that lose no sample, and per-channel image statistics streamed
in batches for `Normalize`.
"""

from __future__ import annotations

import math
import operator
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, Dataset, Subset, random_split
from torchvision import transforms

from autograder.kit.datagen import AMES_COLUMNS


def _read_table(path: str | os.PathLike, name: str) -> pd.DataFrame:
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"{name} must be a path, got {type(path).__name__}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{name}: no such file: {path}")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return pd.read_excel(path, engine="openpyxl")
    if suffix == ".csv":
        return pd.read_csv(path)
    raise ValueError(f"{name} must be a .csv or .xlsx file, got {path.name!r}")


class AmesHousingDataset(Dataset):
    """Rows of a table (`.xlsx` or `.csv`) whose last column is the target.

    `ds[i]` is `(x, y)`: `x` a float32 array `(n_inputs,)`, `y` a float32 NumPy scalar.
    The lecture hard-coded 16 inputs and 2928 rows; both come from the table here, so the
    same class reads any such table.
    """

    def __init__(self, file_path: str | os.PathLike) -> None:
        table = _read_table(file_path, "file_path")
        if table.shape[1] < 2:
            raise ValueError(
                f"file_path: the table needs at least two columns (inputs and a "
                f"target), got {table.shape[1]}"
            )
        self.feature_names = [str(c) for c in table.columns[:-1]]
        # Converted once: iloc per item is slow, and a DataLoader asks for every row.
        self._x = table.iloc[:, :-1].to_numpy(dtype=np.float32)
        self._y = table.iloc[:, -1].to_numpy(dtype=np.float32)
        self.input_features_number = self._x.shape[1]

    def __len__(self) -> int:
        return len(self._y)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.floating]:
        index = operator.index(index)
        n = len(self)
        if index < -n or index >= n:
            raise IndexError(f"index {index} is out of range for a dataset of {n} rows")
        if index < 0:
            index += n
        return self._x[index], self._y[index]


def simplify_ames(raw_table: str | os.PathLike, out_path: str | os.PathLike) -> int:
    """Keep `AMES_COLUMNS` of the full Ames table, drop rows missing any of *them* (the
    public file has columns such as Alley or Pool QC that are empty for most houses, so
    dropping rows missing any column would lose nearly everything), write `.csv`/`.xlsx`."""
    table = _read_table(raw_table, "raw_table")
    missing = [c for c in AMES_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"raw_table lacks the columns {missing}")
    out = Path(out_path)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"out_path must end in .csv or .xlsx, got {out.name!r}")
    kept = table[AMES_COLUMNS].dropna()
    if suffix == ".csv":
        kept.to_csv(out, index=False)
    else:
        kept.to_excel(out, index=False, engine="openpyxl")
    return len(kept)


def make_dataloader(
    dataset: Dataset, batch_size: int = 32, shuffle: bool = True, seed: int | None = None
) -> DataLoader:
    """A DataLoader whose shuffling is driven by its own generator seeded with `seed`, so two
    loaders with the same seed yield the same batches, epoch after epoch, even when iterated
    in step (seeding the global RNG instead would make them interfere)."""
    if (
        not isinstance(batch_size, int | np.integer)
        or isinstance(batch_size, bool)
        or batch_size < 1
    ):
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    generator = None
    if seed is not None:
        generator = torch.Generator()
        generator.manual_seed(int(seed))
    return DataLoader(dataset, batch_size=int(batch_size), shuffle=shuffle, generator=generator)


def split_dataset(
    dataset: Dataset, fractions: Sequence[float] = (0.7, 0.15, 0.15), seed: int = 0
) -> tuple[Subset, ...]:
    """Disjoint random parts of sizes `floor(f * n)`, the remainder in the last part.
    `int(0.29 * 100)` is 28 (0.29 * 100 == 28.999999999999996): round away float noise first."""
    fractions = [float(f) for f in fractions]
    if not fractions:
        raise ValueError("fractions must not be empty")
    if any(f < 0 for f in fractions):
        raise ValueError(f"fractions must be non-negative, got {fractions}")
    if abs(sum(fractions) - 1) > 1e-6:
        raise ValueError(f"fractions must sum to 1, got {sum(fractions)}")
    n = len(dataset)
    sizes = [math.floor(round(f * n, 6)) for f in fractions[:-1]]
    sizes.append(n - sum(sizes))
    generator = torch.Generator()
    generator.manual_seed(int(seed))
    return tuple(random_split(dataset, sizes, generator=generator))


def channel_mean_std(dataset: Dataset, batch_size: int = 1024) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and std (Bessel-corrected, like `torch.std`) over every pixel of a
    dataset of `(image (C, H, W), label)`, streamed in batches and accumulated in float64.
    Batches are merged with Chan's formula: averaging per-batch stds is wrong (the spread
    between batch means is lost), and `E[x²] - E[x]²` cancels catastrophically."""
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False)
    count = 0
    mean = m2 = None
    for images, *_ in loader:
        x = torch.as_tensor(images).to(torch.float64)
        x = x.transpose(0, 1).reshape(x.shape[1], -1)  # (C, pixels of this batch)
        n_b = x.shape[1]
        mean_b = x.mean(dim=1)
        m2_b = ((x - mean_b[:, None]) ** 2).sum(dim=1)
        if mean is None:
            mean, m2, count = mean_b, m2_b, n_b
            continue
        delta = mean_b - mean
        total = count + n_b
        mean = mean + delta * (n_b / total)
        m2 = m2 + m2_b + delta**2 * (count * n_b / total)
        count = total
    if mean is None:
        raise ValueError("dataset is empty")
    std = torch.sqrt(m2 / (count - 1)) if count > 1 else torch.full_like(mean, float("nan"))
    return mean, std


def mnist_transform(mean: float = 0.1307, std: float = 0.3081) -> Any:
    """`ToTensor` (uint8 HxW -> float (1, H, W) in [0, 1]) then `Normalize(mean, std)`."""
    return transforms.Compose([transforms.ToTensor(), transforms.Normalize((mean,), (std,))])
