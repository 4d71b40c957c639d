"""Public tests: the same tests run against the student's stubs or the reference solutions.

`pytest tests/public` tests `exercises/` (what a student does). `pytest tests/public
--impl solutions` (or TORCHGRADE_IMPL=solutions) tests the reference solutions.
Each test file is named `test_<exercise>.py` and gets its exercise module from the `ex`
fixture, and its marker automatically, so `pytest -m softmax` runs one exercise.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

from autograder.kit.registry import EXERCISE_NAMES


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--impl",
        choices=["exercises", "solutions"],
        default=os.environ.get("TORCHGRADE_IMPL", "exercises"),
        help="which package the public tests exercise (default: exercises, or $TORCHGRADE_IMPL)",
    )


def exercise_of(path: Path) -> str:
    name = path.stem.removeprefix("test_")
    if name not in EXERCISE_NAMES:
        raise ValueError(f"{path.name}: public test files are named test_<exercise>.py")
    return name


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        path = Path(item.fspath)
        if path.parent == here:
            item.add_marker(getattr(pytest.mark, exercise_of(path)))


@pytest.fixture
def ex(request: pytest.FixtureRequest):
    """The exercise module under test: exercises.<name> or solutions.<name>."""
    package = request.config.getoption("--impl")
    return importlib.import_module(f"{package}.{exercise_of(Path(request.fspath))}")
