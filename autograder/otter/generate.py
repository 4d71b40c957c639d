"""Build the otter-grader / Gradescope autograder zip with `otter generate`.

The zip grades a submission zip from `torchgrade submit` with the same hidden suites and
points as `torchgrade grade`. What goes into otter generate:

- `tests/<exercise>.py` — one OK-format test file per exercise with a hidden suite, one case
  per hidden test (parametrized cases included) carrying its `@pytest.mark.points`. A case
  asks `autograder.otter.runtime` for that test's outcome; the suites run once per submission.
- `files/torchgrade_grade.py` — the script otter executes as "the submission": it runs the
  hidden suites on the student's `exercises/` (staged like `torchgrade grade` stages them).
- `files/torchgrade/` — the grading engine (`autograder/` with its hidden suites and probes)
  and the reference `solutions/`. The data is generated on first use (deterministic, ~2 s).
- `requirements.txt` (pinned to the versions installed here) and `otter_config.json`.

Otter adds `setup.sh`, `run_autograder`, `run_otter.py` and `environment.yml` itself.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest

from autograder.judge.plugin import HIDDEN_DIR, exercise_of, hint_of, points_of
from autograder.kit.registry import EXERCISE_NAMES
from autograder.otter.runtime import ENGINE_DIR, ENTRY_SCRIPT

REPO_ROOT = Path(__file__).resolve().parents[2]
# CPU wheels of torch: Gradescope and otter grade's containers have no GPU, and the default
# (CUDA) wheels are several GB.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# Shown to students on Gradescope: per-exercise scores and each failed test's hint.
OTTER_CONFIG = {
    "lang": "python",
    "show_hidden": True,
    "show_all_public": True,
    "force_public_test_summary": False,
}
# The project's requirements that otter's environment provides itself.
PROVIDED_BY_OTTER = {"otter-grader"}

# Makes the engine importable from the OK test files and the entry script, which otter runs
# with the submission folder as working directory: `<autograder>/source/files/torchgrade`
# is the pristine copy (a student's folder of the same name cannot shadow it).
BOOTSTRAP = f'''\
import sys as _sys
from pathlib import Path as _Path

for _root in (_Path("../source/files/{ENGINE_DIR}"), _Path("{ENGINE_DIR}")):
    if (_root / "autograder" / "otter" / "runtime.py").is_file():
        if str(_root.resolve()) not in _sys.path:
            _sys.path.insert(0, str(_root.resolve()))
        break
'''

ENTRY_SOURCE = f'''\
"""Grades the torchgrade submission in this folder with the hidden suites.

Otter executes this file as the submission; the OK tests in tests/ then report each hidden
test's outcome from the same run."""
{BOOTSTRAP}
from autograder.otter.runtime import grade

grade()
'''


@dataclass(frozen=True)
class HiddenTest:
    name: str  # "<exercise>::<test id>", as in torchgrade grade's results
    exercise: str
    points: float  # declared points, also for a test that is skipped on this machine
    cuda: bool
    hint: str


class _Collector:
    def __init__(self) -> None:
        self.tests: list[HiddenTest] = []

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            exercise = exercise_of(item)
            self.tests.append(
                HiddenTest(
                    f"{exercise}::{item.name}",
                    exercise,
                    points_of(item),
                    item.get_closest_marker("cuda") is not None,
                    hint_of(item),
                )
            )


def collect_hidden_tests(exercises: list[str] | None = None) -> list[HiddenTest]:
    """Every hidden test with its declared points, in suite order (nothing is run)."""
    names = EXERCISE_NAMES if exercises is None else exercises
    files = [
        str(HIDDEN_DIR / f"test_{n}.py") for n in names if (HIDDEN_DIR / f"test_{n}.py").exists()
    ]
    if not files:
        raise RuntimeError(f"no hidden suites in {HIDDEN_DIR}")
    collector = _Collector()
    log = io.StringIO()
    with redirect_stdout(log), redirect_stderr(log):
        code = pytest.main(
            [
                *files,
                "-q",
                "-p",
                "no:cacheprovider",
                "--import-mode=importlib",
                "--rootdir",
                str(HIDDEN_DIR),
                "-c",
                str(HIDDEN_DIR / "pytest.ini"),
                "--no-header",
                "--collect-only",
            ],
            plugins=[collector],
        )
    if code != pytest.ExitCode.OK:
        raise RuntimeError(
            f"collecting the hidden suites failed (pytest exit {code}):\n{log.getvalue()}"
        )
    order = {name: i for i, name in enumerate(EXERCISE_NAMES)}
    return sorted(collector.tests, key=lambda t: order[t.exercise])


def ok_test_source(exercise: str, tests: list[HiddenTest]) -> str:
    """The OK-format test file of one exercise."""
    cases = "".join(f"    ({t.name!r}, {t.points!r}, {t.hint!r}),\n" for t in tests)
    total = sum(t.points for t in tests)
    return (
        f'"""Otter test for exercise {exercise}: {len(tests)} hidden tests, {total:g} points '
        f'(torchgrade)."""\n\n{BOOTSTRAP}\nfrom autograder.otter.runtime import ok_test\n\n'
        f"OK_FORMAT = True\n\n# (hidden test, points, hint)\nCASES = [\n{cases}]\n\n"
        f"test = ok_test({exercise!r}, CASES)\n"
    )


def pinned_requirements() -> list[str]:
    """The project's runtime requirements pinned to the versions installed here."""
    pins = []
    for requirement in metadata.requires("torchgrade") or []:
        if "extra ==" in requirement:
            continue
        name = requirement.split(";")[0].strip()
        for separator in "<>=!~[ ":
            name = name.split(separator)[0]
        if name.lower() in PROVIDED_BY_OTTER:
            continue
        pins.append(f"{name}=={metadata.version(name)}")
    return pins


def requirements_text(torch_index: str | None = TORCH_CPU_INDEX) -> str:
    lines = ["# torchgrade's runtime, pinned to the versions it was built and tested with"]
    if torch_index:
        lines.append(f"--extra-index-url {torch_index}")
    return "\n".join([*lines, *pinned_requirements()]) + "\n"


def copy_engine(dest: Path) -> None:
    """`dest/autograder/` (engine, hidden suites, probes) and `dest/solutions/` (reference)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
    shutil.copytree(REPO_ROOT / "autograder", dest / "autograder", ignore=ignore)
    shutil.copytree(REPO_ROOT / "solutions", dest / "solutions", ignore=ignore)
    data = REPO_ROOT / "data"
    if data.is_dir():  # loaders only; the generated files are made on first use
        (dest / "data").mkdir()
        for module in data.glob("*.py"):
            shutil.copy2(module, dest / "data" / module.name)


def write_sources(
    staging: Path, tests: list[HiddenTest], torch_index: str | None = TORCH_CPU_INDEX
) -> None:
    (staging / "tests").mkdir(parents=True)
    for exercise in EXERCISE_NAMES:
        mine = [t for t in tests if t.exercise == exercise]
        if mine:
            (staging / "tests" / f"{exercise}.py").write_text(
                ok_test_source(exercise, mine), encoding="utf-8"
            )
    copy_engine(staging / ENGINE_DIR)
    (staging / ENTRY_SCRIPT).write_text(ENTRY_SOURCE, encoding="utf-8")
    (staging / "otter_config.json").write_text(
        json.dumps(OTTER_CONFIG, indent=2) + "\n", encoding="utf-8"
    )
    (staging / "requirements.txt").write_text(requirements_text(torch_index), encoding="utf-8")


def build_autograder(
    out_zip: Path, *, python_version: str | None = None, torch_index: str | None = TORCH_CPU_INDEX
) -> Path:
    """Write the autograder zip to `out_zip` with `otter generate`; return its path."""
    out_zip = Path(out_zip).resolve()
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    version = python_version or f"{sys.version_info.major}.{sys.version_info.minor}"
    tests = collect_hidden_tests()
    with tempfile.TemporaryDirectory(prefix="torchgrade-otter-build-") as tmp:
        staging = Path(tmp)
        write_sources(staging, tests, torch_index)
        command = [
            sys.executable,
            "-m",
            "otter",
            "generate",
            "--tests-dir",
            "tests",
            "--output-path",
            str(out_zip),
            "--config",
            "otter_config.json",
            "--requirements",
            "requirements.txt",
            "--no-environment",
            "--python-version",
            version,
            ENGINE_DIR,
            ENTRY_SCRIPT,
        ]
        result = subprocess.run(command, cwd=staging, capture_output=True, text=True)
        if result.returncode != 0 or not out_zip.is_file():
            raise RuntimeError(
                f"otter generate failed ({result.returncode}):\n{result.stdout}{result.stderr}"
            )
    return out_zip
