"""Public tests for exercise 9 (timing). Reference values come from the formulas of the
exercise and from torch itself; the GPU test runs only where CUDA is available."""

import math
import time

import pytest
import torch
from torch.overrides import TorchFunctionMode


class CountMatmuls(TorchFunctionMode):
    """Counts the torch matrix products run inside the `with` block."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") in {"matmul", "mm", "__matmul__"}:
            self.count += 1
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("cuda,mps,expected", [(True, True, "cuda"), (False, False, "cpu")])
def test_pick_device_prefers_cuda(ex, monkeypatch, cuda, mps, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    device = ex.pick_device()
    assert isinstance(device, torch.device)
    assert device.type == expected


def test_time_matmul_cpu_positive_float(ex):
    seconds = ex.time_matmul(16, "cpu", repeats=3, warmup=1)
    assert isinstance(seconds, float)
    assert 0 < seconds < 1


def test_time_matmul_runs_warmup_and_repeats(ex):
    with CountMatmuls() as counter:
        ex.time_matmul(8, torch.device("cpu"), repeats=3, warmup=2)
    assert counter.count >= 5


def test_time_matmul_rejects_bad_n(ex):
    with pytest.raises((ValueError, TypeError)):
        ex.time_matmul(0, "cpu")


def test_time_numpy_matmul_positive_float(ex):
    seconds = ex.time_numpy_matmul(16, repeats=3, warmup=1)
    assert isinstance(seconds, float)
    assert 0 < seconds < 1


@pytest.mark.parametrize("n,seconds", [(10, 1e-3), (512, 0.02)])
def test_matmul_gflops_counts_two_n_cubed(ex, n, seconds):
    assert ex.matmul_gflops(n, seconds) == pytest.approx(2 * n**3 / seconds / 1e9, rel=1e-12)


def test_compare_devices_table(ex):
    table = ex.compare_devices(sizes=(8, 16), repeats=2)
    assert {"size", "backend", "seconds", "gflops"} <= set(table.columns)
    backends = ["numpy", "torch-cpu"] + (["torch-cuda"] if torch.cuda.is_available() else [])
    assert sorted(zip(table["size"], table["backend"], strict=True)) == sorted(
        (n, b) for n in (8, 16) for b in backends
    )
    for n, s, g in zip(table["size"], table["seconds"], table["gflops"], strict=True):
        assert s > 0
        assert math.isclose(g, 2 * n**3 / s / 1e9, rel_tol=1e-9)


@pytest.mark.cuda
@pytest.mark.skipif(
    not torch.cuda.is_available(),
    reason="needs a CUDA GPU: checks that GPU timings wait for the kernel (none here)",
)
def test_time_matmul_cuda_times_the_kernel(ex):
    n = 4096
    a, b = torch.randn(n, n, device="cuda"), torch.randn(n, n, device="cuda")
    a @ b
    torch.cuda.synchronize()
    start = time.perf_counter()
    a @ b
    torch.cuda.synchronize()
    synced = time.perf_counter() - start
    seconds = ex.time_matmul(n, "cuda", repeats=3, warmup=1)
    assert isinstance(seconds, float)
    # Without torch.cuda.synchronize() only the launch (microseconds) would be timed.
    assert seconds > 0.3 * synced
