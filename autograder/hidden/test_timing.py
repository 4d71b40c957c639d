"""Hidden suite for exercise 9 (timing): 19 points without a GPU, 5 more with one.

CUDA behaviour is checked on any machine with a fake GPU (autograder/probes/timing.py):
the log of matrix products, synchronizations and clock reads shows whether the clock
stops only after the GPU has finished, and a scripted clock makes the median exact.
"""

import ast

import numpy as np
import pytest
import torch

from autograder.judge import source_rules
from autograder.judge.checks import (
    assert_close,
    require,
    require_working,
    require_works,
    student_raises,
)
from autograder.probes import timing as probes

# Warm-up products take 0.5 s each, the later ones TIMED over and over (so any five in a
# row have the same median, however many untimed runs came first): the median (3 ms)
# differs from the mean (22 ms) and from the median with the warm-up runs included (4 ms).
WARMUP, REPEATS = 2, 5
TIMED = [0.004, 0.001, 0.1, 0.003, 0.002]
SCRIPT = [0.5] * WARMUP + TIMED
SYNCS = ("sync", "event_sync")


def clock_style_synced(log: list[str], repeats: int) -> bool:
    """Each timed product (the last `repeats`) is followed by a synchronization before the
    clock read that stops it, and the previous product is synchronized before the start."""
    products = [i for i, entry in enumerate(log) if entry == "matmul"]
    if len(products) < repeats:
        return False
    for k in range(len(products) - repeats, len(products)):
        p = products[k]
        stop = next((i for i in range(p + 1, len(log)) if log[i] == "clock"), None)
        if stop is None or not any(e in SYNCS for e in log[p + 1 : stop]):
            return False
        start = next((i for i in range(p - 1, -1, -1) if log[i] == "clock"), None)
        previous = products[k - 1] if k > 0 else None
        if start is None:
            return False
        if previous is not None and previous < start:
            if not any(e in SYNCS for e in log[previous + 1 : start]):
                return False
    return True


def event_style_synced(log: list[str], repeats: int) -> bool:
    """CUDA events: every elapsed_time came after the host waited for the end event."""
    return log.count("elapsed_ok") >= repeats and "elapsed_unsynced" not in log


def time_matmul_works(student, device: str) -> None:
    """time_matmul returns the median of its timed runs (a scripted clock, so the answer is
    exact): a rule about it counts only then."""
    got = student.probe(probes.timing_scenario, 10, device, REPEATS, WARMUP, SCRIPT)
    require(got["result"] is not None, f"time_matmul returned a {got['returned']}")
    require_works(got["result"], float(np.median(TIMED)), rtol=1e-6, atol=1e-9, what="time_matmul")


def numpy_timer_works(student) -> None:
    """time_numpy_matmul measures: a 384×384 product takes clearly longer than an 8×8 one
    (about 10⁵ times the work), which no fixed answer shows."""
    small = student.timing.time_numpy_matmul(8, repeats=5, warmup=1)
    large = student.timing.time_numpy_matmul(384, repeats=5, warmup=1)
    require(
        all(isinstance(v, float) for v in (small, large)),
        "time_numpy_matmul must return Python floats",
    )
    require_working(
        large > 3 * small > 0,
        "time_numpy_matmul",
        "time_numpy_matmul does not grow with the size of the product",
    )


# -- pick_device ---------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.clause("pick_device", 'else torch.device("mps") if torch.backends.mps.is_available()')
@pytest.mark.parametrize(
    "cuda,mps,expected", [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")]
)
def test_pick_device_order(student, cuda, mps, expected):
    """pick_device: CUDA first, then MPS, then the CPU, returned as a torch.device."""
    got = student.probe(probes.pick_device_scenario, cuda, mps)
    require(got["type"] is not None, f"pick_device returned a {got['returned']}")
    require(
        got["type"] == expected,
        f"with CUDA {'available' if cuda else 'unavailable'} and MPS "
        f"{'available' if mps else 'unavailable'}, pick_device chose {got['type']}",
    )


# -- time_matmul -----------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause("time_matmul", "return the median as a Python float (seconds)")
def test_time_matmul_cpu_returns_seconds(student):
    """time_matmul: on the CPU it returns a positive, finite Python float (seconds)."""
    time_matmul_works(student, "cpu")
    result = student.timing.time_matmul(16, "cpu", repeats=3, warmup=1)
    require(isinstance(result, float), f"expected a Python float, got {type(result).__name__}")
    require(np.isfinite(result) and 0 < result < 5, "the time is not a plausible duration")


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause(
    "time_matmul", "Bad arguments (n < 1, repeats < 1, warmup < 0) raise ValueError or TypeError"
)
def test_time_matmul_rejects_bad_arguments(student):
    """time_matmul: n < 1 or repeats < 1 raise ValueError or TypeError."""
    time_matmul_works(student, "cpu")
    for kwargs in ({"n": 0, "device": "cpu"}, {"n": 8, "device": "cpu", "repeats": 0}):
        with student_raises("ValueError", "TypeError"):
            student.timing.time_matmul(**kwargs)


@pytest.mark.points(4)
@pytest.mark.rule
@pytest.mark.clause(
    "time_matmul",
    "On CUDA, call torch.cuda.synchronize() before starting and before stopping the clock",
)
@pytest.mark.parametrize("as_device", [False, True])
def test_time_matmul_synchronizes_cuda(student, as_device):
    """time_matmul on CUDA (a simulated GPU): the host waits for the GPU before each clock
    stop (torch.cuda.synchronize or CUDA events), so the kernel itself is timed."""
    time_matmul_works(student, "cuda")
    got = student.probe(probes.timing_scenario, 12, "cuda", 4, 2, None, as_device)
    require(got["result"] is not None, f"time_matmul returned a {got['returned']}")
    log = got["log"]
    require(log.count("matmul") >= 4, "time_matmul ran fewer products than repeats")
    require(got["cuda_matmuls"] >= 4, "on CUDA the matrices were not put on the GPU")
    require(
        clock_style_synced(log, 4) or event_style_synced(log, 4),
        "on CUDA the clock was stopped (or elapsed_time read) without synchronizing after "
        "the product: only the kernel launch was timed",
    )


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause("time_matmul", "run `warmup` products without timing them")
def test_time_matmul_runs_warmup_and_repeats(student):
    """time_matmul: runs `warmup` untimed products and then `repeats` timed ones."""
    time_matmul_works(student, "cpu")
    got = student.probe(probes.timing_scenario, 10, "cpu", 3, 4)
    require(got["log"].count("matmul") >= 7, "time_matmul ran fewer than warmup + repeats products")


@pytest.mark.points(2)
@pytest.mark.clause(
    "time_matmul",
    "time `repeats` products one by one with time.perf_counter() and return the median",
)
@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_time_matmul_median_of_timed_runs(student, device):
    """time_matmul: returns the median of the timed runs, in seconds; warm-up runs are not
    timed (checked with a scripted clock, on the CPU and on a simulated GPU)."""
    got = student.probe(probes.timing_scenario, 10, device, REPEATS, WARMUP, SCRIPT)
    require(got["result"] is not None, f"time_matmul returned a {got['returned']}")
    assert_close(got["result"], float(np.median(TIMED)), rtol=1e-6, atol=1e-9, what="seconds")


# -- NumPy, GFLOP/s --------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause("time_numpy_matmul", "the median of `repeats` timed runs, as a Python float")
def test_time_numpy_matmul_returns_seconds(student):
    """time_numpy_matmul: a positive, finite Python float (seconds)."""
    numpy_timer_works(student)
    result = student.timing.time_numpy_matmul(16, repeats=3, warmup=1)
    require(isinstance(result, float), f"expected a Python float, got {type(result).__name__}")
    require(np.isfinite(result) and 0 < result < 5, "the time is not a plausible duration")


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause("time_numpy_matmul", "Make the matrices float32")
def test_time_numpy_matmul_float32(student):
    """time_numpy_matmul: the matrices are float32, like torch's default (NumPy's default
    float64 compares unfairly)."""
    numpy_timer_works(student)
    tree = source_rules.parse(student.source("timing"))
    require(
        "time_numpy_matmul" in source_rules.module_functions(tree),
        "time_numpy_matmul is not defined at module level",
    )
    nodes = source_rules.reachable(tree, ["time_numpy_matmul"])
    float32_words = {"float32", "single", "f4", "<f4", "=f4"}
    found = False
    for node in (n for root in nodes for n in ast.walk(root)):
        if isinstance(node, ast.Attribute) and node.attr in float32_words | {"numpy"}:
            found = True  # np.float32, np.single, or a torch tensor's .numpy() (float32)
        elif isinstance(node, ast.Name) and node.id in float32_words:
            found = True
        elif isinstance(node, ast.Constant) and node.value in float32_words:
            found = True
    require(found, "time_numpy_matmul does not make float32 matrices")


@pytest.mark.points(1)
@pytest.mark.clause("matmul_gflops", "return 2 n³ / seconds / 1e9 as a Python float")
def test_matmul_gflops(student, reference):
    """matmul_gflops: counts the multiplications and the additions of the product."""
    for n, seconds in ((100, 0.25), (1024, 0.0031), (7, 2e-6)):
        assert_close(
            student.timing.matmul_gflops(n, seconds),
            reference.timing.matmul_gflops(n, seconds),
            rtol=1e-9,
            what="GFLOP/s",
        )


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause("matmul_gflops", "seconds <= 0 raises ValueError")
def test_matmul_gflops_rejects_non_positive_seconds(student, reference):
    """matmul_gflops: seconds <= 0 raise an error instead of returning a throughput."""
    require_works(
        student.timing.matmul_gflops(64, 0.5),
        reference.timing.matmul_gflops(64, 0.5),
        rtol=1e-9,
        what="matmul_gflops",
    )
    for seconds in (0.0, -0.5):
        with student_raises("ValueError", "ZeroDivisionError"):
            student.timing.matmul_gflops(64, seconds)


# -- compare_devices -------------------------------------------------------------------------


def check_table(got: dict, sizes: tuple[int, ...], backends: set[str]) -> dict[str, float]:
    """The table (as plain lists from the probe) has one row per size and backend, positive
    times and consistent GFLOP/s. Returns {backend: seconds} of the largest size."""
    table = got["table"]
    require(table["type"] == "DataFrame", f"expected a pandas DataFrame, got {table['type']}")
    require(
        {"size", "backend", "seconds", "gflops"} <= set(table["columns"]),
        "the table lacks one of the columns size, backend, seconds, gflops",
    )
    rows = [(int(n), b) for n, b in zip(table["size"], table["backend"], strict=True)]
    require(len(rows) == len(set(rows)), "a (size, backend) pair appears twice")
    require(
        set(rows) == {(n, b) for n in sizes for b in backends},
        f"the rows are not exactly one per size for each backend of {sorted(backends)}",
    )
    seconds = np.asarray(table["seconds"], dtype=np.float64)
    require(np.all(np.isfinite(seconds) & (seconds > 0)), "a time is not positive")
    n = np.asarray(table["size"], dtype=np.float64)
    assert_close(
        np.asarray(table["gflops"], dtype=np.float64),
        2 * n**3 / seconds / 1e9,
        rtol=1e-6,
        what="gflops column",
    )
    return {b: float(s) for (k, b), s in zip(rows, seconds, strict=True) if k == max(sizes)}


@pytest.mark.points(2)
@pytest.mark.clause(
    "compare_devices",
    "Returns a pandas DataFrame with columns `size` (int), `backend` (str), `seconds`",
)
def test_compare_devices_table(student):
    """compare_devices: a DataFrame with columns size, backend, seconds, gflops; one row per
    size for numpy and torch-cpu, and torch-cuda only where CUDA is available."""
    sizes = (8, 16)
    got = student.probe(probes.compare_devices_scenario, sizes, 2, False)
    backends = {"numpy", "torch-cpu"} | ({"torch-cuda"} if got["cuda"] else set())
    check_table(got, sizes, backends)


@pytest.mark.points(1)
@pytest.mark.clause("compare_devices", '"torch-cuda" only where torch.cuda.is_available()')
def test_compare_devices_with_gpu(student):
    """compare_devices: where CUDA is available (a simulated GPU here), torch-cuda rows are
    added for every size."""
    sizes = (6, 12)
    got = student.probe(probes.compare_devices_scenario, sizes, 2, True)
    check_table(got, sizes, {"numpy", "torch-cpu", "torch-cuda"})


# -- on a real GPU ---------------------------------------------------------------------------


@pytest.mark.cuda
@pytest.mark.points(1)
@pytest.mark.clause("time_matmul", "as a Python float (seconds)")
def test_time_matmul_on_gpu_returns_seconds(student):
    """time_matmul on a real GPU: a positive, finite Python float."""
    result = student.timing.time_matmul(256, "cuda", repeats=3, warmup=1)
    require(isinstance(result, float), f"expected a Python float, got {type(result).__name__}")
    require(np.isfinite(result) and 0 < result < 5, "the time is not a plausible duration")


@pytest.mark.cuda
@pytest.mark.points(2)
@pytest.mark.clause(
    "time_matmul",
    "On CUDA, call torch.cuda.synchronize() before starting and before stopping the clock",
)
def test_time_matmul_on_gpu_times_the_kernel(student):
    """time_matmul on a real GPU: a large product takes about as long as a synchronized
    measurement says (a timing of the launch alone is far shorter)."""
    n = 4096
    got = student.timing.time_matmul(n, torch.device("cuda"), repeats=5, warmup=2)
    synced = student.probe(probes.real_sync_reference, n, 5)
    require(isinstance(got, float), f"expected a Python float, got {type(got).__name__}")
    require(got >= 0.5 * synced, "the GPU time is far below the kernel's real duration")


@pytest.mark.cuda
@pytest.mark.points(2)
@pytest.mark.clause("compare_devices", '"torch-cuda" only where torch.cuda.is_available()')
def test_compare_devices_on_gpu(student):
    """compare_devices on a real GPU: torch-cuda rows, and the GPU beats the CPU at n=1024."""
    got = student.probe(probes.compare_devices_scenario, (64, 1024), 3, False)
    seconds = check_table(got, (64, 1024), {"numpy", "torch-cpu", "torch-cuda"})
    require(seconds["torch-cuda"] < seconds["torch-cpu"], "the GPU was not faster at n=1024")
