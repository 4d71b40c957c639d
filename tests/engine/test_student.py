"""The `student` proxy and the in-process backend behave like the sandbox."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.codec import UnsupportedValue
from autograder.judge.student import CodeProxy, InProcessBackend, MemoizedBackend, StudentError


@pytest.fixture
def student(tmp_path):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "__init__.py").write_text("")
    (tmp_path / "exercises" / "metrics.py").write_text(
        "import torch\n"
        "def mutate(x):\n    x += 1\n    return x.sum()\n"
        "def model(n):\n    return torch.nn.Linear(n, 1)\n"
        "def fail(n):\n    raise ValueError(f'bad n={n}')\n"
        "def torch_fail():\n    return torch.ones(2) @ torch.ones(3)\n"
    )
    backend = InProcessBackend(tmp_path, "exercises")
    yield CodeProxy(backend, tmp_path, "exercises")
    backend.close()


def test_student_gets_a_private_copy_of_the_arguments(student):
    x = torch.zeros(3)
    assert student.metrics.mutate(x) == 3.0
    assert torch.equal(x, torch.zeros(3)), "student code changed the test's tensor"


def test_objects_that_are_not_plain_data_are_refused(student):
    with pytest.raises(StudentError) as info:
        student.metrics.model(2)
    assert info.value.kind == "UnsupportedValue" and "Linear" in info.value.message


def test_student_exceptions_keep_type_and_message(student):
    with pytest.raises(StudentError) as info:
        student.metrics.fail(4)
    assert (info.value.kind, info.value.message) == ("ValueError", "bad n=4")
    assert "Exception" in info.value.kinds and "metrics.py" in info.value.detail


def test_traceback_shows_only_the_students_lines(student):
    with pytest.raises(StudentError) as info:
        student.metrics.torch_fail()
    assert info.value.kind == "RuntimeError"
    assert (
        "metrics.py" in info.value.detail and "torch.ones(2) @ torch.ones(3)" in info.value.detail
    )
    assert "site-packages" not in info.value.detail and "autograder" not in info.value.detail


def test_memoized_reference_returns_fresh_equal_values(tmp_path):
    calls = []

    class Counting(InProcessBackend):
        def call(self, *a):
            calls.append(a)
            return super().call(*a)

    memo = MemoizedBackend(Counting(None, "solutions"))
    memo.forget()
    cm = np.array([[1, 2], [3, 4]])
    first = memo.call("metrics", "per_class_accuracy", (cm,), {})
    first[0] = -1.0  # a caller changing its result must not change the next answer
    second = memo.call("metrics", "per_class_accuracy", (cm,), {})
    np.testing.assert_allclose(second, [1 / 3, 4 / 7])
    assert not calls  # MemoizedBackend computes through the module, never via .call


def test_memoized_reference_hands_each_caller_its_own_nested_values():
    memo = MemoizedBackend(InProcessBackend(None, "solutions"))
    memo.forget()
    args = ((torch.tensor([[2.0, 1.0], [0.5, 3.0]]),), {})
    first = memo.probe("softmax", _two_views, *args)
    first["rows"][0].append(-1.0)
    first["tensor"].zero_()
    second = memo.probe("softmax", _two_views, *args)
    assert second["rows"] == [[2.0, 1.0], [0.5, 3.0]]
    assert torch.equal(second["tensor"], torch.tensor([[2.0, 1.0], [0.5, 3.0]]))


def _two_views(ex, x):  # a probe: the same values as nested lists and as a tensor
    return {"rows": x.tolist(), "tensor": x}


def test_memoized_reference_imports_no_module_for_a_remembered_result():
    class NoImports(InProcessBackend):
        def __init__(self):
            super().__init__(None, "solutions")
            self.loader = self  # loader.load(exercise) below

        def load(self, exercise):
            raise AssertionError(f"imported {exercise} for a remembered result")

    memo = MemoizedBackend(InProcessBackend(None, "solutions"))
    memo.forget()
    cm = np.array([[5, 1], [2, 2]])
    want = memo.call("metrics", "per_class_accuracy", (cm,), {})
    got = MemoizedBackend(NoImports()).call("metrics", "per_class_accuracy", (cm,), {})
    np.testing.assert_array_equal(got, want)
    with pytest.raises(AssertionError, match="imported metrics"):  # not remembered: imports
        MemoizedBackend(NoImports()).call("metrics", "per_class_accuracy", (cm + 1,), {})


def test_codec_refuses_forged_bytes():
    from autograder import codec

    with pytest.raises(UnsupportedValue):
        codec.loads(b"\x80\x04\x95 not json")
