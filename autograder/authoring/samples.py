"""Sample submissions for `make grade`, the tests and the throughput benchmark.

    python -m autograder.authoring.samples OUT [--count N]

writes zips like students hand in: the solutions, the stubs, every catalogued mutant, and
broken ones (a syntax error in one module, an empty zip, a stray file, a folder without
exercises/). With --count N, the list is cycled (names numbered) to make N submissions.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from autograder.authoring.mutation import build_submission, load_catalogue
from autograder.kit.commands.submit import pack


def sample_kinds() -> list[tuple[str, str, object]]:
    """(name, source package, mutant) for every well-formed sample."""
    kinds: list[tuple[str, str, object]] = [
        ("solutions", "solutions", None),
        ("stubs", "exercises", None),
    ]
    kinds += [
        (f"{'variant' if m.correct else 'mutant'}-{m.name}", "solutions", m)
        for m in load_catalogue()
    ]
    return kinds


def write_samples(out: Path, count: int | None = None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    kinds = sample_kinds()
    broken = ["syntax-error", "empty-zip", "stray-file", "no-exercises"]
    plan = [k[0] for k in kinds] + broken
    if count is not None:
        plan = [f"{i:03d}-{plan[i % len(plan)]}" for i in range(count)]
    by_name = {k[0]: k for k in kinds}
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, name in enumerate(plan):
            base = name.split("-", 1)[1] if count is not None else name
            target = out / f"{name}.zip"
            if base in by_name:
                _, source, mutant = by_name[base]
                tree = build_submission(Path(tmp) / str(i), source, mutant)
                pack(tree, target)
            elif base == "syntax-error":
                tree = build_submission(Path(tmp) / str(i), "solutions")
                with open(tree / "exercises" / "cnn.py", "a", encoding="utf-8") as f:
                    f.write("\ndef broken(:\n")
                pack(tree, target)
            elif base == "empty-zip":
                target.write_bytes(b"")
            elif base == "stray-file":
                target = out / f"{name}.txt"
                target.write_text("not a submission\n", encoding="utf-8")
            elif base == "no-exercises":
                target = out / name
                target.mkdir(exist_ok=True)
                (target / "notes.md").write_text("my answers are elsewhere\n", encoding="utf-8")
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=None)
    args = parser.parse_args(argv)
    if args.out.exists():
        shutil.rmtree(args.out)
    written = write_samples(args.out, args.count)
    print(f"wrote {len(written)} sample submissions to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
