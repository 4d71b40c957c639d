"""Probes for the datasets exercise: scenarios that run next to the code under test.

Each probe takes the exercise module first and returns plain data only. Data files come in
as paths, or as the bytes of a generated table (`ames_table_file`, `raw_ames_file`: asked of
the reference's side, so the grader's cache keeps them and a submission's sandbox only writes
them out); files a probe writes go under `tempfile.mkdtemp()`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from PIL import Image
from torch.utils.data import TensorDataset

from autograder.kit import datagen


def _scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="torchgrade-datasets-"))


def _describe(ds, indices: list[int]) -> dict:
    items = []
    for index in indices:
        x, y = ds[index]
        items.append(
            {
                "x": np.asarray(x, dtype=np.float64),
                "y": float(y),
                "x_is_numpy": isinstance(x, np.ndarray),
                "y_ndim": int(np.ndim(y)),
            }
        )
    return {
        "len": len(ds),
        "input_features_number": ds.input_features_number,
        "feature_names": [str(n) for n in ds.feature_names],
        "items": items,
    }


def ames_file(ex, path: str, indices: list[int]) -> dict:
    """Length, attributes and some items of AmesHousingDataset over a given file."""
    return _describe(ex.AmesHousingDataset(path), indices)


def _file_bytes(write, suffix: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="torchgrade-table-") as folder:
        path = Path(folder) / f"table{suffix}"
        write(path)
        return path.read_bytes()


def ames_table_file(ex, n_rows: int, seed: int, columns: list[str], suffix: str) -> bytes:
    """The bytes of `datagen.write_ames(n_rows, seed, columns)` as `.csv` or `.xlsx` (the
    exercise module is not used: this is asked of the reference's side)."""
    return _file_bytes(
        lambda path: datagen.write_ames(path, n_rows=n_rows, seed=seed, columns=columns), suffix
    )


def raw_ames_file(ex, n_rows: int, seed: int, missing_fraction: float, suffix: str) -> bytes:
    """The bytes of a raw 82-column table, `datagen.write_raw_ames` (as `ames_table_file`)."""
    return _file_bytes(
        lambda path: datagen.write_raw_ames(
            path, n_rows=n_rows, seed=seed, missing_fraction=missing_fraction
        ),
        suffix,
    )


def ames_generated(ex, table: bytes, suffix: str, indices: list[int]) -> dict:
    """The same over a generated table (`ames_table_file`: its own size and columns)."""
    path = _scratch() / f"table{suffix}"
    path.write_bytes(table)
    return _describe(ex.AmesHousingDataset(str(path)), indices)


def ames_getitem(ex, path: str, index: int):
    """ds[index] (the exception, if any, is what the test looks at)."""
    x, y = ex.AmesHousingDataset(path)[index]
    return np.asarray(x, dtype=np.float64), float(y)


def ames_missing_file(ex) -> None:
    ex.AmesHousingDataset(str(_scratch() / "no_such_table.csv"))


def ames_one_column(ex) -> None:
    path = _scratch() / "one_column.csv"
    pd.DataFrame({"SalePrice": [1.0, 2.0, 3.0]}).to_csv(path, index=False)
    ex.AmesHousingDataset(str(path))


def simplify_generated(ex, table: bytes, in_suffix: str, out_suffix: str) -> dict:
    """simplify_ames on a raw 82-column table (`raw_ames_file`); what it returned and wrote."""
    scratch = _scratch()
    raw, out = scratch / f"AmesHousing{in_suffix}", scratch / f"simple{out_suffix}"
    raw.write_bytes(table)
    count = ex.simplify_ames(str(raw), str(out))
    return {"count": count, **_read_written(out)}


def simplify_file(ex, raw_path: str) -> dict:
    out = _scratch() / "simple.csv"
    count = ex.simplify_ames(raw_path, str(out))
    return {"count": count, **_read_written(out)}


def _read_written(path: Path) -> dict:
    if path.suffix == ".csv":
        table = pd.read_csv(path)
    else:
        table = pd.read_excel(path, engine="openpyxl")
    return {"columns": [str(c) for c in table.columns], "values": table.to_numpy(dtype=np.float64)}


def _batches(loader) -> list:
    out = []
    for batch in loader:
        out.append([b if isinstance(b, torch.Tensor) else None for b in batch])
    return out


def loader_over_ames(ex, path: str, batch_size: int, seed: int) -> dict:
    """make_dataloader over AmesHousingDataset: batch count, sizes and tensor types."""
    loader = ex.make_dataloader(ex.AmesHousingDataset(path), batch_size, seed=seed)
    batches = _batches(loader)
    return {
        "n_batches": len(batches),
        "sizes": [int(b[0].shape[0]) if b[0] is not None else -1 for b in batches],
        "tensors": all(x is not None and y is not None for x, y in batches),
        "n_inputs": [int(b[0].shape[1]) if b[0] is not None else -1 for b in batches[:1]],
    }


def loader_in_step(ex, n: int, batch_size: int, seed: int, epochs: int, other_seed: int) -> dict:
    """Two loaders with the same seed iterated in step, epoch after epoch, and one loader
    with another seed. Returns the index order of each."""
    ds = TensorDataset(torch.arange(n))
    a = ex.make_dataloader(ds, batch_size, shuffle=True, seed=seed)
    b = ex.make_dataloader(ds, batch_size, shuffle=True, seed=seed)
    orders_a, orders_b, batch_sizes = [], [], []
    for _ in range(epochs):
        epoch_a, epoch_b = [], []
        for (xa,), (xb,) in zip(a, b, strict=False):
            epoch_a += xa.tolist()
            epoch_b += xb.tolist()
            batch_sizes.append(len(xa))
        orders_a.append(epoch_a)
        orders_b.append(epoch_b)
    c = ex.make_dataloader(ds, batch_size, shuffle=True, seed=other_seed)
    other = [int(v) for (x,) in c for v in x.tolist()]
    return {"a": orders_a, "b": orders_b, "other": other, "batch_sizes": batch_sizes}


def loader_orders(ex, n: int, batch_size: int, shuffle: bool) -> list:
    """Batches of indices of one epoch of an unseeded loader."""
    loader = ex.make_dataloader(TensorDataset(torch.arange(n)), batch_size, shuffle=shuffle)
    return [x.tolist() for (x,) in loader]


def split_parts(ex, n: int, fractions, seed: int) -> list:
    """Indices in each part of split_dataset over a dataset whose items are their index."""
    parts = ex.split_dataset(TensorDataset(torch.arange(n)), fractions, seed=seed)
    return [[int(part[i][0]) for i in range(len(part))] for part in parts]


def split_default(ex, n: int) -> list:
    parts = ex.split_dataset(TensorDataset(torch.arange(n)))
    return [[int(part[i][0]) for i in range(len(part))] for part in parts]


def stats_of_images(ex, shape: tuple, n: int, seed: int, batch_size: int | None) -> dict:
    """channel_mean_std on seeded images (C, H, W) whose level drifts from image to image,
    so that batches differ; plus the float64 truth computed here from the same images."""
    images = _drifting_images(shape, n, seed)
    ds = TensorDataset(images, torch.zeros(n, dtype=torch.int64))
    if batch_size is None:
        mean, std = ex.channel_mean_std(ds)
    else:
        mean, std = ex.channel_mean_std(ds, batch_size=batch_size)
    return {"mean": mean, "std": std}


def _drifting_images(shape: tuple, n: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    c = shape[0]
    level = torch.linspace(0, 2, n)[:, None, None, None] + torch.arange(c)[None, :, None, None]
    return (level + torch.rand(n, *shape, generator=g) * (1 + torch.arange(c))[:, None, None]).to(
        torch.float32
    )


def drifting_images(shape: tuple, n: int, seed: int) -> torch.Tensor:
    """The images of `stats_of_images` (called on the trusted side for the truth)."""
    return _drifting_images(shape, n, seed)


def stats_of_torchvision(ex, root: str, name: str, train: bool, batch_size: int) -> dict:
    """channel_mean_std over torchvision's MNIST/FashionMNIST (+ ToTensor) read from root."""
    import torchvision
    from torchvision.transforms import ToTensor

    dataset = getattr(torchvision.datasets, name)(
        root, train=train, download=False, transform=ToTensor()
    )
    mean, std = ex.channel_mean_std(dataset, batch_size=batch_size)
    return {"mean": mean, "std": std}


def torchvision_images(ex, root: str, name: str, train: bool) -> torch.Tensor:
    """The raw (N, H, W) uint8 images of torchvision's MNIST/FashionMNIST read from root: the
    truth `stats_of_torchvision` is checked against (run on the reference's side, so it is
    cached with its values and the grader imports no torchvision)."""
    import torchvision

    return getattr(torchvision.datasets, name)(root, train=train, download=False).data


def transform_images(ex, arrays: list, args: tuple) -> list:
    """mnist_transform(*args) applied to PIL images made from uint8 (H, W) arrays."""
    transform = ex.mnist_transform(*args)
    return [transform(Image.fromarray(np.asarray(a, dtype=np.uint8))) for a in arrays]


def transform_torchvision(ex, root: str, name: str, index: int) -> dict:
    import torchvision

    ds = getattr(torchvision.datasets, name)(
        root, train=False, download=False, transform=ex.mnist_transform()
    )
    image, label = ds[index]
    return {"image": image, "label": int(label)}
