"""Fixtures of the hidden suites: `student` (the submission, through its backend) and
`reference` (the solutions, in-process, through the same codec)."""

from __future__ import annotations

import pytest
import torch

from autograder.judge.plugin import NO_CUDA_REASON, STUDENT_KEY
from autograder.judge.student import CodeProxy, reference_proxy


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if torch.cuda.is_available():
        return
    for item in items:
        if item.get_closest_marker("cuda"):
            item.add_marker(pytest.mark.skip(reason=NO_CUDA_REASON))


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
