"""The exercise registry is the one source of every per-exercise fact."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from autograder.authoring.contract import CONTRACT
from autograder.kit.registry import EXERCISE_NAMES, exercise_table, marker_lines
from autograder.result import GRADES_COLUMNS

REPO = Path(__file__).resolve().parents[2]


def test_readme_shows_the_registrys_exercise_table() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert exercise_table() in readme, (
        "README.md's exercise table differs from autograder/kit/registry.py; replace it with:\n"
        + exercise_table()
    )


def test_pytest_markers_come_from_the_registry() -> None:
    """The public tests' conftest registers one marker per exercise (--strict-markers)."""
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "--markers", "-p", "no:cacheprovider", "tests/public"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stdout + listed.stderr
    for line in marker_lines():
        assert f"@pytest.mark.{line}" in listed.stdout, line
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert not any(f'"{name}:' in pyproject for name in EXERCISE_NAMES), (
        "exercise markers are registered from the registry, not listed in pyproject.toml"
    )


def test_per_exercise_tables_follow_the_registry() -> None:
    assert list(CONTRACT) == list(EXERCISE_NAMES)
    assert GRADES_COLUMNS[5:-1] == list(EXERCISE_NAMES)
    for name in EXERCISE_NAMES:
        for folder in ("exercises", "solutions", "tests/public", "tests/mutants"):
            stem = f"test_{name}" if folder == "tests/public" else name
            assert (REPO / folder / f"{stem}.py").is_file(), f"{folder} lacks {name}"
        assert (REPO / "autograder" / "hidden" / f"test_{name}.py").is_file(), name
