"""Exercise 9 — CPU vs GPU timing.

Measure how long a matrix product takes with NumPy, with torch on the CPU, and with torch
on a GPU where there is one, and turn the times into GFLOP/s. Three details decide whether
the numbers mean anything:
- warm-up: the first runs pay for lazy initialisation and kernel selection; run `warmup`
  products first and do not time them;
- the median of `repeats` timed runs, not the mean (one slow run would drag a mean up);
- a GPU runs kernels asynchronously: `a @ b` returns as soon as the kernel is queued. Call
  `torch.cuda.synchronize()` before starting and before stopping the clock (or time with
  `torch.cuda.Event(enable_timing=True)` and synchronize before `elapsed_time`), otherwise
  you time only the kernel launch.

Grading: a rule (such as "raises ValueError" or "changes no buffer") earns its points
only when the function it concerns also returns correct values in the same test, and
only for code without eval/exec, imports by computed names, or introspection of frames
or of the grader.
"""

from __future__ import annotations

import statistics  # noqa: F401  (you will need these)
import time  # noqa: F401
from collections.abc import Iterable
from typing import Any

import numpy as np  # noqa: F401
import pandas as pd
import torch


def pick_device() -> torch.device:
    """The best device available: torch.device("cuda") if torch.cuda.is_available(), else
    torch.device("mps") if torch.backends.mps.is_available() (Apple GPUs), else
    torch.device("cpu")."""
    raise NotImplementedError(
        "timing.pick_device: check torch.cuda.is_available() first, then "
        "torch.backends.mps.is_available(), and fall back to the CPU"
    )


def time_matmul(
    n: int, device: Any, repeats: int = 10, warmup: int = 2, dtype: torch.dtype = torch.float32
) -> float:
    """Median seconds of one `(n, n) @ (n, n)` torch product on `device`.

    n: matrix size (int >= 1); device: a str ("cpu", "cuda", "cuda:0", "mps") or a
    torch.device; repeats: timed runs (>= 1); warmup: untimed runs done first (>= 0);
    dtype: the matrices' dtype (float32 by default).
    Create two (n, n) random matrices of `dtype` on `device`, run `warmup` products without
    timing them, then time `repeats` products one by one with time.perf_counter() and return
    the median as a Python float (seconds). On CUDA, call torch.cuda.synchronize() before
    starting and before stopping the clock. Bad arguments (n < 1, repeats < 1, warmup < 0)
    raise ValueError or TypeError.
    """
    raise NotImplementedError(
        "timing.time_matmul: make a = torch.randn(n, n, dtype=dtype, device=device) and b, "
        "run a @ b `warmup` times, then time `repeats` runs (synchronize on CUDA)"
    )


def time_numpy_matmul(n: int, repeats: int = 10, warmup: int = 2) -> float:
    """Median seconds of one `(n, n) @ (n, n)` NumPy product of float32 matrices.

    Same protocol as time_matmul: `warmup` untimed runs, then the median of `repeats` timed
    runs, as a Python float. Make the matrices float32 (NumPy's default is float64, which
    would not compare fairly with torch's float32).
    """
    raise NotImplementedError(
        "timing.time_numpy_matmul: make two float32 (n, n) arrays (e.g. with "
        "np.random.default_rng(0).standard_normal(..., dtype=np.float32)) and time a @ b"
    )


def matmul_gflops(n: int, seconds: float) -> float:
    """Throughput in GFLOP/s of an `(n, n) @ (n, n)` product that took `seconds`.

    Each of the n² output entries needs n multiplications and n additions, so the product
    costs 2 n³ floating-point operations: return 2 n³ / seconds / 1e9 as a Python float.
    seconds <= 0 raises ValueError.
    """
    raise NotImplementedError(
        "timing.matmul_gflops: count the floating-point operations of the product "
        "(multiplications and additions), divide by seconds and by 1e9"
    )


def compare_devices(sizes: Iterable[int] = (256, 512, 1024), repeats: int = 5) -> pd.DataFrame:
    """A table of timings: one row per (size, backend).

    Returns a pandas DataFrame with columns `size` (int), `backend` (str), `seconds`
    (float, the median from time_numpy_matmul / time_matmul) and `gflops` (from
    matmul_gflops). Backends: "numpy", "torch-cpu", and "torch-cuda" only where
    torch.cuda.is_available().
    """
    raise NotImplementedError(
        "timing.compare_devices: for each size, time numpy, torch on 'cpu' and (only if "
        "torch.cuda.is_available()) torch on 'cuda'; collect dict rows into pd.DataFrame"
    )
