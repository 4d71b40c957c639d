"""What the grader's trusted-side protections cost, and what they save.

Before/after, side by side in one process that has torch imported (like a grading worker):

- staging one ordinary submission zip in the grader process (`_stage`, as before) and in
  a forked, limited child (`stage`, now);
- decoding an ordinary reply (a model's state dict, about 0.5 MB: the largest a full hidden
  suite sees) with the plain JSON parse the old decoder started with and with the bounded
  `codec.loads`;
- the hostile inputs: a 30 MB reply of ten million empty lists (parsed before; refused
  now) and a notebook cell of blank lines (the old backtracking expression against the
  one-pass commenting of magics).

Usage: python benchmarks/trusted_side.py [REPEATS]
"""

from __future__ import annotations

import json
import re
import resource
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

import torch

from autograder import codec
from autograder.submissions import Submission, _stage, stage

REPO = Path(__file__).resolve().parent.parent
OLD_MAGIC = re.compile(r"^(\s*)(.*get_ipython\(\).*)$", re.MULTILINE)  # before


def best_of(repeats: int, action) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def staging(repeats: int, tmp: Path) -> None:
    archive = tmp / "solutions.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for module in sorted((REPO / "solutions").glob("*.py")):
            out.write(module, f"exercises/{module.name}")
    submission = Submission("solutions", archive)
    runs = iter(range(10**6))
    in_process = best_of(repeats, lambda: _stage(submission, tmp / f"a{next(runs)}"))
    in_child = best_of(repeats, lambda: stage(submission, tmp / f"b{next(runs)}"))
    print(
        f"staging a solutions zip    in process {in_process * 1e3:7.1f} ms   "
        f"in a limited child {in_child * 1e3:7.1f} ms   (+{(in_child - in_process) * 1e3:.1f} ms)"
    )


def ordinary_reply(repeats: int) -> None:
    torch.manual_seed(0)
    state = {f"layer{i}.weight": torch.randn(128, 128) for i in range(8)}
    data = codec.dumps(codec.encode(state))
    parse = best_of(repeats, lambda: json.loads(data.decode("utf-8")))
    bounded = best_of(repeats, lambda: codec.loads(data))
    print(
        f"ordinary reply ({len(data) / 2**20:.2f} MB)  json.loads alone {parse * 1e3:7.2f} ms   "
        f"bounded codec.loads {bounded * 1e3:7.2f} ms (bound checks and tensors included)"
    )


def reply_bomb() -> None:
    bomb = b"[" + b"[]," * 10_000_000 + b"[]]"
    tracemalloc.start()
    start = time.perf_counter()
    parsed = json.loads(bomb.decode("utf-8"))  # what the old decoder did first
    old_seconds = time.perf_counter() - start
    old_peak = tracemalloc.get_traced_memory()[1]
    del parsed
    tracemalloc.reset_peak()
    start = time.perf_counter()
    try:
        codec.loads(bomb)
    except codec.UnsupportedValue as exc:
        reason = str(exc)
    new_seconds = time.perf_counter() - start
    new_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"30 MB reply bomb           before: parsed in {old_seconds:.2f} s, "
        f"{old_peak / 2**20:.0f} MiB   now: refused in {new_seconds * 1e3:.1f} ms, "
        f"{new_peak / 2**20:.1f} MiB ({reason})"
    )


def blank_lines() -> None:
    from autograder.kit.notebooks import comment_out_magics

    for lines in (5_000, 20_000):
        source = "\n" * lines
        old = best_of(1, lambda source=source: OLD_MAGIC.sub(r"\1# \2", source))
        new = best_of(3, lambda source=source: comment_out_magics(source))
        print(
            f"{lines:>6} blank lines        old expression {old:8.3f} s   "
            f"one pass {new * 1e3:7.2f} ms"
        )
    print("  (the old expression is quadratic: 300,000 lines, a 2 KB zip, take hours)")


def main() -> int:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with tempfile.TemporaryDirectory(prefix="torchgrade-bench-") as tmp:
        staging(repeats, Path(tmp))
    ordinary_reply(repeats)
    reply_bomb()
    blank_lines()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
