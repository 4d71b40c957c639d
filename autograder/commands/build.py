"""`torchgrade build [--out DIST] [--exercises A B ...]`: everything an instructor hands out.

- `DIST/autograder.zip` — the otter-grader / Gradescope autograder (see `autograder.otter`),
  for all nine exercises or the selected ones, shown as `--otter-config` / the flags say;
- `DIST/student/` and `DIST/student.zip` — the student release: stubs, public tests,
  notebooks, the data script and the `torchgrade check` / `submit` / `notebooks` commands;
  no solutions, hidden suites, probes or mutants;
- `DIST/instructor.md` — the exact commands of the four grading routes.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import time
import zipfile
from pathlib import Path

from autograder import __version__
from autograder.commands import add_exercises_argument
from autograder.kit.registry import EXERCISE_NAMES, exercise_table

REPO_ROOT = Path(__file__).resolve().parents[2]
RELEASE_DIR = "student"
# The student kit (check/submit/notebooks, the exercise registry, the data generator) is
# shipped whole, with the package's __init__; nothing that grades is in it.
KIT_DIR = "autograder/kit"
FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # zip timestamps: the same release gives the same zip


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "build",
        help="build the otter/Gradescope autograder and the student release",
        description="Write DIST/autograder.zip (otter-grader and Gradescope), DIST/student/ "
        "and DIST/student.zip (the release for students, with notebooks) and "
        "DIST/instructor.md (how to grade with each route).",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("dist"),
        metavar="DIST",
        help="output folder (default: ./dist); its autograder.zip, student/, student.zip and "
        "instructor.md are replaced",
    )
    add_exercises_argument(
        parser,
        "build the autograder and the release for these exercises only (default: all; "
        "or `exercises` in the --otter-config file)",
    )
    otter = parser.add_argument_group("otter/Gradescope autograder")
    otter.add_argument(
        "--otter-config",
        type=Path,
        default=None,
        metavar="FILE",
        help="a TOML file of the autograder's settings: exercises, visibility (default and per "
        "exercise or test), show_stdout, sandbox limits, leaderboard (see the README)",
    )
    otter.add_argument(
        "--visibility",
        action="append",
        default=None,
        metavar="[TARGET=]VIS",
        help="Gradescope visibility (visible, hidden, after_due_date, after_published) of every "
        "test, or of one exercise or hidden test (e.g. training=after_due_date); repeatable",
    )
    otter.add_argument(
        "--show-stdout",
        action="store_true",
        default=None,
        help="let students see the autograder's output on Gradescope (default: hidden)",
    )
    otter.add_argument(
        "--leaderboard",
        action="store_true",
        help="add a Gradescope leaderboard column: the digit classifier's held-out accuracy",
    )
    parser.add_argument(
        "--python-version",
        default=None,
        metavar="X.Y",
        help="Python of the grading image (default: this Python's)",
    )
    parser.add_argument(
        "--torch-index",
        default=None,
        metavar="URL",
        help="extra package index for torch in the grading image (default: "
        "the CPU wheels; 'none' for PyPI's default wheels)",
    )
    parser.set_defaults(func=run)


# --- student release -------------------------------------------------------------------------


def _copy_files(files: list[Path], root: Path, dest: Path) -> None:
    for file in files:
        target = dest / file.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, target)


# The course needs no GPU: students install the CPU-only torch by default. Measured on
# Linux x86_64, Python 3.11 (torch 2.13 CPU / 2.14 CUDA 13): the release's environment is
# 1.4 GB with the CPU wheels, 5.9 GB with PyPI's default CUDA build (torch 1.2 GB, nvidia
# libraries 3.2 GB, triton 0.9 GB).
CPU_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
ENV_SIZE_CPU, ENV_SIZE_CUDA = "1.4 GB", "5.9 GB"
TORCH_PACKAGES = ("torch", "torchvision")


def project_config() -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def torch_requirements() -> list[str]:
    """The torch and torchvision pins of pyproject.toml, e.g. "torch>=2.4,<=2.14.1"."""
    return [
        d
        for d in project_config()["project"]["dependencies"]
        if re.split(r"[<>=!~ \[;]", d, maxsplit=1)[0] in TORCH_PACKAGES
    ]


def student_pyproject() -> str:
    """The release's pyproject: installs `torchgrade` (check/submit/notebooks) and the stubs.
    uv (`uv pip install -e .`, `uv sync`) takes torch from the CPU-only index by default;
    pip cannot be told so in a pyproject, hence the README's first install line."""
    project = project_config()
    dependencies = [
        d for d in project["project"]["dependencies"] if not d.startswith("otter-grader")
    ]
    pytest_options = project["tool"]["pytest"]["ini_options"]

    def array(values: list[str]) -> str:
        return "[\n" + "".join(f'    "{v}",\n' for v in values) + "]"

    return f"""\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "torchgrade-exercises"
version = "{__version__}"
description = "Exercises of an introductory PyTorch course, with their public tests"
readme = "README.md"
requires-python = "{project["project"]["requires-python"]}"
dependencies = {array(dependencies)}

[project.optional-dependencies]
notebooks = ["jupyterlab", "ipykernel"]

[project.scripts]
torchgrade = "autograder.kit.cli:main"

[tool.setuptools.packages.find]
include = ["autograder*", "exercises*"]

# The CPU-only torch by default ({ENV_SIZE_CPU} instead of {ENV_SIZE_CUDA}); with an NVIDIA
# GPU, delete these two tables or install torch from pytorch.org's command for your CUDA.
[[tool.uv.index]]
name = "pytorch-cpu"
url = "{CPU_TORCH_INDEX}"
explicit = true

[tool.uv.sources]
{"".join(f'{name} = [{{ index = "pytorch-cpu" }}]{chr(10)}' for name in TORCH_PACKAGES)}
[tool.pytest.ini_options]
addopts = "--strict-markers -p no:cacheprovider --import-mode=importlib"
testpaths = ["tests/public"]
markers = {array(pytest_options["markers"])}
filterwarnings = {array(pytest_options.get("filterwarnings", []))}
"""


ROOT_CONFTEST = '''\
"""Makes the course folder importable when pytest runs here without `pip install -e .`."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
'''


def student_readme(exercises: list[str] | None = None) -> str:
    torch = " ".join(f'"{r}"' for r in torch_requirements())
    return f"""\
# PyTorch course exercises

Fill in the stubs in `exercises/` (or the notebooks in `notebooks/`), check them with the
public tests, and hand in a zip made by `torchgrade submit`.

## Set up (once)

```bash
python -m venv .venv && source .venv/bin/activate   # Windows: .venv\\Scripts\\activate
pip install {torch} --index-url {CPU_TORCH_INDEX}
pip install -e .                 # installs the `torchgrade` command and the course's packages
python -m autograder.kit.datagen     # writes the exercises' data into data/generated/
```

The first `pip install` takes the CPU-only torch: the course needs no GPU, and the whole
environment is then about {ENV_SIZE_CPU} (plain `pip install -e .` on Linux pulls the CUDA
build instead: about {ENV_SIZE_CUDA}). With `uv`, `uv pip install -e .` does both steps and
takes the CPU build by itself.

**With an NVIDIA GPU (optional).** Only the CPU-vs-GPU timing exercise uses one, and its GPU
tests are skipped without one. To use yours, replace the first `pip install` with the
command pytorch.org gives for your CUDA version (e.g. `--index-url
https://download.pytorch.org/whl/cu128`), keeping the same version bounds.

## Work

{exercise_table(exercises)}
Each function in `exercises/<module>.py` raises `NotImplementedError` with a hint on where
to start; its docstring gives every shape. Replace the `raise` with your code.

```bash
torchgrade check                 # one line per exercise: not started / failing / passing
torchgrade check softmax         # just one exercise
pytest tests/public -m softmax   # its public tests with pytest's full output
```

Tests that need a CUDA GPU are skipped where there is none; that never costs points.

## Notebooks

`notebooks/<module>.ipynb` holds the same stubs, one cell per function, and a check cell at
the end that runs the exercise's public tests against the code in the notebook. Open them
from this folder (`pip install -e ".[notebooks]"`, then `jupyter lab`). If you work in the
notebooks, turn them into modules before submitting:

```bash
torchgrade notebooks --extract notebooks --out .   # writes exercises/<module>.py (overwrites!)
```

## Submit

```bash
torchgrade submit                # writes submission.zip (exercises/*.py) in this folder
```

Upload `submission.zip` as it is (do not unpack or rename the folder inside). Your grade
comes from hidden tests that compare your functions with reference solutions on other
inputs than the public tests; each failed test shows a hint.
"""


def build_release(dest: Path, exercises: list[str] | None = None) -> Path:
    """Write the student release (of `exercises`, default all) into `dest` (a fresh
    folder); return it."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    from autograder.kit.notebooks import write_notebooks

    def sources(folder: str, pattern: str = "*.py") -> list[Path]:
        return sorted(p for p in (REPO_ROOT / folder).glob(pattern) if p.is_file() and chosen(p))

    def chosen(path: Path) -> bool:
        """Modules of an exercise (`softmax.py`, `test_softmax.py`) only when selected."""
        name = path.stem.removeprefix("test_")
        return exercises is None or name not in EXERCISE_NAMES or name in exercises

    _copy_files(sources("exercises") + sources("tests/public") + sources("data"), REPO_ROOT, dest)
    kit = [REPO_ROOT / "autograder" / "__init__.py", *sorted((REPO_ROOT / KIT_DIR).rglob("*.py"))]
    _copy_files(kit, REPO_ROOT, dest)
    write_notebooks(dest / "notebooks", exercises)
    (dest / "pyproject.toml").write_text(student_pyproject(), encoding="utf-8")
    (dest / "conftest.py").write_text(ROOT_CONFTEST, encoding="utf-8")
    (dest / "README.md").write_text(student_readme(exercises), encoding="utf-8")
    return dest


def zip_folder(folder: Path, out: Path, prefix: str) -> Path:
    """Zip `folder` under `prefix/` with fixed timestamps, files in sorted order."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(
                f"{prefix}/{path.relative_to(folder).as_posix()}", date_time=FIXED_TIME
            )
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return out


# --- instructor guide ------------------------------------------------------------------------


def instructor_guide(dist: Path, maximum: float, cuda_points: float, exercises: list[str]) -> str:
    d = dist.as_posix().rstrip("/") or "."
    cuda = (
        (
            f", plus {cuda_points:g} points of CUDA tests where a GPU exists (without one they "
            f"are skipped and leave the maximum)"
        )
        if cuda_points
        else ""
    )
    return f"""\
# Grading the PyTorch course with torchgrade

Built by torchgrade {__version__}. `{d}/autograder.zip` grades the hidden suites of
{", ".join(exercises)}: {maximum:g} points{cuda}. Every route gives an honest submission
the same per-test points. Students hand in the zip made by `torchgrade submit`
(`exercises/*.py` at its root).

| route | where student code runs, kept from the reference and the verdict by |
|---|---|
| `torchgrade grade` | sandboxed children of a zygote: separate user, mount/network/PID \
namespaces, rlimits, per-call time limits |
| Gradescope, `otter grade` | the same children, forked for otter's grading kernel: separate \
user, root-only engine files (namespaces where Docker allows them), rlimits, time limits |
| `otter run` | the same, with what the machine and user allow (as `torchgrade grade`) |

On every route the upload is moved out of otter's sight before otter or its kernel looks at
it, and the grading kernel runs only trusted code. Each run reports the active protections
(Gradescope: the autograder output; `otter run`: the plugin report; `results.json`:
`extra_data.protections`).

## 1. torchgrade grade (recommended: fast, sandboxed, no containers)

In the course repository (the one with `solutions/` and `autograder/hidden/`):

```bash
make install data                           # once: .venv with torchgrade, generated data
.venv/bin/torchgrade grade SUBMISSIONS/ --out grades/
```

`SUBMISSIONS/` holds one `.zip` (or folder, or set of exercise notebooks) per student.
Results: `grades/grades.csv`, `grades/grades.xlsx`, `grades/report.html` and
`grades/<submission>/results.json` (Gradescope's format) + `feedback.md`. Running the same
command again grades only what is new or changed (`--force` re-grades all); `--jobs N` sets
the parallelism.

## 2. otter run (one submission, no containers)

Needs an environment with torchgrade installed (its plugin moves the upload out of otter's
sight; the repository's `.venv` has it and otter-grader). `otter run` takes one file: a zip
(any shape `torchgrade grade` accepts, but notebooks inside a folder, not at the zip's top:
otter picks its submission file before any code of ours runs) or a single `.py` file.

```bash
mkdir -p results
.venv/bin/otter run -a {d}/autograder.zip submission.zip -o results/
```

`results/results.json` holds one entry per hidden test (score, maximum, hint and failure
message); add `-p` for otter's `results.pkl`.

## 3. otter grade (a folder of submissions, one Docker container each)

Needs Docker (the daemon running) and network access for the image build (apt, Miniforge,
conda-forge, PyPI and the PyTorch CPU wheel index):

```bash
mkdir -p otter-grades
otter grade -a {d}/autograder.zip --ext zip -o otter-grades/ SUBMISSIONS/
```

`otter-grades/final_grades.csv` gets one row per submission and one column per hidden
test. The first run builds the image from the zip (`setup.sh`: Miniforge's Python of the
build machine's version and `requirements.txt`, pinned to torchgrade's versions with CPU
builds of torch); later runs reuse it. Add
`--containers N` to grade N submissions at once and `--timeout SECONDS` to bound each.

## 4. Gradescope

1. Create a *Programming Assignment*; under *Configure Autograder* choose *Zip file upload*
   and upload `{d}/autograder.zip` (any of Gradescope's Ubuntu base images). Gradescope runs
   `setup.sh` once (it installs Miniforge, then otter-grader and torchgrade's pinned
   requirements with the CPU build of torch: several minutes).
2. Students upload the `submission.zip` from `torchgrade submit` (or their module files, or
   their notebooks). It lands in `/autograder/submission/` (unpacked, or as the zip itself:
   both are graded), and `run_autograder` grades it.
3. Each student sees one test per hidden test with its points, its hint and, when it
   failed, the message (never the test's source or expected values), shown as the build's
   settings say (`--visibility`, `--show-stdout`, `--otter-config`).

Try the autograder before uploading it: `otter run` (route 2) runs the same entry point on
a submission; `tests/engine/test_otter.py` also replays Gradescope's layout
(`source/`, `submission/`, `results/`) and checks `results/results.json`.

## What is in {d}/

- `autograder.zip`: for otter run, otter grade and Gradescope. It holds the hidden suites
  and the solutions: never give it to students.
- `student/` and `student.zip`: the release for students (stubs, public tests, notebooks,
  data script, README, the `torchgrade check` / `submit` / `notebooks` commands).
- `instructor.md`: this page.

Rebuild everything with `torchgrade build --out {d}` (or `make build`).
"""


# --- command ---------------------------------------------------------------------------------


def build(
    out: Path,
    python_version: str | None = None,
    torch_index: str | None = None,
    settings=None,
) -> dict[str, Path]:
    """Build the autograder, the release and the guide into `out`; return their paths.
    `settings` (an `OtterSettings`) selects the exercises and how results are shown."""
    from autograder.judge.suites import collect_hidden_suite
    from autograder.otter.generate import TORCH_CPU_INDEX, build_autograder
    from autograder.otter.settings import OtterSettings

    settings = settings or OtterSettings()
    index = (
        TORCH_CPU_INDEX
        if torch_index is None
        else (None if torch_index.lower() == "none" else torch_index)
    )
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("autograder.zip", "student.zip", "instructor.md"):
        (out / stale).unlink(missing_ok=True)
    suite = collect_hidden_suite(settings.exercises)  # the zip's cases, the guide's maxima
    autograder_zip = build_autograder(
        out / "autograder.zip",
        settings=settings,
        python_version=python_version,
        torch_index=index,
        suite=suite,
    )
    release = build_release(out / RELEASE_DIR, settings.exercises)
    student_zip = zip_folder(release, out / "student.zip", RELEASE_DIR)
    tests = suite.tests
    maximum = sum(t.points for t in tests if not t.cuda)
    cuda_points = sum(t.points for t in tests if t.cuda)
    exercises = list(dict.fromkeys(t.exercise for t in tests))
    guide = out / "instructor.md"
    guide.write_text(instructor_guide(out, maximum, cuda_points, exercises), encoding="utf-8")
    return {
        "autograder": autograder_zip,
        "release": release,
        "student_zip": student_zip,
        "guide": guide,
    }


def settings_from_args(args: argparse.Namespace):
    """The otter settings: the --otter-config file (or the defaults), then the flags."""
    from autograder.otter.settings import OtterSettings

    base = OtterSettings.from_toml(args.otter_config) if args.otter_config else OtterSettings()
    return base.with_flags(args.exercises, args.visibility, args.show_stdout, args.leaderboard)


def run(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    try:
        paths = build(args.out, args.python_version, args.torch_index, settings_from_args(args))
    except (RuntimeError, ValueError) as exc:  # SettingsError is a ValueError
        print(f"torchgrade build: {exc}", file=sys.stderr)
        return 1
    for key in ("autograder", "student_zip", "release", "guide"):
        path = paths[key]
        size = f" ({path.stat().st_size / 1024:.0f} KiB)" if path.is_file() else ""
        print(f"wrote {path}{size}")
    print(f"done in {time.perf_counter() - start:.1f} s; see {paths['guide']} for how to grade")
    return 0
