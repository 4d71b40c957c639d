"""Stubs and solutions define every contract name with the contract's parameters."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from autograder.authoring.contract import CONTRACT
from autograder.kit.registry import EXERCISE_NAMES

SHARED_API = Path(__file__).resolve().parents[3] / "shared" / "exercise-api.md"


def parameters(obj: object) -> str:
    """The parameters as the contract writes them: names and defaults, no annotations."""
    target = obj.__init__ if inspect.isclass(obj) else obj
    params = list(inspect.signature(target).parameters.values())
    if inspect.isclass(obj):
        params = params[1:]  # self
    rendered = []
    for p in params:
        if p.default is inspect.Parameter.empty:
            rendered.append(p.name)
        else:
            rendered.append(f"{p.name}={p.default!r}")
    return ", ".join(rendered)


def test_contract_lists_every_exercise():
    assert list(CONTRACT) == list(EXERCISE_NAMES)


@pytest.mark.parametrize("package", ["exercises", "solutions"])
@pytest.mark.parametrize("exercise", EXERCISE_NAMES)
def test_module_has_contract_names_and_parameters(package, exercise):
    module = importlib.import_module(f"{package}.{exercise}")
    for name, expected in CONTRACT[exercise].items():
        assert hasattr(module, name), f"{package}.{exercise} lacks {name}"
        if expected is None:
            continue
        got = parameters(getattr(module, name))
        assert got == expected, f"{package}.{exercise}.{name}({got}) != contract ({expected})"


@pytest.mark.parametrize("exercise", EXERCISE_NAMES)
def test_stub_and_solution_signatures_are_identical(exercise):
    """Annotations included: the stub is the solution's API exactly."""
    stub = importlib.import_module(f"exercises.{exercise}")
    solution = importlib.import_module(f"solutions.{exercise}")
    public = sorted(n for n in CONTRACT[exercise] if CONTRACT[exercise][n] is not None)
    for name in public:
        s, r = getattr(stub, name), getattr(solution, name)
        s, r = (s.__init__, r.__init__) if inspect.isclass(s) else (s, r)
        assert inspect.signature(s) == inspect.signature(r), name


def test_constants_equal_in_stub_and_solution():
    for exercise, names in CONTRACT.items():
        for name, params in names.items():
            if params is None:
                stub = getattr(importlib.import_module(f"exercises.{exercise}"), name)
                solution = getattr(importlib.import_module(f"solutions.{exercise}"), name)
                assert stub == solution, name


@pytest.mark.skipif(not SHARED_API.exists(), reason="shared/exercise-api.md not beside the repo")
def test_contract_mirrors_the_shared_api_document():
    """Every `name(` introduced in a bullet of exercise-api.md is in CONTRACT, and back."""
    text = SHARED_API.read_text(encoding="utf-8")
    sections = re.split(r"^## \d+\. `(\w+)`", text, flags=re.M)[1:]
    documented = {}
    for exercise, body in zip(sections[::2], sections[1::2], strict=True):
        # A bullet introduces names before its dash: "- `softmax(x)` and `log_softmax(x)` — ..."
        heads = [line.split(" — ")[0] for line in re.findall(r"^- (`.*)$", body, flags=re.M)]
        names = [
            n
            for head in heads
            for n in re.findall(r"^`(\w+)", head) + re.findall(r"`(\w+)\(", head)
        ]
        documented[exercise] = set(names)
    assert set(documented) == set(CONTRACT)
    for exercise, names in documented.items():
        assert names == set(CONTRACT[exercise]), exercise


def test_stub_functions_raise_not_implemented_with_their_name():
    """Calling a stub fails with a message that names the exercise and function."""
    for exercise in EXERCISE_NAMES:
        module = importlib.import_module(f"exercises.{exercise}")
        for name, params in CONTRACT[exercise].items():
            if params is None:
                continue
            obj = getattr(module, name)
            n_required = sum(
                p.default is inspect.Parameter.empty
                for p in inspect.signature(
                    obj.__init__ if inspect.isclass(obj) else obj
                ).parameters.values()
                if p.name != "self"
            )
            with pytest.raises(NotImplementedError, match=rf"^{exercise}\.{name}\b"):
                obj(*([None] * n_required))
