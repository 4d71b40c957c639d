"""Tests of the data generator: the files exist, load with pandas and torchvision, look
like the data they stand for, and are generated deterministically, once, and atomically."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torchvision

from autograder.kit import datagen

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    start = time.perf_counter()
    path = datagen.ensure_data(tmp_path_factory.mktemp("data"))
    assert time.perf_counter() - start < 15, "generating the data should take a few seconds"
    return path


def test_every_file_is_written(data_dir: Path) -> None:
    for name in datagen.FILES:
        assert (data_dir / name).is_file(), name
        assert (data_dir / name).stat().st_mode & 0o044, f"{name} must be readable by others"


def test_ames_table_shape_and_columns(data_dir: Path) -> None:
    csv = pd.read_csv(data_dir / "ames.csv")
    xlsx = pd.read_excel(data_dir / "ames.xlsx", engine="openpyxl")
    assert list(csv.columns) == datagen.AMES_COLUMNS and len(datagen.AMES_COLUMNS) == 17
    assert csv.shape == (2928, 17)
    pd.testing.assert_frame_equal(csv, xlsx)
    assert not csv.isna().any().any()


def test_ames_values_are_plausible(data_dir: Path) -> None:
    t = pd.read_csv(data_dir / "ames.csv")
    assert t["Overall Qual"].between(1, 10).all() and t["Overall Cond"].between(1, 9).all()
    assert t["Yr Sold"].between(2006, 2010).all()
    assert (t["Year Built"] <= t["Year Remod/Add"]).all()
    assert (t["Year Built"] <= t["Yr Sold"]).all()
    assert (t["1st Flr SF"] + t["2nd Flr SF"] == t["Gr Liv Area"]).all()
    assert t["SalePrice"].between(10_000, 800_000).all()
    assert 120_000 < t["SalePrice"].median() < 220_000
    assert (t["Garage Area"] == 0).any() and (t["Total Bsmt SF"] == 0).any()
    corr = t.corr()["SalePrice"]
    assert corr["Overall Qual"] > 0.6 and corr["Gr Liv Area"] > 0.6 and corr["Year Built"] > 0.3


def test_raw_ames_is_laid_out_like_the_public_file(data_dir: Path) -> None:
    raw = pd.read_csv(data_dir / "ames_raw.csv")
    assert raw.shape == (2930, 82)
    assert list(raw.columns[:3]) == ["Order", "PID", "MS SubClass"]
    assert raw.columns[-1] == "SalePrice" and set(datagen.AMES_COLUMNS) <= set(raw.columns)
    assert raw.isna().any(axis=1).all()  # Alley, Pool QC, ... leave no row complete
    kept = raw[datagen.AMES_COLUMNS].dropna().reset_index(drop=True)
    simplified = pd.read_csv(data_dir / "ames.csv")
    np.testing.assert_array_equal(kept.to_numpy(dtype=float), simplified.to_numpy(dtype=float))


@pytest.mark.parametrize("name", ["MNIST", "FashionMNIST"])
@pytest.mark.parametrize("train", [True, False])
def test_mnist_files_load_with_torchvision(data_dir: Path, name: str, train: bool) -> None:
    ds = getattr(torchvision.datasets, name)(data_dir, train=train, download=False)
    assert len(ds) == datagen.MNIST_SIZES["train" if train else "t10k"]
    assert ds.data.dtype == torch.uint8 and tuple(ds.data.shape[1:]) == (28, 28)
    assert set(ds.targets.tolist()) == set(range(10))
    image, label = ds[0]
    assert image.size == (28, 28) and 0 <= label < 10
    ink = ds.data.float() / 255
    assert 0.05 < ink.mean() < 0.4  # mostly background, like the real data
    per_class = torch.stack([ink[ds.targets == c].mean(0) for c in range(10)])
    assert torch.cdist(per_class.flatten(1), per_class.flatten(1)).fill_diagonal_(9).min() > 1


def test_generation_is_deterministic_idempotent_and_forced(data_dir: Path, tmp_path: Path) -> None:
    path = datagen.ensure_data(tmp_path)
    for name in datagen.FILES:
        if not name.endswith(".xlsx"):  # xlsx files carry a creation time
            assert (path / name).read_bytes() == (data_dir / name).read_bytes(), name
    stamp = (path / "ames.csv").stat().st_mtime_ns
    start = time.perf_counter()
    assert datagen.ensure_data(tmp_path) == path
    assert time.perf_counter() - start < 0.5
    assert (path / "ames.csv").stat().st_mtime_ns == stamp
    (path / "MNIST/raw/train-images-idx3-ubyte").unlink()
    assert not datagen._complete(path)  # an incomplete folder is regenerated on next use
    assert datagen.main(["--out", str(tmp_path), "--force"]) == 0
    assert (path / "ames.csv").stat().st_mtime_ns != stamp
    assert (path / "MNIST/raw/train-images-idx3-ubyte").is_file()


def test_two_processes_generating_at_once(tmp_path: Path) -> None:
    out = tmp_path / "shared"
    env = {**os.environ, "TORCHGRADE_DATA_DIR": str(out)}
    commands = [
        [sys.executable, "-m", "autograder.kit.datagen"],
        [sys.executable, str(REPO / "data" / "generate.py")],
    ]
    procs = [
        subprocess.Popen(c, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for c in commands
    ]
    for proc in procs:
        output, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, output.decode()
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".ames")) == []  # no temp
    assert pd.read_csv(out / "ames.csv").shape == (2928, 17)
    assert len(torchvision.datasets.MNIST(out, train=False)) == datagen.MNIST_SIZES["t10k"]


def test_data_dir_follows_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TORCHGRADE_DATA_DIR", str(tmp_path))
    assert datagen.default_data_dir() == tmp_path.resolve()
    monkeypatch.delenv("TORCHGRADE_DATA_DIR")
    assert datagen.default_data_dir() == REPO / "data" / "generated"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_write_raw_ames_missing_values(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"raw{suffix}"
    complete = datagen.write_raw_ames(path, n_rows=200, seed=4, missing_fraction=0.1)
    table = pd.read_csv(path) if suffix == ".csv" else pd.read_excel(path, engine="openpyxl")
    assert table.shape == (200, 82) and list(table.columns) == datagen.RAW_AMES_COLUMNS
    incomplete = table[datagen.AMES_COLUMNS].isna().any(axis=1)
    assert incomplete.sum() == 20 and complete == 180
    assert table["Order"].tolist() == list(range(1, 201))
    assert datagen.write_raw_ames(tmp_path / "none.csv", 50, 4, 0.0) == 50


def test_write_ames_subset_of_columns(tmp_path: Path) -> None:
    table = datagen.write_ames(
        tmp_path / "t.csv", n_rows=13, seed=2, columns=["Overall Qual", "SalePrice"]
    )
    assert table.shape == (13, 2)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "t.csv"), table)
    with pytest.raises(ValueError):
        datagen.write_ames(tmp_path / "t.json", n_rows=3)


def test_the_digits_are_sklearns_read_once_and_read_only():
    """The training probes' digits: exactly `load_digits`, parsed once per process, and no
    caller can change what the next one gets."""
    from sklearn.datasets import load_digits

    from autograder.probes import training

    data, target = training.load_digits_arrays()
    digits = load_digits()
    np.testing.assert_array_equal(data, digits.data)
    np.testing.assert_array_equal(target, digits.target)
    assert training.load_digits_arrays()[0] is data
    with pytest.raises(ValueError):
        data[0, 0] = 1.0
    split = training.digits_split(3)
    split[0][0, 0] = 99.0  # a split is the caller's own copy
    assert training.digits_split(3)[0][0, 0] != 99.0


def _read_table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path) if path.suffix == ".csv" else pd.read_excel(path, engine="openpyxl")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_datasets_probes_get_datagens_tables_as_bytes(tmp_path: Path, suffix: str) -> None:
    """The generated tables the datasets suite hands a sandbox as bytes (made on the
    reference's side, so cached) are the files datagen writes, and the solution's
    simplify_ames counts the complete rows datagen reports."""
    import solutions.datasets
    from autograder.probes import datasets as probes

    columns = ["Lot Area", "Gr Liv Area", "SalePrice"]
    table = probes.ames_table_file(None, 37, 9, columns, suffix)
    (tmp_path / f"got{suffix}").write_bytes(table)
    datagen.write_ames(tmp_path / f"want{suffix}", n_rows=37, seed=9, columns=columns)
    pd.testing.assert_frame_equal(
        _read_table(tmp_path / f"got{suffix}"), _read_table(tmp_path / f"want{suffix}")
    )
    described = probes.ames_generated(solutions.datasets, table, suffix, [0, -1])
    assert described["len"] == 37 and described["feature_names"] == columns[:-1]

    raw = probes.raw_ames_file(None, 40, 7, 0.25, suffix)
    (tmp_path / f"raw{suffix}").write_bytes(raw)
    complete = datagen.write_raw_ames(tmp_path / f"raw-want{suffix}", 40, 7, 0.25)
    pd.testing.assert_frame_equal(
        _read_table(tmp_path / f"raw{suffix}"), _read_table(tmp_path / f"raw-want{suffix}")
    )
    result = probes.simplify_generated(solutions.datasets, raw, suffix, ".csv")
    assert result["count"] == complete == len(result["values"]) == 30
