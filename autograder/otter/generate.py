"""Build the otter-grader / Gradescope autograder zip.

`otter generate` makes the zip; then otter's generic image set-up and entry points are
replaced by ours. What the zip holds:

- `tests/<exercise>-NNN.py` — one OK-format test file per hidden test (parametrized cases
  included) with its `@pytest.mark.points` and hint: one row per hidden test in otter's
  results and one Gradescope test each. A case asks `autograder.otter.runtime` for that
  test's outcome; the hidden suites run once per submission.
- `files/torchgrade_grade.ipynb` — the notebook otter executes as "the submission": it grades
  the upload in the isolated backend (see `runtime.py`).
- `files/torchgrade/` — the grading engine (`autograder/` with its hidden suites and probes),
  the reference `solutions/`, the data loaders and `otter_settings.json` (`settings.py`).
  The data is generated on first use (deterministic, ~2 s).
- `setup.sh`, `environment.yml`, `requirements.txt` — Miniforge's Python and the pinned
  packages grading imports, torch and torchvision as CPU wheels pinned with their `+cpu`
  tag (a missing wheel fails the install instead of pulling the multi-GB CUDA build).
  No compilers, LaTeX or browser (otter's stock set-up installs all three).
- `run_autograder`, `run_otter.py` — quarantine the upload, lock the engine's secrets, run
  otter, write `results/results.json` (see `container.py`).
- `otter_config.json` — lists `TorchgradePlugin`, which does the quarantine under `otter run`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

from autograder.judge.suites import HiddenSuite, HiddenTest, collect_hidden_suite
from autograder.otter.container import ENGINE_DIR
from autograder.otter.runtime import ENTRY_NOTEBOOK
from autograder.otter.settings import SETTINGS_FILE, OtterSettings, SettingsError

REPO_ROOT = Path(__file__).resolve().parents[2]
# CPU wheels of torch: Gradescope and otter grade's containers have no GPU, and the default
# (CUDA) wheels are several GB.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
CPU_PINNED = ("torch", "torchvision")  # pinned as "==X.Y.Z+cpu": only the CPU index has them
MINIFORGE_VERSION = "25.3.1-0"
PLUGIN = "autograder.otter.container.TorchgradePlugin"
OTTER_CONFIG = {
    "lang": "python",
    "show_hidden": True,
    "show_all_public": True,
    "force_public_test_summary": False,
    "plugins": [PLUGIN],
}
# What the engine needs at grading time, from the project's requirements: not the progress
# bar or the plots of `torchgrade grade`'s reports.
NOT_FOR_GRADING = {"tqdm", "matplotlib", "otter-grader"}
# otter itself, without its Google-Sheets plugins: its "grading" extra is the kernel.
OTTER_REQUIREMENT = "otter-grader[grading]"

# Makes the engine importable from the OK test files and the entry notebook, which otter
# runs with the submission folder as working directory: `<autograder>/source/files/torchgrade`
# is the pristine copy. The submission folder and the working directory leave the import
# path: nothing in them may shadow a module.
BOOTSTRAP = f'''\
import os as _os
import sys as _sys
from pathlib import Path as _Path

_engine = _Path(_os.getcwd()).resolve().parent / "source" / "files" / "{ENGINE_DIR}"
_here = {{"", ".", _os.getcwd(), str(_Path(_os.getcwd()).resolve())}}
_sys.path[:] = [p for p in _sys.path if p not in _here]
if str(_engine) not in _sys.path:
    _sys.path.insert(0, str(_engine))
'''


def ok_test_source(test: HiddenTest) -> str:
    """The OK-format test file of one hidden test."""
    return (
        f'"""Otter test for hidden test {test.name}: {test.points:g} points (torchgrade)."""\n\n'
        f"{BOOTSTRAP}\nfrom autograder.otter.runtime import ok_test\n\n"
        f"OK_FORMAT = True\n\n"
        f"test = ok_test({test.name!r}, {test.points!r}, {test.hint!r})\n"
    )


def ok_test_files(tests: list[HiddenTest]) -> dict[str, str]:
    """File name -> source, numbered per exercise in suite order."""
    files, counts = {}, {}
    for test in tests:
        counts[test.exercise] = counts.get(test.exercise, 0) + 1
        files[f"{test.exercise}-{counts[test.exercise]:03d}.py"] = ok_test_source(test)
    return files


def entry_notebook() -> str:
    import nbformat

    cell = nbformat.v4.new_code_cell(
        f"{BOOTSTRAP}\nfrom autograder.otter.runtime import grade\n\ngrade();"
    )
    notebook = nbformat.v4.new_notebook(cells=[cell])
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nbformat.writes(notebook)


# --- the grading image -----------------------------------------------------------------------


def _name_of(requirement: str) -> str:
    name = requirement.split(";")[0].strip()
    for separator in "<>=!~[ ":
        name = name.split(separator)[0]
    return name


def pinned_requirements(cpu_torch: bool = True) -> list[str]:
    """Grading's requirements pinned to the versions installed here; torch and torchvision
    as their CPU builds (`==X.Y.Z+cpu`) unless `cpu_torch` is false."""
    pins = []
    for requirement in metadata.requires("torchgrade") or []:
        if "extra ==" in requirement:
            continue
        name = _name_of(requirement)
        if name.lower() in NOT_FOR_GRADING:
            continue
        version = metadata.version(name)
        if name.lower() in CPU_PINNED:
            version = version.split("+")[0] + ("+cpu" if cpu_torch else "")
        pins.append(f"{name}=={version}")
    pins.append(f"{OTTER_REQUIREMENT}=={metadata.version('otter-grader')}")
    return pins


def requirements_text(torch_index: str | None = TORCH_CPU_INDEX) -> str:
    lines = [
        "# torchgrade's grading environment, pinned to the versions it was built and tested with.",
    ]
    if torch_index:
        lines += [
            "# torch and torchvision are CPU builds pinned with their +cpu tag: if the index lacks",
            "# them the install fails here, instead of pulling the CUDA build from PyPI.",
            f"--extra-index-url {torch_index}",
        ]
    return "\n".join([*lines, *pinned_requirements(cpu_torch=bool(torch_index))]) + "\n"


def environment_yml(python_version: str) -> str:
    return (
        "# The grading environment's Python (conda-forge); setup.sh installs requirements.txt\n"
        "# into it with pip.\n"
        "name: otter-env\nchannels:\n  - conda-forge\ndependencies:\n"
        f"  - python={python_version}\n  - pip\n"
    )


SETUP_SH = f"""\
#!/usr/bin/env bash
# torchgrade: the grading image. Miniforge's Python with the pinned packages grading imports
# (requirements.txt); no compilers, LaTeX or browser.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v wget >/dev/null; then
    apt-get update
    apt-get install -y --no-install-recommends wget ca-certificates
    rm -rf /var/lib/apt/lists/*
fi
MINIFORGE="https://github.com/conda-forge/miniforge/releases/download/{MINIFORGE_VERSION}"
wget -nv -O /tmp/miniforge.sh "$MINIFORGE/Miniforge3-Linux-$(uname -m).sh"
bash /tmp/miniforge.sh -b -p /root/miniforge3
rm -f /tmp/miniforge.sh
/root/miniforge3/bin/conda env create -q -f /autograder/source/environment.yml
/root/miniforge3/envs/otter-env/bin/pip install --no-cache-dir \\
    -r /autograder/source/requirements.txt
/root/miniforge3/bin/conda clean -afy
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# torchgrade: grade /autograder/submission (run by Gradescope and otter grade as root).
set -u
cd "$(dirname "$0")"
exec "${TORCHGRADE_PYTHON:-/root/miniforge3/envs/otter-env/bin/python}" source/run_otter.py
"""

RUN_OTTER = f'''\
"""torchgrade's entry point in the grading container: moves the upload out of otter's
sight, locks the engine's secrets, runs otter, writes results/results.json."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "files" / "{ENGINE_DIR}"))

from autograder.otter.container import run_in_container  # noqa: E402

if __name__ == "__main__":
    sys.exit(run_in_container(Path(__file__).resolve().parents[1]))
'''

EXECUTABLE = {"setup.sh", "run_autograder"}


def image_files(python_version: str, torch_index: str | None) -> dict[str, str]:
    """The zip's set-up and entry points: ours instead of otter's (which would install a
    browser, LaTeX and compilers, and let otter see the upload as it came)."""
    return {
        "setup.sh": SETUP_SH,
        "environment.yml": environment_yml(python_version),
        "requirements.txt": requirements_text(torch_index),
        "run_autograder": RUN_AUTOGRADER,
        "run_otter.py": RUN_OTTER,
    }


# --- the zip ---------------------------------------------------------------------------------


def copy_engine(dest: Path, settings: OtterSettings) -> None:
    """`dest/autograder/` (engine, hidden suites, probes), `dest/solutions/` (reference), the
    data loaders and the settings."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
    shutil.copytree(REPO_ROOT / "autograder", dest / "autograder", ignore=ignore)
    shutil.copytree(REPO_ROOT / "solutions", dest / "solutions", ignore=ignore)
    data = REPO_ROOT / "data"
    if data.is_dir():  # loaders only; the generated files are made on first use
        (dest / "data").mkdir()
        for module in data.glob("*.py"):
            shutil.copy2(module, dest / "data" / module.name)
    (dest / SETTINGS_FILE).write_text(settings.to_json(), encoding="utf-8")


def check_settings(settings: OtterSettings, tests: list[HiddenTest]) -> None:
    known = {t.name for t in tests} | set(settings.exercises)
    unknown = sorted(set(settings.visibility_of) - known)
    if unknown:
        raise SettingsError(
            f"visibility set for {', '.join(unknown)}: not an exercise or hidden test of this "
            "autograder (tests are named like 'softmax::test_softmax_rows_sum_to_one')"
        )


def write_sources(
    staging: Path,
    tests: list[HiddenTest],
    settings: OtterSettings,
) -> None:
    (staging / "tests").mkdir(parents=True)
    for name, source in ok_test_files(tests).items():
        (staging / "tests" / name).write_text(source, encoding="utf-8")
    copy_engine(staging / ENGINE_DIR, settings)
    (staging / ENTRY_NOTEBOOK).write_text(entry_notebook(), encoding="utf-8")
    (staging / "otter_config.json").write_text(
        json.dumps(OTTER_CONFIG, indent=2) + "\n", encoding="utf-8"
    )


def replace_image_files(out_zip: Path, files: dict[str, str]) -> None:
    """Rewrite the zip with `files` instead of otter's files of the same names."""
    with zipfile.ZipFile(out_zip) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(out_zip, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            if info.filename in files:
                continue
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o755 if name in EXECUTABLE else 0o644) << 16
            archive.writestr(info, text)


def build_autograder(
    out_zip: Path,
    *,
    settings: OtterSettings | None = None,
    python_version: str | None = None,
    torch_index: str | None = TORCH_CPU_INDEX,
    suite: HiddenSuite | None = None,
) -> Path:
    """Write the autograder zip to `out_zip`; return its path. `suite`: the hidden suite
    already collected for the selected exercises (collected here when not given)."""
    settings = settings or OtterSettings()
    out_zip = Path(out_zip).resolve()
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    version = python_version or f"{sys.version_info.major}.{sys.version_info.minor}"
    tests = list((suite or collect_hidden_suite(settings.exercises)).tests)
    check_settings(settings, tests)
    with tempfile.TemporaryDirectory(prefix="torchgrade-otter-build-") as tmp:
        staging = Path(tmp)
        write_sources(staging, tests, settings)
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
            "--no-requirements",
            "--no-environment",
            "--python-version",
            version,
            ENGINE_DIR,
            ENTRY_NOTEBOOK,
        ]
        result = subprocess.run(command, cwd=staging, capture_output=True, text=True)
        if result.returncode != 0 or not out_zip.is_file():
            raise RuntimeError(
                f"otter generate failed ({result.returncode}):\n{result.stdout}{result.stderr}"
            )
    replace_image_files(out_zip, image_files(version, torch_index))
    return out_zip
