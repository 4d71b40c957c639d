"""Adding a tenth exercise touches only the files CONTRIBUTING.md lists, and it works.

A copy of the repository gets a dummy exercise `tenth` written into exactly the files of
CONTRIBUTING.md's "Adding an exercise" list; then, in that copy, the contract and registry
tests pass, `pytest -m tenth` selects its public tests (--strict-markers), and the catalogue
check grades it end to end (solutions full marks, stubs zero, the mutant caught).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NAME = "tenth"
SKIP_DIRS = {".git", ".venv", "build", "dist", "generated", "__pycache__", ".pytest_cache"}

pytestmark = pytest.mark.slow

FILES = {
    "exercises/NAME.py": '''\
"""Exercise 10: a dummy exercise that doubles numbers."""


def double(x: float) -> float:
    """Return `2 * x` as a float."""
    raise NotImplementedError("tenth.double: multiply x by two")
''',
    "solutions/NAME.py": '''\
"""Exercise 10: a dummy exercise that doubles numbers (reference)."""


def double(x: float) -> float:
    """Return `2 * x` as a float."""
    return float(2 * x)
''',
    "tests/public/test_NAME.py": '''\
"""Public tests of the dummy exercise."""


def test_double_of_three(ex):
    assert ex.double(3.0) == 6.0


def test_double_of_zero(ex):
    assert ex.double(0.0) == 0.0


def test_double_is_a_float(ex):
    assert isinstance(ex.double(2), float)
''',
    "autograder/hidden/test_NAME.py": '''\
"""Hidden tests of the dummy exercise."""

import pytest

from autograder.judge.checks import assert_close
from autograder.probes import tenth as probes


@pytest.mark.points(2)
@pytest.mark.parametrize("x", [1.5, -4.0])
def test_double(student, reference, x):
    """double(x) is two times x."""
    assert_close(student.tenth.double(x), reference.tenth.double(x), what="double(x)")


@pytest.mark.points(1)
def test_double_through_a_probe(student, reference):
    """double works on a list of values."""
    got = student.probe(probes.doubled, [1.0, 2.0])
    assert_close(got, reference.probe(probes.doubled, [1.0, 2.0]), what="doubled values")
''',
    "autograder/probes/NAME.py": '''\
"""Probes of the dummy exercise."""


def doubled(ex, values):
    return [ex.double(v) for v in values]
''',
    "tests/mutants/NAME.py": '''\
"""Mutant catalogue of the dummy exercise."""

from autograder.authoring.mutation import Mutant

MUTANTS = [Mutant("tenth_triples", "double multiplies by three", {"float(2 * x)": "float(3 * x)"})]
''',
}


def listed_files() -> set[str]:
    """The file list under CONTRIBUTING.md's "Adding an exercise", NAME filled in."""
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("## Adding an exercise", 1)[1]
    block = re.search(r"```text\n(.*?)```", section, re.S)
    assert block is not None, "CONTRIBUTING.md lists no files for adding an exercise"
    return {line.strip().replace("NAME", NAME) for line in block.group(1).splitlines() if line}


def copy_repo(dest: Path) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if n in SKIP_DIRS or n.endswith(".egg-info")}

    shutil.copytree(REPO, dest, ignore=ignore)


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file() and not set(p.relative_to(root).parts) & SKIP_DIRS
    }


def edit(path: Path, anchor: str, insert: str, *, before: bool = True) -> None:
    """Insert `insert` before (or after) the last occurrence of `anchor` in `path`."""
    text = path.read_text(encoding="utf-8")
    at = text.rindex(anchor) + (0 if before else len(anchor))
    path.write_text(text[:at] + insert + text[at:], encoding="utf-8")


def add_tenth_exercise(root: Path) -> None:
    for pattern, content in FILES.items():
        (root / pattern.replace("NAME", NAME)).write_text(content, encoding="utf-8")
    edit(
        root / "autograder/kit/registry.py",
        "\n)\n\nEXERCISE_NAMES",
        '\n    Exercise("tenth", "Doubling", "a dummy exercise: doubling a number"),',
    )
    edit(root / "autograder/authoring/contract.py", "}\n", '    "tenth": {"double": "x"},\n')
    with open(root / "docs/exercise-api.md", "a", encoding="utf-8") as doc:
        doc.write("\n## 10. `tenth`\n- `double(x) -> float` — `2 * x`.\n")
    readme = root / "README.md"
    row = re.search(r"^\| 9 \| `\w+` \|.*\n", readme.read_text(encoding="utf-8"), re.M)
    assert row is not None
    edit(
        readme,
        row.group(0),
        "| 10 | `tenth` | a dummy exercise: doubling a number |\n",
        before=False,
    )


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root), "TORCHGRADE_IMPL": "exercises"}
    return subprocess.run(
        [sys.executable, *args], cwd=root, env=env, capture_output=True, text=True, timeout=600
    )


def test_a_tenth_exercise_touches_only_the_listed_files(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    copy_repo(root)
    before = digests(root)
    add_tenth_exercise(root)
    after = digests(root)
    touched = {p for p in after if before.get(p) != after[p]} | (set(before) - set(after))
    assert touched == listed_files()

    # The copy's own autograder, not the installed one, answers.
    where = run(root, "-c", "import autograder; print(autograder.__file__)")
    assert where.stdout.startswith(str(root)), where.stdout + where.stderr

    checks = run(
        root,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/engine/test_contract.py",
        "tests/engine/test_registry.py",
    )
    assert checks.returncode == 0, checks.stdout[-3000:] + checks.stderr[-3000:]

    public = run(root, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/public", "-m", NAME)
    assert public.returncode == 1, public.stdout[-3000:]  # the stubs fail ...
    assert re.search(r"\b3 failed\b", public.stdout), public.stdout[-3000:]
    assert "NotImplementedError: tenth.double" in public.stdout
    reference = run(
        root, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/public", "-m", NAME,
        "--impl", "solutions",
    )  # fmt: skip
    assert reference.returncode == 0 and re.search(r"\b3 passed\b", reference.stdout), (
        reference.stdout[-3000:] + reference.stderr[-3000:]
    )

    catalogue = run(root, "-m", "autograder.authoring.catalogue_check", NAME)
    assert catalogue.returncode == 0, catalogue.stdout[-3000:] + catalogue.stderr[-3000:]
    assert "tenth=5/5" in catalogue.stdout and "tenth=0/5" in catalogue.stdout
    assert "3 of 3 behave as they must" in catalogue.stdout
