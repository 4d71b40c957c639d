"""Exercise 9 — CPU vs GPU timing (reference solution).

Timing a matrix product looks easy, but a GPU runs kernels asynchronously: the Python call
returns as soon as the kernel is queued. Without `torch.cuda.synchronize()` (or CUDA events)
before stopping the clock, a GPU "timing" measures only the kernel launch. Warm-up runs
(kernel selection, caches, lazy initialisation) are not timed, and the median of several
runs resists the odd slow run that would drag a mean up.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import torch


def _check_count(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _as_device(device: Any) -> torch.device:
    if isinstance(device, torch.device):
        return device
    if not isinstance(device, str):
        raise TypeError(f"device must be a str or torch.device, got {type(device).__name__}")
    try:
        return torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"device {device!r} is not a device PyTorch knows: {exc}") from None


def _synchronizer(device: torch.device) -> Callable[[], None]:
    """A function that waits until every kernel queued on `device` has finished."""
    if device.type == "cuda":
        return lambda: torch.cuda.synchronize(device)
    if device.type == "mps":
        return torch.mps.synchronize
    return lambda: None  # the CPU computes synchronously


def _median_seconds(
    run: Callable[[], Any], repeats: int, warmup: int, sync: Callable[[], None]
) -> float:
    """Median wall-clock seconds of `repeats` timed calls of `run`, after `warmup` untimed
    ones. `sync` runs before starting and before stopping the clock."""
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        sync()  # nothing queued earlier may run inside the timed window
        start = time.perf_counter()
        run()
        sync()  # wait for the kernel itself, not only for its launch
        times.append(time.perf_counter() - start)
    return float(statistics.median(times))


def pick_device() -> torch.device:
    """The best device available: CUDA if available, else Apple's MPS, else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def time_matmul(
    n: int, device: Any, repeats: int = 10, warmup: int = 2, dtype: torch.dtype = torch.float32
) -> float:
    """Median seconds of an `(n, n) @ (n, n)` product of `dtype` matrices on `device`
    (a str such as "cpu", "cuda", "cuda:0", or a torch.device), after `warmup` untimed runs.

    Pitfall: CUDA kernels run asynchronously, so the clock is started and stopped only after
    `torch.cuda.synchronize()`; without it the timing measures the launch, not the product.
    """
    n = _check_count(n, "n", 1)
    repeats = _check_count(repeats, "repeats", 1)
    warmup = _check_count(warmup, "warmup", 0)
    device = _as_device(device)
    if not isinstance(dtype, torch.dtype):
        raise TypeError(f"dtype must be a torch.dtype, got {type(dtype).__name__}")
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(n, n, generator=generator, dtype=dtype).to(device)
    b = torch.randn(n, n, generator=generator, dtype=dtype).to(device)
    return _median_seconds(lambda: a @ b, repeats, warmup, _synchronizer(device))


def time_numpy_matmul(n: int, repeats: int = 10, warmup: int = 2) -> float:
    """Median seconds of an `(n, n) @ (n, n)` NumPy product of float32 matrices, after
    `warmup` untimed runs. (NumPy's default float64 would do twice the memory traffic and
    be compared unfairly with torch's float32.)"""
    n = _check_count(n, "n", 1)
    repeats = _check_count(repeats, "repeats", 1)
    warmup = _check_count(warmup, "warmup", 0)
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, n, n), dtype=np.float32)
    return _median_seconds(lambda: a @ b, repeats, warmup, lambda: None)


def matmul_gflops(n: int, seconds: float) -> float:
    """Throughput of an `(n, n) @ (n, n)` product that took `seconds`: it does n³
    multiplications and n³ additions (n²(n-1), to be exact), so `2 n³ / seconds / 1e9`."""
    n = _check_count(n, "n", 1)
    if not seconds > 0:
        raise ValueError(f"seconds must be positive, got {seconds!r}")
    return 2.0 * float(n) ** 3 / float(seconds) / 1e9


def compare_devices(sizes: Iterable[int] = (256, 512, 1024), repeats: int = 5) -> pd.DataFrame:
    """One row per (size, backend): columns `size, backend, seconds, gflops`. Backends are
    "numpy", "torch-cpu", and "torch-cuda" only where CUDA is available."""
    sizes = [_check_count(n, "sizes", 1) for n in sizes]
    if not sizes:
        raise ValueError("sizes must name at least one matrix size")
    repeats = _check_count(repeats, "repeats", 1)
    backends = ["numpy", "torch-cpu"]
    if torch.cuda.is_available():
        backends.append("torch-cuda")
    rows = []
    for n in sizes:
        for backend in backends:
            if backend == "numpy":
                seconds = time_numpy_matmul(n, repeats=repeats)
            else:
                device = "cuda" if backend == "torch-cuda" else "cpu"
                seconds = time_matmul(n, device, repeats=repeats)
            rows.append(
                {
                    "size": n,
                    "backend": backend,
                    "seconds": seconds,
                    "gflops": matmul_gflops(n, seconds),
                }
            )
    return pd.DataFrame(rows, columns=["size", "backend", "seconds", "gflops"])
