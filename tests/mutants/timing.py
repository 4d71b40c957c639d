"""Mutant catalogue for exercise 9 (timing): bugs applied to solutions/timing.py."""

from autograder.authoring.mutation import Mutant, saved_by_windows_editor

MUTANTS = [
    Mutant(
        "timing_no_cuda_synchronize",
        "time_matmul never calls torch.cuda.synchronize(), so on a GPU it times only the launch",
        {"return lambda: torch.cuda.synchronize(device)": "return lambda: None"},
    ),
    Mutant(
        "timing_sync_only_before_start",
        "time_matmul synchronizes before starting the clock but not before stopping it",
        {"        sync()  # wait for the kernel itself, not only for its launch\n": ""},
    ),
    Mutant(
        "timing_mean_not_median",
        "time_matmul returns the mean of the timed runs instead of the median",
        {"float(statistics.median(times))": "float(statistics.mean(times))"},
    ),
    Mutant(
        "timing_warmup_timed",
        "the warm-up runs are timed together with the repeats",
        {
            "    for _ in range(warmup):\n        run()\n": "",
            "    for _ in range(repeats):\n        sync()": "    for _ in range(warmup + repeats):\n"
            "        sync()",
        },
    ),
    Mutant(
        "timing_no_warmup",
        "time_matmul skips the warm-up runs",
        {"    for _ in range(warmup):\n        run()\n": ""},
    ),
    Mutant(
        "timing_matrices_stay_on_cpu",
        "time_matmul builds the matrices on the CPU and never moves them to the device",
        {
            "a = torch.randn(n, n, generator=generator, dtype=dtype).to(device)": (
                "a = torch.randn(n, n, generator=generator, dtype=dtype)"
            ),
            "b = torch.randn(n, n, generator=generator, dtype=dtype).to(device)": (
                "b = torch.randn(n, n, generator=generator, dtype=dtype)"
            ),
        },
    ),
    Mutant(
        "timing_gflops_n_cubed",
        "matmul_gflops counts n³ operations instead of 2n³ (forgets the additions)",
        {"2.0 * float(n) ** 3 / float(seconds)": "float(n) ** 3 / float(seconds)"},
    ),
    Mutant(
        "timing_numpy_float64",
        "time_numpy_matmul times float64 matrices (NumPy's default) instead of float32",
        {"dtype=np.float32)": "dtype=np.float64)"},
    ),
    Mutant(
        "timing_cuda_rows_unchecked",
        "compare_devices adds torch-cuda rows without checking torch.cuda.is_available()",
        {
            '    if torch.cuda.is_available():\n        backends.append("torch-cuda")': (
                '    backends.append("torch-cuda")'
            )
        },
    ),
    Mutant(
        "timing_pick_mps_first",
        "pick_device checks MPS before CUDA",
        {
            '    if torch.cuda.is_available():\n        return torch.device("cuda")\n'
            '    mps = getattr(torch.backends, "mps", None)\n'
            "    if mps is not None and mps.is_available():\n"
            '        return torch.device("mps")\n': (
                '    mps = getattr(torch.backends, "mps", None)\n'
                "    if mps is not None and mps.is_available():\n"
                '        return torch.device("mps")\n'
                "    if torch.cuda.is_available():\n"
                '        return torch.device("cuda")\n'
            )
        },
    ),
    Mutant(
        "timing_variant_cuda_events",
        "time_matmul times CUDA with torch.cuda.Event pairs and synchronizes on the end event "
        "(correct)",
        {
            "    return _median_seconds(lambda: a @ b, repeats, warmup, _synchronizer(device))": (
                '    if device.type != "cuda":\n'
                "        return _median_seconds(lambda: a @ b, repeats, warmup, lambda: None)\n"
                "    for _ in range(warmup):\n"
                "        torch.matmul(a, b)\n"
                "    times = []\n"
                "    for _ in range(repeats):\n"
                "        start = torch.cuda.Event(enable_timing=True)\n"
                "        end = torch.cuda.Event(enable_timing=True)\n"
                "        start.record()\n"
                "        torch.matmul(a, b)\n"
                "        end.record()\n"
                "        end.synchronize()\n"
                "        times.append(start.elapsed_time(end) / 1000.0)\n"
                "    return float(np.median(times))"
            )
        },
        correct=True,
    ),
    Mutant(
        "timing_variant_single_loop_ns_clock",
        "one loop over warmup + repeats that keeps only the runs after warm-up, timed with "
        "time.perf_counter_ns and np.median (correct)",
        {
            "    for _ in range(warmup):\n        run()\n    times = []\n"
            "    for _ in range(repeats):\n"
            "        sync()  # nothing queued earlier may run inside the timed window\n"
            "        start = time.perf_counter()\n"
            "        run()\n"
            "        sync()  # wait for the kernel itself, not only for its launch\n"
            "        times.append(time.perf_counter() - start)\n"
            "    return float(statistics.median(times))": (
                "    times = []\n"
                "    sync()\n"
                "    for i in range(warmup + repeats):\n"
                "        start = time.perf_counter_ns()\n"
                "        run()\n"
                "        sync()\n"
                "        if i >= warmup:\n"
                "            times.append((time.perf_counter_ns() - start) / 1e9)\n"
                "    return float(np.median(times))"
            )
        },
        correct=True,
    ),
    Mutant(
        "timing_variant_numpy_from_torch",
        "time_numpy_matmul makes its float32 matrices with torch.randn(...).numpy() (correct)",
        {
            "a, b = rng.standard_normal((2, n, n), dtype=np.float32)": (
                "a, b = torch.randn(2, n, n).numpy()"
            )
        },
        correct=True,
    ),
    saved_by_windows_editor("timing_variant_bom_crlf_tabs"),
]
