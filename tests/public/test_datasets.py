"""Public tests for exercise 4 (datasets). Reference values come from pandas and torch.

The data files are generated on first use (`python -m autograder.kit.datagen` does it by hand).
"""

import numpy as np
import pandas as pd
import pytest
import torch
import torchvision
from torch.utils.data import TensorDataset
from torchvision.transforms import ToTensor

from autograder.kit import datagen


@pytest.fixture(scope="module")
def data_dir():
    return datagen.ensure_data()


# ----------------------------------------------------------------------------- the Dataset
def test_ames_dataset_reads_generated_table(ex, data_dir):
    ds = ex.AmesHousingDataset(data_dir / "ames.csv")
    table = pd.read_csv(data_dir / "ames.csv")
    assert len(ds) == len(table) == 2928
    assert ds.input_features_number == 16
    assert list(ds.feature_names) == ex.AMES_COLUMNS[:-1]
    for i in (0, 285, len(table) - 1):
        x, y = ds[i]
        assert isinstance(x, np.ndarray) and x.shape == (16,)
        assert np.ndim(y) == 0
        np.testing.assert_allclose(x, table.iloc[i, :-1].to_numpy(dtype=float))
        assert float(y) == table.iloc[i, -1]


def test_ames_dataset_xlsx_negative_index_and_index_error(ex, data_dir):
    ds = ex.AmesHousingDataset(data_dir / "ames.xlsx")
    x_last, y_last = ds[len(ds) - 1]
    x_neg, y_neg = ds[-1]
    np.testing.assert_array_equal(x_neg, x_last)
    assert float(y_neg) == float(y_last)
    for bad in (len(ds), -len(ds) - 1):
        with pytest.raises(IndexError):
            ds[bad]


def test_ames_dataset_reads_sizes_from_the_table(ex, tmp_path):
    path = tmp_path / "small.csv"
    table = datagen.write_ames(
        path, n_rows=25, seed=3, columns=["Lot Area", "Gr Liv Area", "Yr Sold", "SalePrice"]
    )
    ds = ex.AmesHousingDataset(path)
    assert len(ds) == 25
    assert ds.input_features_number == 3
    x, y = ds[7]
    np.testing.assert_allclose(x, table.iloc[7, :-1].to_numpy(dtype=float))
    assert float(y) == table.iloc[7, -1]


def test_ames_dataset_missing_file(ex, tmp_path):
    with pytest.raises((FileNotFoundError, OSError, ValueError)):
        ex.AmesHousingDataset(tmp_path / "nope.csv")


# ----------------------------------------------------------------------------- simplify_ames
def test_simplify_ames_drops_exactly_incomplete_rows(ex, tmp_path):
    raw = tmp_path / "AmesHousing.csv"
    datagen.write_raw_ames(raw, n_rows=300, seed=1, missing_fraction=0.05)
    full = pd.read_csv(raw)
    assert full.shape[1] == 82 and full.isna().any(axis=1).all()  # every row misses something
    expected = full[ex.AMES_COLUMNS].dropna()
    assert len(expected) < 300
    out = tmp_path / "ames.csv"
    assert ex.simplify_ames(raw, out) == len(expected)
    written = pd.read_csv(out)
    assert list(written.columns) == ex.AMES_COLUMNS
    np.testing.assert_array_equal(written.to_numpy(dtype=float), expected.to_numpy(dtype=float))


# ----------------------------------------------------------------------------- loaders
def test_make_dataloader_on_generated_table(ex, data_dir):
    ds = ex.AmesHousingDataset(data_dir / "ames.csv")
    batches = list(ex.make_dataloader(ds, 32, seed=0))
    assert len(batches) == 92  # 2928 = 91 * 32 + 16
    x, y = batches[-1]
    assert isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)
    assert x.shape == (16, 16) and y.shape == (16,)


def test_make_dataloader_same_seed_in_step(ex):
    ds = TensorDataset(torch.arange(50))
    a = ex.make_dataloader(ds, batch_size=8, seed=5)
    b = ex.make_dataloader(ds, batch_size=8, seed=5)
    for _ in range(2):  # two epochs, one batch of each loader in turn
        seen = []
        for (xa,), (xb,) in zip(a, b, strict=True):
            assert torch.equal(xa, xb)
            seen += xa.tolist()
        assert sorted(seen) == list(range(50))


def test_make_dataloader_no_shuffle_keeps_order(ex):
    ds = TensorDataset(torch.arange(10))
    batches = [x.tolist() for (x,) in ex.make_dataloader(ds, batch_size=4, shuffle=False)]
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_split_dataset_sizes_without_float_error(ex):
    ds = TensorDataset(torch.arange(100))
    parts = ex.split_dataset(ds, (0.29, 0.31, 0.4), seed=0)
    assert [len(p) for p in parts] == [29, 31, 40]  # int(0.29 * 100) would give 28
    indices = [int(p[i][0]) for p in parts for i in range(len(p))]
    assert sorted(indices) == list(range(100))


def test_split_dataset_default_fractions_and_seed(ex):
    ds = TensorDataset(torch.arange(21))
    first = ex.split_dataset(ds, seed=3)
    again = ex.split_dataset(ds, seed=3)
    assert [len(p) for p in first] == [14, 3, 4]  # floor(14.7), floor(3.15), remainder
    for p, q in zip(first, again, strict=True):
        assert [int(p[i][0]) for i in range(len(p))] == [int(q[i][0]) for i in range(len(q))]


def test_split_dataset_rejects_bad_fractions(ex):
    ds = TensorDataset(torch.arange(10))
    for fractions in ((0.5, 0.6), (1.2, -0.2)):
        with pytest.raises(ValueError):
            ex.split_dataset(ds, fractions)


# ----------------------------------------------------------------------------- images
def test_channel_mean_std_on_mnist(ex, data_dir):
    mnist = torchvision.datasets.MNIST(data_dir, train=True, download=False, transform=ToTensor())
    pixels = torch.stack([image for image, _ in mnist]).to(torch.float64)
    mean, std = ex.channel_mean_std(mnist, batch_size=256)
    assert tuple(mean.shape) == (1,) and tuple(std.shape) == (1,)
    torch.testing.assert_close(mean.double(), pixels.mean().reshape(1), rtol=0, atol=1e-6)
    torch.testing.assert_close(std.double(), pixels.std().reshape(1), rtol=0, atol=1e-6)


def test_channel_mean_std_three_channels_small_batches(ex):
    g = torch.Generator().manual_seed(0)
    images = torch.rand(10, 3, 4, 5, generator=g) * torch.tensor([1.0, 2.0, 3.0])[:, None, None]
    mean, std = ex.channel_mean_std(TensorDataset(images, torch.zeros(10)), batch_size=3)
    per_channel = images.transpose(0, 1).reshape(3, -1).double()
    torch.testing.assert_close(mean.double(), per_channel.mean(1), rtol=1e-6, atol=1e-8)
    torch.testing.assert_close(std.double(), per_channel.std(1), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["MNIST", "FashionMNIST"])
def test_mnist_transform_with_torchvision(ex, data_dir, name):
    dataset_class = getattr(torchvision.datasets, name)
    raw = dataset_class(data_dir, train=False, download=False)
    ds = dataset_class(
        data_dir, train=False, download=False, transform=ex.mnist_transform(0.2, 0.3)
    )
    image, label = ds[3]
    assert tuple(image.shape) == (1, 28, 28) and label == int(raw.targets[3])
    expected = (raw.data[3].to(torch.float32) / 255 - 0.2) / 0.3
    torch.testing.assert_close(image, expected[None], rtol=1e-5, atol=1e-5)
