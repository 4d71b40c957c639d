"""CPU vs GPU matrix-product timings, as a Markdown table (the reference solution's
`compare_devices`).

    python benchmarks/timing_table.py [--sizes 256 512 1024 2048] [--repeats 5]

Prints the machine (GPU model where CUDA is available, CPU model otherwise, and the
number of torch threads) and one row per size and backend: median seconds and GFLOP/s.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from solutions.timing import compare_devices  # noqa: E402


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def device_description() -> str:
    threads = torch.get_num_threads()
    cpu = f"CPU: {cpu_model()} ({os.cpu_count()} logical cores, {threads} torch threads)"
    if torch.cuda.is_available():
        return f"GPU: {torch.cuda.get_device_name(0)}; {cpu}"
    return f"{cpu}; no CUDA GPU"


def markdown_table(table) -> str:
    lines = ["| size | backend | median seconds | GFLOP/s |", "|---:|---|---:|---:|"]
    for row in table.itertuples(index=False):
        lines.append(f"| {row.size} | {row.backend} | {row.seconds:.3e} | {row.gflops:,.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    table = compare_devices(sizes=tuple(args.sizes), repeats=args.repeats)
    print(f"Matrix product (n, n) @ (n, n), float32, median of {args.repeats} runs")
    print(f"{device_description()}; torch {torch.__version__}\n")
    print(markdown_table(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
