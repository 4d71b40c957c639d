"""Fixtures of the hidden suites: `student` (the submission, through its backend) and
`reference` (the solutions, in-process, through the same codec); and the protocol of rule
tests (`@pytest.mark.rule`): they count only for working code that the grader can check."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import torch

from autograder.judge import checks
from autograder.judge.plugin import NO_CUDA_REASON, STUDENT_KEY
from autograder.judge.source_rules import grader_tampering, parse
from autograder.judge.student import CodeProxy, StudentError, reference_proxy


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if torch.cuda.is_available():
        return
    for item in items:
        if item.get_closest_marker("cuda"):
            item.add_marker(pytest.mark.skip(reason=NO_CUDA_REASON))


@functools.lru_cache(maxsize=16)
def _tampering(source: str) -> tuple[str, ...]:
    try:
        return tuple(grader_tampering(parse(source)))
    except SyntaxError:
        return ("a syntax error",)


def _rule_conditions(item: pytest.Item) -> None:
    """After a rule test passed: it proved the function works (a suite bug otherwise), and
    the module holds nothing that could have fooled a check run beside it. The source is
    read here, on the trusted side, so student code cannot change this verdict."""
    if not checks.working():
        raise checks.HiddenTestError(f"{item.name} is a rule test without require_works")
    student = item.config.stash.get(STUDENT_KEY, None)
    if student is None:
        return
    exercise = Path(str(item.fspath)).stem.removeprefix("test_")
    try:
        found = _tampering(student.source(exercise))
    except StudentError:
        return  # a missing file fails every test anyway
    checks.require(
        not found,
        "rules count only for code the grader can check, and the module uses "
        f"{', '.join(found)} (evaluated text, computed imports, introspection or the "
        "grader's modules)",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    checks.start_test()
    result = yield
    if item.get_closest_marker("rule") is not None:
        _rule_conditions(item)
    return result


@pytest.fixture(scope="session")
def student(request: pytest.FixtureRequest) -> CodeProxy:
    try:
        return request.config.stash[STUDENT_KEY]
    except KeyError:
        pytest.fail(
            "hidden suites run through autograder.judge.suites (torchgrade grade), "
            "which provides the submission"
        )


@pytest.fixture(scope="session")
def reference() -> CodeProxy:
    return reference_proxy()
