"""Deterministic generation of the data the exercises and tests use.

Nothing here is downloaded: every file is synthesised from fixed seeds, in a few seconds.

    python -m autograder.kit.datagen [--out DIR] [--force]

writes into the data directory (default `<repo>/data/generated`, or `$TORCHGRADE_DATA_DIR`):

- `ames.xlsx` and `ames.csv` — an Ames-style housing table with the 17 columns of
  `AMES_COLUMNS` (16 inputs, then `SalePrice`), 2928 rows with realistic ranges and
  correlations (quality, size and age drive the price);
- `ames_raw.csv` — the same houses laid out like the full public Ames file (82 columns,
  2930 rows, two of them missing a kept value), so `simplify_ames` turns it into the above;
- `MNIST/raw/` and `FashionMNIST/raw/` — tiny IDX files (uint8 28×28 images, digit-like
  strokes and clothing-like silhouettes) that `torchvision.datasets.MNIST(root, train=...,
  download=False)` and `FashionMNIST` load unchanged.

Files are written under a temporary name and renamed, so two processes generating at once
never see a half-written file.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[2]
VERSION = "1"  # bump when the generated content changes, so old copies are regenerated
STAMP = ".torchgrade-data"

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

# The 82 columns of the public Ames file (De Cock, 2011), in its order.
RAW_AMES_COLUMNS = [
    "Order",
    "PID",
    "MS SubClass",
    "MS Zoning",
    "Lot Frontage",
    "Lot Area",
    "Street",
    "Alley",
    "Lot Shape",
    "Land Contour",
    "Utilities",
    "Lot Config",
    "Land Slope",
    "Neighborhood",
    "Condition 1",
    "Condition 2",
    "Bldg Type",
    "House Style",
    "Overall Qual",
    "Overall Cond",
    "Year Built",
    "Year Remod/Add",
    "Roof Style",
    "Roof Matl",
    "Exterior 1st",
    "Exterior 2nd",
    "Mas Vnr Type",
    "Mas Vnr Area",
    "Exter Qual",
    "Exter Cond",
    "Foundation",
    "Bsmt Qual",
    "Bsmt Cond",
    "Bsmt Exposure",
    "BsmtFin Type 1",
    "BsmtFin SF 1",
    "BsmtFin Type 2",
    "BsmtFin SF 2",
    "Bsmt Unf SF",
    "Total Bsmt SF",
    "Heating",
    "Heating QC",
    "Central Air",
    "Electrical",
    "1st Flr SF",
    "2nd Flr SF",
    "Low Qual Fin SF",
    "Gr Liv Area",
    "Bsmt Full Bath",
    "Bsmt Half Bath",
    "Full Bath",
    "Half Bath",
    "Bedroom AbvGr",
    "Kitchen AbvGr",
    "Kitchen Qual",
    "TotRms AbvGrd",
    "Functional",
    "Fireplaces",
    "Fireplace Qu",
    "Garage Type",
    "Garage Yr Blt",
    "Garage Finish",
    "Garage Cars",
    "Garage Area",
    "Garage Qual",
    "Garage Cond",
    "Paved Drive",
    "Wood Deck SF",
    "Open Porch SF",
    "Enclosed Porch",
    "3Ssn Porch",
    "Screen Porch",
    "Pool Area",
    "Pool QC",
    "Fence",
    "Misc Feature",
    "Misc Val",
    "Mo Sold",
    "Yr Sold",
    "Sale Type",
    "Sale Condition",
    "SalePrice",
]

AMES_ROWS = 2928  # rows of the simplified table (the public file has 2930, two incomplete)
AMES_SEED = 1996
MNIST_SIZES = {"train": 600, "t10k": 200}
FILES = (
    "ames.xlsx",
    "ames.csv",
    "ames_raw.csv",
    *(
        f"{d}/raw/{s}-{k}-idx{n}-ubyte"
        for d in ("MNIST", "FashionMNIST")
        for s in ("train", "t10k")
        for k, n in (("images", 3), ("labels", 1))
    ),
)


def default_data_dir() -> Path:
    """`$TORCHGRADE_DATA_DIR` if set, else `<repo>/data/generated`."""
    override = os.environ.get("TORCHGRADE_DATA_DIR")
    return Path(override).expanduser().resolve() if override else REPO_ROOT / "data" / "generated"


DATA_DIR = default_data_dir()


# --------------------------------------------------------------------------- Ames tables
def _houses(n_rows: int, rng: np.random.Generator) -> pd.DataFrame:
    """The 17 kept columns, all complete, as int64. Quality, size and age are correlated
    and drive the price, roughly as in the public data."""
    qual = np.clip(np.round(rng.normal(6.1, 1.4, n_rows)), 1, 10)
    yr_sold = rng.integers(2006, 2011, n_rows)
    built = np.round(1971 + 11 * (qual - 6) + rng.normal(0, 22, n_rows))
    built = np.clip(built, 1872, yr_sold)
    remodelled = rng.random(n_rows) < 0.45
    remod_from = np.maximum(built, 1950)
    remod = np.where(
        remodelled, remod_from + rng.random(n_rows) * (yr_sold - remod_from), remod_from
    )
    remod = np.round(remod)
    cond = np.where(
        rng.random(n_rows) < 0.56,
        5,
        np.clip(np.round(rng.normal(6 - (built > 1990), 1.1, n_rows)), 1, 9),
    )
    living = np.exp(7.25 + 0.09 * (qual - 6) + rng.normal(0, 0.24, n_rows))
    living = np.round(np.clip(living, 334, 5642))
    has_second = rng.random(n_rows) < np.clip(0.25 + 0.05 * (qual - 5), 0.05, 0.8)
    second = np.where(has_second, np.round(living * rng.uniform(0.35, 0.5, n_rows)), 0)
    first = living - second
    basement = np.where(
        rng.random(n_rows) < 0.027, 0, np.round(first * rng.uniform(0.65, 1.05, n_rows))
    )
    lot = np.round(
        np.clip(
            np.exp(9.1 + 0.3 * np.log(living / 1500) + rng.normal(0, 0.45, n_rows)), 1300, 215245
        )
    )
    full_bath = np.clip(
        np.round(living / 1000 + 0.3 * (qual > 7) + rng.normal(0, 0.4, n_rows)), 0, 4
    )
    half_bath = np.clip(np.round(0.3 + 0.6 * has_second + rng.normal(0, 0.4, n_rows)), 0, 2)
    bedrooms = np.clip(np.round(living / 520 + rng.normal(0, 0.6, n_rows)), 0, 8)
    kitchens = np.where(rng.random(n_rows) < 0.045, 2, 1)
    rooms = np.clip(
        bedrooms + kitchens + 2 + np.round(living / 900 + rng.normal(0, 0.6, n_rows)), 2, 15
    )
    garage = np.where(
        rng.random(n_rows) < 0.055,
        0,
        np.round(
            np.clip(260 + 45 * (qual - 4) + 0.1 * living + rng.normal(0, 90, n_rows), 100, 1488)
        ),
    )
    log_price = (
        12.02
        + 0.105 * (qual - 6)
        + 0.42 * np.log(living / 1440)
        + 0.0022 * (built - 1971)
        + 0.001 * (remod - built) / 10
        + 0.07 * np.log(lot / 9400)
        + 0.00018 * (basement - 1000)
        + 0.00022 * (garage - 470)
        + 0.03 * (cond - 5)
        - 0.15 * (kitchens - 1)
        + rng.normal(0, 0.11, n_rows)
    )
    price = np.round(np.clip(np.exp(log_price), 12789, 755000) / 100) * 100
    values = [
        lot,
        qual,
        cond,
        built,
        remod,
        basement,
        first,
        second,
        living,
        full_bath,
        half_bath,
        bedrooms,
        kitchens,
        rooms,
        garage,
        yr_sold,
        price,
    ]
    return pd.DataFrame(
        {c: np.asarray(v).astype(np.int64) for c, v in zip(AMES_COLUMNS, values, strict=True)}
    )


_CATEGORIES = {
    "MS Zoning": ["RL", "RM", "FV", "RH", "C (all)"],
    "Street": ["Pave", "Grvl"],
    "Lot Shape": ["Reg", "IR1", "IR2", "IR3"],
    "Land Contour": ["Lvl", "HLS", "Bnk", "Low"],
    "Utilities": ["AllPub"],
    "Lot Config": ["Inside", "Corner", "CulDSac", "FR2"],
    "Land Slope": ["Gtl", "Mod", "Sev"],
    "Neighborhood": [
        "NAmes",
        "CollgCr",
        "OldTown",
        "Edwards",
        "Somerst",
        "NridgHt",
        "Gilbert",
        "Sawyer",
        "NWAmes",
        "Mitchel",
        "BrkSide",
        "Crawfor",
    ],
    "Condition 1": ["Norm", "Feedr", "Artery", "RRAn"],
    "Condition 2": ["Norm", "Feedr"],
    "Bldg Type": ["1Fam", "TwnhsE", "Duplex", "Twnhs", "2fmCon"],
    "House Style": ["1Story", "2Story", "1.5Fin", "SLvl", "SFoyer"],
    "Roof Style": ["Gable", "Hip", "Flat"],
    "Roof Matl": ["CompShg", "Tar&Grv", "WdShngl"],
    "Exterior 1st": ["VinylSd", "MetalSd", "HdBoard", "Wd Sdng", "Plywood"],
    "Exterior 2nd": ["VinylSd", "MetalSd", "HdBoard", "Wd Sdng", "Plywood"],
    "Mas Vnr Type": ["None", "BrkFace", "Stone"],
    "Exter Qual": ["TA", "Gd", "Ex", "Fa"],
    "Exter Cond": ["TA", "Gd", "Fa"],
    "Foundation": ["PConc", "CBlock", "BrkTil", "Slab"],
    "Heating": ["GasA", "GasW"],
    "Heating QC": ["Ex", "TA", "Gd", "Fa"],
    "Central Air": ["Y", "N"],
    "Electrical": ["SBrkr", "FuseA", "FuseF"],
    "Kitchen Qual": ["TA", "Gd", "Ex", "Fa"],
    "Functional": ["Typ", "Min2", "Min1", "Mod"],
    "Paved Drive": ["Y", "N", "P"],
    "Sale Type": ["WD ", "New", "COD", "ConLD"],
    "Sale Condition": ["Normal", "Partial", "Abnorml", "Family"],
}
# Columns of the public file that are often empty (NA = "no alley", "no pool", ...):
# a filter that drops rows missing *any* column loses almost every row.
_SPARSE = {
    "Alley": (["Grvl", "Pave"], 0.93),
    "Pool QC": (["Ex", "Gd", "TA"], 0.995),
    "Fence": (["MnPrv", "GdPrv", "GdWo"], 0.8),
    "Misc Feature": (["Shed", "Gar2"], 0.96),
    "Fireplace Qu": (["Gd", "TA", "Fa", "Ex"], 0.49),
    "Bsmt Qual": (["TA", "Gd", "Ex"], 0.03),
    "Bsmt Cond": (["TA", "Gd", "Fa"], 0.03),
    "Bsmt Exposure": (["No", "Av", "Gd", "Mn"], 0.03),
    "BsmtFin Type 1": (["GLQ", "Unf", "ALQ", "Rec"], 0.03),
    "BsmtFin Type 2": (["Unf", "Rec", "LwQ"], 0.03),
    "Garage Type": (["Attchd", "Detchd", "BuiltIn"], 0.054),
    "Garage Finish": (["Unf", "RFn", "Fin"], 0.054),
    "Garage Qual": (["TA", "Fa", "Gd"], 0.054),
    "Garage Cond": (["TA", "Fa", "Gd"], 0.054),
}


def raw_ames_table(
    n_rows: int, seed: int, missing_fraction: float = 0.0, houses: pd.DataFrame | None = None
) -> pd.DataFrame:
    """A table laid out like the full public Ames file: its 82 columns in order, the kept
    17 as nullable integers. `round(missing_fraction * n_rows)` rows miss one or two kept
    values; the other columns have their own gaps (Alley, Pool QC, Fence, ...)."""
    if not 0 <= missing_fraction <= 1:
        raise ValueError(f"missing_fraction must be in [0, 1], got {missing_fraction}")
    rng = np.random.default_rng(seed)
    kept = _houses(n_rows, rng) if houses is None else houses
    n_rows = len(kept)
    table: dict[str, object] = {}
    for column in RAW_AMES_COLUMNS:
        if column in AMES_COLUMNS:
            table[column] = kept[column].astype("Int64")
        elif column in _CATEGORIES:
            table[column] = rng.choice(_CATEGORIES[column], n_rows)
        elif column in _SPARSE:
            choices, empty = _SPARSE[column]
            values = rng.choice(choices, n_rows).astype(object)
            values[rng.random(n_rows) < empty] = np.nan
            table[column] = values
        else:
            table[column] = pd.array(rng.integers(0, 400, n_rows), dtype="Int64")
    table["Order"] = pd.array(np.arange(1, n_rows + 1), dtype="Int64")
    table["PID"] = pd.array(rng.integers(526_301_100, 924_152_030, n_rows), dtype="Int64")
    table["MS SubClass"] = pd.array(
        rng.choice([20, 60, 50, 120, 30, 160, 70, 80], n_rows), dtype="Int64"
    )
    frontage = pd.array(rng.integers(21, 313, n_rows), dtype="Int64")
    frontage[rng.random(n_rows) < 0.17] = pd.NA
    table["Lot Frontage"] = frontage
    garage_year = pd.array(np.maximum(kept["Year Built"].to_numpy(), 1895), dtype="Int64")
    garage_year[kept["Garage Area"].to_numpy() == 0] = pd.NA
    table["Garage Yr Blt"] = garage_year
    table["Mo Sold"] = pd.array(rng.integers(1, 13, n_rows), dtype="Int64")
    frame = pd.DataFrame(table, columns=RAW_AMES_COLUMNS)
    n_missing = int(round(missing_fraction * n_rows))
    for row in rng.choice(n_rows, n_missing, replace=False):
        for column in rng.choice(AMES_COLUMNS, rng.integers(1, 3), replace=False):
            frame.loc[row, column] = pd.NA
    return frame


def write_raw_ames(
    path: str | os.PathLike, n_rows: int = 2930, seed: int = 0, missing_fraction: float = 0.01
) -> int:
    """Write `raw_ames_table(n_rows, seed, missing_fraction)` to `path` (`.csv` or `.xlsx`,
    by suffix, atomically). Returns how many rows have all of `AMES_COLUMNS`."""
    frame = raw_ames_table(n_rows, seed, missing_fraction)
    _write_table(frame, Path(path))
    return int(frame[AMES_COLUMNS].notna().all(axis=1).sum())


def write_ames(
    path: str | os.PathLike,
    n_rows: int = AMES_ROWS,
    seed: int = AMES_SEED,
    columns: list[str] | None = None,
) -> pd.DataFrame:
    """Write a complete Ames-style table (`.csv` or `.xlsx`), the target last. `columns`
    picks a subset of `AMES_COLUMNS` (e.g. fewer inputs); returns the table written."""
    frame = _houses(n_rows, np.random.default_rng(seed))
    if columns is not None:
        frame = frame[list(columns)]
    _write_table(frame, Path(path))
    return frame


def _write_table(frame: pd.DataFrame, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        _atomic(path, lambda tmp: frame.to_csv(tmp, index=False))
    elif suffix == ".xlsx":
        _atomic(path, lambda tmp: frame.to_excel(tmp, index=False, engine="openpyxl"))
    else:
        raise ValueError(f"path must end in .csv or .xlsx, got {path.name!r}")


def _atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write through `write(tmp)` to a temporary name in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a sandboxed grader may run as another user
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- IDX images
# Digits as polylines on a 0..1 canvas (x right, y down), drawn with a random affine jitter.
_ARC = [(np.cos(t), np.sin(t)) for t in np.linspace(0, 2 * np.pi, 13)]
_DIGITS = {
    0: [[(0.5 + 0.28 * c, 0.5 + 0.38 * s) for c, s in _ARC]],
    1: [[(0.38, 0.25), (0.52, 0.12), (0.52, 0.88)]],
    2: [[(0.25, 0.3), (0.4, 0.13), (0.62, 0.13), (0.74, 0.3), (0.25, 0.87), (0.78, 0.87)]],
    3: [[(0.27, 0.17), (0.7, 0.17), (0.45, 0.47), (0.72, 0.62), (0.6, 0.86), (0.27, 0.82)]],
    4: [[(0.62, 0.88), (0.62, 0.12), (0.22, 0.62), (0.8, 0.62)]],
    5: [
        [
            (0.74, 0.13),
            (0.32, 0.13),
            (0.28, 0.45),
            (0.66, 0.47),
            (0.72, 0.75),
            (0.5, 0.88),
            (0.25, 0.8),
        ]
    ],
    6: [
        [
            (0.68, 0.13),
            (0.35, 0.45),
            (0.3, 0.72),
            (0.5, 0.88),
            (0.7, 0.72),
            (0.62, 0.52),
            (0.33, 0.58),
        ]
    ],
    7: [[(0.24, 0.14), (0.78, 0.14), (0.42, 0.88)]],
    8: [
        [(0.5 + 0.2 * c, 0.31 + 0.18 * s) for c, s in _ARC],
        [(0.5 + 0.25 * c, 0.68 + 0.2 * s) for c, s in _ARC],
    ],
    9: [[(0.5 + 0.2 * c, 0.33 + 0.2 * s) for c, s in _ARC], [(0.7, 0.33), (0.64, 0.88)]],
}
# Clothing classes of Fashion-MNIST as filled polygons (T-shirt, trouser, pullover, ...).
_CLOTHES = {
    0: [
        (0.3, 0.15),
        (0.7, 0.15),
        (0.92, 0.35),
        (0.8, 0.45),
        (0.72, 0.38),
        (0.72, 0.9),
        (0.28, 0.9),
        (0.28, 0.38),
        (0.2, 0.45),
        (0.08, 0.35),
    ],
    1: [
        (0.33, 0.08),
        (0.67, 0.08),
        (0.7, 0.92),
        (0.56, 0.92),
        (0.5, 0.35),
        (0.44, 0.92),
        (0.3, 0.92),
    ],
    2: [
        (0.3, 0.12),
        (0.7, 0.12),
        (0.9, 0.3),
        (0.95, 0.88),
        (0.8, 0.88),
        (0.74, 0.4),
        (0.74, 0.9),
        (0.26, 0.9),
        (0.26, 0.4),
        (0.2, 0.88),
        (0.05, 0.88),
        (0.1, 0.3),
    ],
    3: [(0.4, 0.08), (0.6, 0.08), (0.64, 0.4), (0.8, 0.92), (0.2, 0.92), (0.36, 0.4)],
    4: [
        (0.3, 0.1),
        (0.7, 0.1),
        (0.9, 0.25),
        (0.95, 0.92),
        (0.78, 0.92),
        (0.76, 0.45),
        (0.76, 0.94),
        (0.24, 0.94),
        (0.24, 0.45),
        (0.22, 0.92),
        (0.05, 0.92),
        (0.1, 0.25),
    ],
    5: [(0.06, 0.62), (0.5, 0.5), (0.94, 0.56), (0.94, 0.66), (0.5, 0.66), (0.06, 0.7)],
    6: [
        (0.32, 0.1),
        (0.5, 0.2),
        (0.68, 0.1),
        (0.9, 0.3),
        (0.9, 0.85),
        (0.76, 0.85),
        (0.74, 0.42),
        (0.74, 0.92),
        (0.26, 0.92),
        (0.26, 0.42),
        (0.24, 0.85),
        (0.1, 0.85),
        (0.1, 0.3),
    ],
    7: [(0.04, 0.55), (0.45, 0.45), (0.7, 0.55), (0.96, 0.62), (0.96, 0.75), (0.04, 0.75)],
    8: [
        (0.12, 0.35),
        (0.35, 0.35),
        (0.4, 0.15),
        (0.6, 0.15),
        (0.65, 0.35),
        (0.88, 0.35),
        (0.88, 0.88),
        (0.12, 0.88),
    ],
    9: [(0.3, 0.1), (0.6, 0.1), (0.6, 0.5), (0.94, 0.7), (0.94, 0.9), (0.3, 0.9)],
}
_GRID = (
    np.stack(np.meshgrid(np.arange(28), np.arange(28), indexing="xy"), -1)
    .reshape(-1, 2)
    .astype(np.float64)
    + 0.5
) / 28  # pixel centres, (784, 2) as (x, y)


def _jitter(points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    angle = rng.normal(0, 0.15)
    scale = rng.uniform(0.8, 1.0, 2)
    shear = rng.normal(0, 0.12)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    matrix = rot @ np.array([[scale[0], shear], [0, scale[1]]])
    return (points - 0.5) @ matrix.T + 0.5 + rng.normal(0, 0.03, 2)


def _digit_image(label: int, rng: np.random.Generator) -> np.ndarray:
    width = rng.uniform(0.025, 0.05)
    distance = np.full(len(_GRID), np.inf)
    for stroke in _DIGITS[label]:
        points = _jitter(np.asarray(stroke, dtype=np.float64), rng)
        a, b = points[:-1], points[1:]  # segments (S, 2)
        ab = b - a
        t = np.clip(
            ((_GRID[:, None] - a) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0, 1
        )
        nearest = a + t[..., None] * ab
        distance = np.minimum(distance, np.linalg.norm(_GRID[:, None] - nearest, axis=-1).min(1))
    ink = np.clip(1 - (distance - width) * 28 / 1.5, 0, 1)
    return np.round(ink * rng.uniform(200, 255)).astype(np.uint8).reshape(28, 28)


def _inside(polygon: np.ndarray) -> np.ndarray:
    """Even-odd rule: which pixel centres lie inside `polygon` (P, 2)."""
    x, y = _GRID[:, 0], _GRID[:, 1]
    inside = np.zeros(len(_GRID), dtype=bool)
    for (x0, y0), (x1, y1) in zip(polygon, np.roll(polygon, -1, axis=0), strict=True):
        crosses = (y0 > y) != (y1 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_cross = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
        inside ^= crosses & (x < x_cross)
    return inside


def _clothing_image(label: int, rng: np.random.Generator) -> np.ndarray:
    mask = _inside(_jitter(np.asarray(_CLOTHES[label], dtype=np.float64), rng))
    shade = rng.uniform(60, 230)
    texture = rng.normal(0, 18, len(_GRID)) + 20 * np.sin(_GRID[:, 1] * rng.uniform(20, 60))
    image = np.where(mask, np.clip(shade + texture, 1, 255), 0)
    return np.round(image).astype(np.uint8).reshape(28, 28)


def _images(
    n: int, seed: int, draw: Callable[[int, np.random.Generator], np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.resize(np.arange(10, dtype=np.uint8), n)
    rng.shuffle(labels)
    images = np.stack([draw(int(label), rng) for label in labels])
    return images, labels


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write a uint8 array in the IDX format of MNIST (magic 0x0000 08 ndim, big-endian sizes)."""
    data = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, data.ndim) + struct.pack(f">{data.ndim}I", *data.shape)
    _atomic(Path(path), lambda tmp: tmp.write_bytes(header + data.tobytes()))


def write_mnist_like(
    root: str | os.PathLike, name: str = "MNIST", sizes: dict[str, int] | None = None, seed: int = 0
) -> Path:
    """Write `root/name/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte` for torchvision.
    `name` is "MNIST" (digit strokes) or "FashionMNIST" (clothing silhouettes)."""
    draw = {"MNIST": _digit_image, "FashionMNIST": _clothing_image}[name]
    raw = Path(root) / name / "raw"
    for i, (split, n) in enumerate((sizes or MNIST_SIZES).items()):
        images, labels = _images(n, seed * 10 + i, draw)
        write_idx(raw / f"{split}-images-idx3-ubyte", images)
        write_idx(raw / f"{split}-labels-idx1-ubyte", labels)
    return raw


# --------------------------------------------------------------------------- entry points
def _complete(data_dir: Path) -> bool:
    stamp = data_dir / STAMP
    try:
        if stamp.read_text(encoding="utf-8").strip() != VERSION:
            return False
    except OSError:
        return False
    return all((data_dir / name).is_file() for name in FILES)


def generate(data_dir: Path) -> None:
    """Write every file into `data_dir` (overwriting), the stamp last."""
    data_dir.mkdir(parents=True, exist_ok=True)
    raw = raw_ames_table(AMES_ROWS + 2, AMES_SEED, missing_fraction=2 / (AMES_ROWS + 2))
    _write_table(raw, data_dir / "ames_raw.csv")
    ames = raw[AMES_COLUMNS].dropna().astype(np.int64).reset_index(drop=True)
    assert len(ames) == AMES_ROWS
    _write_table(ames, data_dir / "ames.csv")
    _write_table(ames, data_dir / "ames.xlsx")
    write_mnist_like(data_dir, "MNIST", seed=7)
    write_mnist_like(data_dir, "FashionMNIST", seed=11)
    _atomic(data_dir / STAMP, lambda tmp: tmp.write_text(VERSION + "\n", encoding="utf-8"))


def ensure_data(data_dir: str | os.PathLike | None = None) -> Path:
    """The data directory, generated on first use (idempotent; safe to race)."""
    path = Path(data_dir).expanduser().resolve() if data_dir is not None else default_data_dir()
    if not _complete(path):
        generate(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate torchgrade's data files.")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="data directory (default: $TORCHGRADE_DATA_DIR or data/generated)",
    )
    parser.add_argument("--force", action="store_true", help="regenerate even if present")
    args = parser.parse_args(argv)
    out = (args.out or default_data_dir()).expanduser().resolve()
    start = time.perf_counter()
    if args.force and out.exists():
        (out / STAMP).unlink(missing_ok=True)
    path = ensure_data(out)
    print(f"data in {path} ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
