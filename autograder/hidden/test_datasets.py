"""Hidden suite for exercise 4 (datasets)."""

from pathlib import Path

import numpy as np
import pytest
import torch

from autograder.judge.checks import (
    Mismatch,
    assert_close,
    require,
    require_working,
    require_works,
    student_raises,
)
from autograder.kit import datagen
from autograder.probes import datasets as probes


@pytest.fixture(scope="module")
def data() -> Path:
    return datagen.ensure_data()


def check_table(got: dict, want: dict) -> None:
    require(
        got["len"] == want["len"],
        f"len(ds) is {got['len']}; it must be the number of rows of the table",
    )
    require(
        got["input_features_number"] == want["input_features_number"],
        f"input_features_number is {got['input_features_number']}; count the columns of "
        "the table (all but the target)",
    )
    require(
        got["feature_names"] == want["feature_names"],
        "feature_names must be the input column names in order, the target excluded",
    )
    for g, w in zip(got["items"], want["items"], strict=True):
        require(g["x_is_numpy"], "ds[i] must return x as a NumPy array")
        require(g["y_ndim"] == 0, "ds[i] must return y as a scalar")
        assert_close(g["x"], w["x"], rtol=1e-6, what="x of ds[i]")
        assert_close(g["y"], w["y"], rtol=1e-6, what="y of ds[i]")


def dataset_works(student, reference, data: Path) -> None:
    """AmesHousingDataset reads ames.csv as the reference does (rules about it count only
    then)."""
    args = (str(data / "ames.csv"), [0, 5, -1])
    got, want = student.probe(probes.ames_file, *args), reference.probe(probes.ames_file, *args)
    require_works(
        [[i["x"], i["y"]] for i in got["items"]] + [got["len"]],
        [[i["x"], i["y"]] for i in want["items"]] + [want["len"]],
        rtol=1e-6,
        what="AmesHousingDataset",
    )


# ----------------------------------------------------------------------------- the Dataset
@pytest.mark.points(2)
@pytest.mark.clause("AmesHousingDataset", "Negative indices count from the end as in a list")
def test_ames_dataset_generated_table(student, reference, data):
    """AmesHousingDataset: length, attributes and rows (negative indices too) of ames.csv."""
    args = (str(data / "ames.csv"), [0, 17, 2927, -1, -2928, -100])
    check_table(student.probe(probes.ames_file, *args), reference.probe(probes.ames_file, *args))


@pytest.mark.points(2)
@pytest.mark.clause("AmesHousingDataset", "Read the sizes from the table: nothing is hard-coded")
@pytest.mark.parametrize(
    "n_rows,columns,suffix",
    [
        (
            37,
            ["Lot Area", "Overall Qual", "Year Built", "Gr Liv Area", "Garage Area", "SalePrice"],
            ".xlsx",
        ),
        (101, ["Gr Liv Area", "SalePrice"], ".csv"),
        (1, datagen.AMES_COLUMNS, ".csv"),
    ],
)
def test_ames_dataset_other_tables(student, reference, n_rows, columns, suffix):
    """AmesHousingDataset: any table size and column count, read from the file (csv or xlsx)."""
    indices = sorted({0, n_rows - 1, -1, -n_rows})
    table = reference.probe(probes.ames_table_file, n_rows, 4040 + n_rows, columns, suffix)
    args = (table, suffix, indices)
    check_table(
        student.probe(probes.ames_generated, *args), reference.probe(probes.ames_generated, *args)
    )


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause("AmesHousingDataset", "an index outside `[-len, len)` raises IndexError")
def test_ames_dataset_index_error(student, reference, data):
    """AmesHousingDataset: an index outside [-len, len) raises IndexError."""
    dataset_works(student, reference, data)
    for index in (2928, -2929, 10**6):
        with student_raises("IndexError"):
            student.probe(probes.ames_getitem, str(data / "ames.csv"), index)


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause(
    "AmesHousingDataset",
    "Raises a clear error for a missing file, and ValueError for a table with fewer than two",
)
def test_ames_dataset_bad_files(student, reference, data):
    """AmesHousingDataset: a missing file and a one-column table raise a clear error."""
    dataset_works(student, reference, data)
    with student_raises("FileNotFoundError", "OSError", "ValueError"):
        student.probe(probes.ames_missing_file)
    with student_raises("ValueError", "TypeError"):
        student.probe(probes.ames_one_column)


# ----------------------------------------------------------------------------- simplify_ames
@pytest.mark.points(1)
@pytest.mark.clause("simplify_ames", "drops the rows that miss a value in any of *those* columns")
@pytest.mark.parametrize(
    "n_rows,fraction,in_suffix,out_suffix",
    [(160, 0.1, ".csv", ".csv"), (40, 0.25, ".xlsx", ".xlsx"), (30, 0.0, ".csv", ".xlsx")],
)
def test_simplify_ames_generated(student, reference, n_rows, fraction, in_suffix, out_suffix):
    """simplify_ames: keeps AMES_COLUMNS in order and drops exactly the rows missing one of
    them (other columns may be empty); writes by suffix; returns the row count."""
    table = reference.probe(probes.raw_ames_file, n_rows, 77 + n_rows, fraction, in_suffix)
    args = (table, in_suffix, out_suffix)
    got = student.probe(probes.simplify_generated, *args)
    want = reference.probe(probes.simplify_generated, *args)
    require(
        got["columns"] == want["columns"],
        "the written table must have the columns AMES_COLUMNS, in that order, and no index column",
    )
    require(got["count"] == want["count"], f"simplify_ames returned {got['count']} rows")
    assert_close(got["values"], want["values"], what="the written table")


@pytest.mark.points(1)
@pytest.mark.clause("simplify_ames", "Returns the number of rows written (2928 on the public file)")
def test_simplify_ames_full_raw_table(student, data):
    """simplify_ames: the 82-column ames_raw.csv (2930 rows) gives the 2928 rows of ames.csv."""
    got = student.probe(probes.simplify_file, str(data / "ames_raw.csv"))
    require(got["count"] == 2928, f"simplify_ames returned {got['count']} rows")
    require(got["columns"] == datagen.AMES_COLUMNS, "the columns must be AMES_COLUMNS in order")
    expected = np.loadtxt(data / "ames.csv", delimiter=",", skiprows=1)
    assert_close(got["values"], expected, what="the written table")


# ----------------------------------------------------------------------------- loaders
@pytest.mark.points(1)
@pytest.mark.clause("make_dataloader", "whose batches come out as tensors")
def test_make_dataloader_over_ames(student, data):
    """make_dataloader(AmesHousingDataset(ames.csv), 32, seed=0): 92 tensor batches, the last
    of 16 rows."""
    got = student.probe(probes.loader_over_ames, str(data / "ames.csv"), 32, 0)
    require(got["tensors"], "batches must come out as tensors")
    require(got["n_batches"] == 92, f"got {got['n_batches']} batches")
    require(
        got["sizes"][:-1] == [32] * 91 and got["sizes"][-1] == 16,
        "every batch but the last must have batch_size rows, the last the remainder",
    )
    require(got["n_inputs"] == [16], "each row of a batch must hold the 16 inputs")


@pytest.mark.points(2)
@pytest.mark.clause("make_dataloader", "even when you iterate them in step")
@pytest.mark.parametrize("n,batch_size", [(45, 8), (1, 4)])
def test_make_dataloader_same_seed_in_step(student, n, batch_size):
    """make_dataloader: two loaders with the same seed give the same batches epoch after
    epoch, even iterated in step; each epoch covers every sample once."""
    got = student.probe(probes.loader_in_step, n, batch_size, 2024, 3, 99)
    for epoch_a, epoch_b in zip(got["a"], got["b"], strict=True):
        require(epoch_a == epoch_b, "two loaders with the same seed gave different batches")
        require(sorted(epoch_a) == list(range(n)), "an epoch must yield every sample once")
    require(
        all(s == batch_size for s in got["batch_sizes"][: n // batch_size]),
        "batches must have batch_size samples",
    )
    if n > 1:
        require(
            got["other"] != got["a"][0], "the order does not depend on the seed (is it shuffled?)"
        )


@pytest.mark.points(1)
@pytest.mark.clause("make_dataloader", "shuffle=False keeps the dataset's order")
def test_make_dataloader_unseeded(student):
    """make_dataloader: shuffle=False keeps the order; seed=None still shuffles every sample."""
    got = student.probe(probes.loader_orders, 11, 4, False)
    require(
        got == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10]],
        "shuffle=False must give the samples in order, the short last batch kept",
    )
    got = student.probe(probes.loader_orders, 30, 7, True)
    require(sorted(sum(got, [])) == list(range(30)), "an epoch must yield every sample once")
    require([len(b) for b in got] == [7, 7, 7, 7, 2], "batches must have batch_size samples")


# ----------------------------------------------------------------------------- split_dataset
@pytest.mark.points(1)
@pytest.mark.clause("split_dataset", "part k has `floor(fractions[k] * n)` samples")
@pytest.mark.parametrize(
    "n,fractions",
    [
        (100, (0.29, 0.31, 0.4)),
        (100, (0.57, 0.43)),
        (90, (0.7, 0.15, 0.15)),
        (10, (0.25, 0.25, 0.5)),
        (1, (0.7, 0.15, 0.15)),
        (9, (0.3, 0.3, 0.4000001)),
    ],
)
def test_split_dataset_sizes(student, reference, n, fractions):
    """split_dataset: sizes floor(f * n) without float error, the remainder last; disjoint
    parts covering every index; fractions summing to 1 within 1e-6 are accepted."""
    got = student.probe(probes.split_parts, n, fractions, 5)
    want = reference.probe(probes.split_parts, n, fractions, 5)
    require(len(got) == len(fractions), "one part per fraction")
    require(
        [len(p) for p in got] == [len(p) for p in want],
        f"part sizes {[len(p) for p in got]} are wrong for n={n}, fractions={fractions}",
    )
    require(
        sorted(sum(got, [])) == list(range(n)),
        "the parts must be disjoint and cover every index exactly once",
    )


@pytest.mark.points(1)
@pytest.mark.clause("split_dataset", "the same seed gives the same split")
def test_split_dataset_seeded(student, reference):
    """split_dataset: the same seed gives the same split, another seed another split; the
    default fractions are (0.7, 0.15, 0.15)."""
    first = student.probe(probes.split_parts, 60, (0.5, 0.5), 3)
    require(
        first == student.probe(probes.split_parts, 60, (0.5, 0.5), 3),
        "the same seed gave a different split",
    )
    require(
        first != student.probe(probes.split_parts, 60, (0.5, 0.5), 4),
        "the split does not depend on the seed (is it shuffled?)",
    )
    got = student.probe(probes.split_default, 90)
    want = reference.probe(probes.split_default, 90)
    require(
        [len(p) for p in got] == [len(p) for p in want],
        "wrong part sizes with the default fractions",
    )


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause(
    "split_dataset", "Raises ValueError if a fraction is negative or the fractions do not sum to 1"
)
def test_split_dataset_rejects_bad_fractions(student, reference):
    """split_dataset: ValueError for a negative fraction or fractions not summing to 1."""
    got = student.probe(probes.split_parts, 20, (0.3, 0.7), 0)
    want = reference.probe(probes.split_parts, 20, (0.3, 0.7), 0)
    require_working(
        [len(p) for p in got] == [len(p) for p in want] and sorted(sum(got, [])) == list(range(20)),
        "split_dataset",
        "split_dataset gives wrong parts for valid fractions",
    )
    for fractions in ((0.6, 0.6, -0.2), (0.7, 0.2), (0.5, 0.5, 0.01)):
        with student_raises("ValueError"):
            student.probe(probes.split_parts, 20, fractions, 0)


# ----------------------------------------------------------------------------- images
def check_stats(got: dict, images: torch.Tensor, what: str) -> None:
    channels = images.transpose(0, 1).reshape(images.shape[1], -1).to(torch.float64)
    for key in ("mean", "std"):
        value = got[key]
        require(
            isinstance(value, torch.Tensor) and value.is_floating_point(),
            f"{key} must be a float tensor",
        )
        require(tuple(value.shape) == (channels.shape[0],), f"{key} must have shape (C,)")
    assert_close(got["mean"], channels.mean(dim=1), rtol=1e-6, atol=1e-7, what=f"{what} mean")
    assert_close(got["std"], channels.std(dim=1), rtol=1e-6, atol=1e-7, what=f"{what} std")


@pytest.mark.points(1)
@pytest.mark.clause("channel_mean_std", "Per-channel mean and standard deviation over every pixel")
@pytest.mark.parametrize("name", ["MNIST", "FashionMNIST"])
def test_channel_mean_std_torchvision(student, reference, data, name):
    """channel_mean_std: torchvision MNIST/FashionMNIST + ToTensor, equal to a direct
    float64 computation over every pixel."""
    got = student.probe(probes.stats_of_torchvision, str(data), name, False, 64)
    raw = reference.probe(probes.torchvision_images, str(data), name, False)
    check_stats(got, (raw.to(torch.float32) / 255)[:, None], name)


@pytest.mark.points(3)
@pytest.mark.clause("channel_mean_std", "Careful: the mean of per-batch stds is not the std")
@pytest.mark.parametrize(
    "shape,n,batch_size", [((3, 5, 9), 30, 7), ((2, 4, 3), 13, 1), ((1, 6, 2), 20, 5000)]
)
def test_channel_mean_std_batches(student, shape, n, batch_size):
    """channel_mean_std: several channels, non-square images, batches that differ from each
    other and a short last batch; std with Bessel's correction over all pixels."""
    got = student.probe(probes.stats_of_images, shape, n, 606, batch_size)
    check_stats(got, probes.drifting_images(shape, n, 606), "channel")


@pytest.mark.points(1)
@pytest.mark.clause("channel_mean_std", "Bessel's correction")
def test_channel_mean_std_single_image(student):
    """channel_mean_std: a dataset of a single image, with the default batch size."""
    got = student.probe(probes.stats_of_images, (2, 3, 4), 1, 7, None)
    check_stats(got, probes.drifting_images((2, 3, 4), 1, 7), "channel")


@pytest.mark.points(1)
@pytest.mark.clause("mnist_transform", "then `transforms.Normalize` with `mean` and `std`")
def test_mnist_transform(student, reference, data):
    """mnist_transform: ToTensor then Normalize with the given mean and std (defaults
    0.1307/0.3081), on square and non-square images."""
    rng = np.random.default_rng(4)
    arrays = [rng.integers(0, 256, size=s) for s in ((28, 28), (10, 17))]
    for args in ((), (0.5, 0.25)):
        got = student.probe(probes.transform_images, arrays, args)
        want = reference.probe(probes.transform_images, arrays, args)
        assert_close(got, want, rtol=1e-5, atol=1e-5, what="transformed image")
    got = student.probe(probes.transform_torchvision, str(data), "MNIST", 5)
    want = reference.probe(probes.transform_torchvision, str(data), "MNIST", 5)
    try:
        assert_close(got, want, rtol=1e-5, atol=1e-5, what="MNIST item")
    except Mismatch as exc:
        raise Mismatch(
            f"{exc} (torchvision.datasets.MNIST with transform=mnist_transform())"
        ) from None
