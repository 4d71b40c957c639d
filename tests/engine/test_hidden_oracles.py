"""The hidden suites' own oracles, checked once here rather than in every submission's run:
the gradients the autograd_basics suite compares students with (torch's autograd on the
suite's functions) agree with finite differences at every case it grades."""

from __future__ import annotations

import configparser
import importlib.util

import pytest
import torch
from torch.autograd.gradcheck import GradcheckError

from autograder.judge.suites import HIDDEN_DIR


@pytest.fixture(scope="module")
def autograd_suite(pytestconfig):
    """The autograd_basics hidden suite, imported as the grader imports it (its cases built
    alike), with the hidden suites' own markers known to this session."""
    hidden_ini = configparser.ConfigParser()
    hidden_ini.read(HIDDEN_DIR / "pytest.ini", encoding="utf-8")
    for line in hidden_ini["pytest"]["markers"].strip().splitlines():
        pytestconfig.addinivalue_line("markers", line.strip())
    path = HIDDEN_DIR / "test_autograd_basics.py"
    spec = importlib.util.spec_from_file_location("hidden_autograd_basics", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_gradient_oracle_agrees_with_finite_differences(autograd_suite):
    assert len(autograd_suite.GRAD_CASES) >= 3
    for case, (f, x) in autograd_suite.GRAD_CASES.items():
        x64 = x.detach().to(torch.float64)
        assert torch.autograd.gradcheck(f, (x64.clone().requires_grad_(True),)), case
        # gradcheck validated autograd's gradient of f at x: the suite's reference is it.
        leaf = x64.clone().requires_grad_(True)
        (expected,) = torch.autograd.grad(f(leaf), leaf)
        torch.testing.assert_close(autograd_suite.reference_grad(f, x64), expected, rtol=0, atol=0)


def test_gradcheck_would_catch_a_wrong_oracle():
    """The check can fail: a function whose autograd gradient is wrong does not pass."""

    class WrongSquare(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return (x * x).sum()

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x  # d(x²)/dx is 2x

    x = torch.randn(5, dtype=torch.float64, requires_grad=True)
    with pytest.raises(GradcheckError):
        torch.autograd.gradcheck(WrongSquare.apply, (x,))
