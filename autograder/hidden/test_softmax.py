"""Hidden suite for exercise 2 (softmax)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.judge import source_rules
from autograder.judge.checks import Mismatch, assert_close, require, require_works, student_raises
from autograder.probes import softmax as probes

RNG = np.random.default_rng(2202)
HUGE = np.array([[1e4, -1e4, 0.0, 3.0], [-1e4, -1e4, -1e4, -1e4], [5.0, 1e4, 1e4, -2.0]])


def _strict(student, function, *args):
    result = student.probe(probes.strict_call, function, *args)
    require(not result["problem"], f"{function} is not numerically stable: {result['problem']}")
    return result["value"]


@pytest.mark.points(2)
@pytest.mark.clause("softmax", "exp(x) / sum(exp(x)) along `axis`")
def test_softmax_any_axis(student, reference):
    """softmax: exp(x) / Σ exp(x) along the given axis of an array of any shape."""
    x = RNG.normal(scale=3, size=(2, 3, 4))
    for axis in (-1, 0, 1, 2):
        assert_close(
            student.softmax.softmax(x, axis),
            reference.softmax.softmax(x, axis),
            what=f"softmax(axis={axis})",
        )
    v = RNG.normal(size=6)
    assert_close(student.softmax.softmax(v), reference.softmax.softmax(v), what="softmax of (C,)")


@pytest.mark.points(4)
@pytest.mark.clause("softmax", "no NaN/inf or overflow warning for entries of ±1e4")
def test_softmax_stable(student, reference):
    """softmax: entries of ±1e4 give no NaN/inf and no overflow warning."""
    for axis in (-1, 0):
        assert_close(
            _strict(student, "softmax", HUGE, axis),
            reference.softmax.softmax(HUGE, axis),
            atol=1e-12,
            what=f"softmax of ±1e4 (axis={axis})",
        )


@pytest.mark.points(1)
@pytest.mark.clause("log_softmax", "x - log(sum(exp(x))) along `axis`")
def test_log_softmax_values(student, reference):
    """log_softmax: x - log Σ exp(x) along the given axis."""
    x = RNG.normal(scale=5, size=(5, 3))
    for axis in (-1, 0):
        assert_close(
            student.softmax.log_softmax(x, axis),
            reference.softmax.log_softmax(x, axis),
            what=f"log_softmax(axis={axis})",
        )


@pytest.mark.points(3)
@pytest.mark.clause("log_softmax", "finite and exact for entries of ±1e4, with no warning")
def test_log_softmax_stable(student, reference):
    """log_softmax: finite and exact for entries of ±1e4, with no warning."""
    for axis in (-1, 0):
        assert_close(
            _strict(student, "log_softmax", HUGE, axis),
            reference.softmax.log_softmax(HUGE, axis),
            rtol=1e-9,
            what=f"log_softmax of ±1e4 (axis={axis})",
        )


@pytest.mark.points(1)
@pytest.mark.clause("one_hot", "Returns a (K, C) float64 array")
def test_one_hot(student, reference):
    """one_hot: (K, C) float64 with a single 1 per row; whole-valued floats are labels too."""
    labels = RNG.integers(0, 6, size=9)
    got = student.softmax.one_hot(labels, 7)
    require(
        isinstance(got, np.ndarray) and got.dtype == np.float64, "expected a float64 NumPy array"
    )
    assert_close(got, reference.softmax.one_hot(labels, 7), what="one-hot rows")
    floats = labels.astype(np.float64)
    assert_close(
        student.softmax.one_hot(floats, 7), reference.softmax.one_hot(floats, 7), what="from 2.0"
    )
    assert_close(student.softmax.one_hot(np.array([0]), 1), np.ones((1, 1)), what="a single sample")


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause("one_hot", "Raises ValueError for a label outside [0, num_classes)")
@pytest.mark.parametrize("labels", [[0, 4, 7], [2, -1, 0]])
def test_one_hot_out_of_range(student, reference, labels):
    """one_hot: a label outside [0, num_classes) raises ValueError."""
    valid = np.array([1, 0, 2])
    require_works(
        student.softmax.one_hot(valid, 3), reference.softmax.one_hot(valid, 3), what="one_hot"
    )
    with student_raises("ValueError"):
        student.softmax.one_hot(np.array(labels), 7)


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause("one_hot", "or a label that is not a whole number (2.5)")
def test_one_hot_not_whole(student, reference):
    """one_hot: a label that is not a whole number raises ValueError."""
    valid = np.array([1.0, 0.0, 2.0])  # whole-valued floats are labels
    require_works(
        student.softmax.one_hot(valid, 3), reference.softmax.one_hot(valid, 3), what="one_hot"
    )
    for labels in ([1.0, 2.5], [0.0, 1.0001]):
        with student_raises("ValueError"):
            student.softmax.one_hot(np.array(labels), 3)


@pytest.mark.points(2)
@pytest.mark.clause("softmax_torch", "differentiable by autograd")
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_softmax_torch_value_and_grad(student, reference, dtype):
    """softmax_torch: values and autograd gradients match the reference along any dim."""
    gen = torch.Generator().manual_seed(2203)
    x = (torch.randn(3, 5, 2, generator=gen) * 4).to(dtype)
    weights = torch.randn(3, 5, 2, generator=gen, dtype=torch.float64)
    tol = {"rtol": 1e-9, "atol": 1e-12} if dtype == torch.float64 else {"rtol": 1e-4, "atol": 1e-6}
    for dim in (-1, 0, 1):
        assert_close(
            student.probe(probes.softmax_torch_grad, x, dim, weights),
            reference.probe(probes.softmax_torch_grad, x, dim, weights),
            what=f"softmax_torch(dim={dim})",
            **tol,
        )


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause("softmax_torch", "passes torch.autograd.gradcheck in float64")
def test_softmax_torch_gradcheck(student, reference):
    """softmax_torch: passes torch.autograd.gradcheck in float64."""
    x = torch.randn(4, 3, generator=torch.Generator().manual_seed(2204), dtype=torch.float64)
    for dim in (1, 0):
        require_works(
            student.softmax.softmax_torch(x, dim),
            reference.softmax.softmax_torch(x, dim),
            what="softmax_torch",
        )
        problem = student.probe(probes.gradcheck, "softmax_torch", x, dim)
        require(not problem, f"gradcheck of softmax_torch(dim={dim}) failed: {problem}")


@pytest.mark.points(3)
@pytest.mark.clause("softmax_torch", "Stable for entries of ±1e4")
def test_softmax_torch_stable(student, reference):
    """softmax_torch: logits of ±1e4 give finite values and gradients."""
    x = torch.tensor(HUGE)
    weights = torch.arange(12, dtype=torch.float64).reshape(3, 4)
    for dim in (-1, 0):
        assert_close(
            student.probe(probes.softmax_torch_grad, x, dim, weights),
            reference.probe(probes.softmax_torch_grad, x, dim, weights),
            atol=1e-12,
            what=f"softmax_torch of ±1e4 (dim={dim})",
        )


def _ce_expected(logits: torch.Tensor, targets: torch.Tensor) -> dict:
    leaf = logits.detach().clone().requires_grad_(True)
    loss = F.cross_entropy(leaf, targets)
    (grad,) = torch.autograd.grad(loss, leaf)
    return {"value": loss.detach(), "grad": grad}


@pytest.mark.points(1)
@pytest.mark.clause("cross_entropy", "equal to F.cross_entropy(logits, targets)")
@pytest.mark.parametrize(
    "K,C,dtype", [(13, 6, torch.float64), (1, 4, torch.float64), (9, 5, torch.float32)]
)
def test_cross_entropy_matches_torch(student, K, C, dtype):
    """cross_entropy: value and gradient equal F.cross_entropy (a single sample included)."""
    gen = torch.Generator().manual_seed(2205 + K)
    logits = (torch.randn(K, C, generator=gen) * 3).to(dtype)
    targets = torch.randint(0, C, (K,), generator=gen)
    tol = {"rtol": 1e-8, "atol": 1e-10} if dtype == torch.float64 else {"rtol": 1e-4, "atol": 1e-6}
    got = student.probe(probes.cross_entropy_grad, logits, targets)
    expected = _ce_expected(logits, targets)
    require(got["value"].numel() == 1, "cross_entropy must return a scalar (the mean)")
    assert_close(got["value"], expected["value"], what="loss", check_shape=False, **tol)
    assert_close(got["grad"], expected["grad"], what="gradient w.r.t. logits", **tol)


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause("cross_entropy", "passes torch.autograd.gradcheck in float64")
def test_cross_entropy_gradcheck(student):
    """cross_entropy: passes torch.autograd.gradcheck in float64."""
    gen = torch.Generator().manual_seed(2206)
    logits = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    targets = torch.tensor([2, 0, 1, 1, 2])
    got = student.softmax.cross_entropy(logits, targets)
    require_works(got, F.cross_entropy(logits, targets), what="cross_entropy", check_shape=False)
    problem = student.probe(probes.gradcheck, "cross_entropy", logits, targets)
    require(not problem, f"gradcheck of cross_entropy failed: {problem}")


@pytest.mark.points(4)
@pytest.mark.clause("cross_entropy", "Stable for logits of ±1e4")
def test_cross_entropy_stable(student):
    """cross_entropy: logits of ±1e4 give the exact finite loss and gradient."""
    for dtype in (torch.float64, torch.float32):
        logits = torch.tensor(HUGE, dtype=dtype)
        targets = torch.tensor([1, 3, 0])
        got = student.probe(probes.cross_entropy_grad, logits, targets)
        expected = _ce_expected(logits, targets)
        # float32 cannot resolve 1e4 + log 2 finer than ~1e-3, whatever the method
        atol = 1e-9 if dtype == torch.float64 else 2e-3
        assert_close(got["value"], expected["value"], rtol=1e-6, what="loss", check_shape=False)
        assert_close(got["grad"], expected["grad"], rtol=1e-6, atol=atol, what="gradient")


@pytest.mark.points(1)
@pytest.mark.rule
@pytest.mark.clause("cross_entropy", "Raises ValueError for a target outside [0, C)")
def test_cross_entropy_bad_target(student):
    """cross_entropy: a target outside [0, C) raises instead of giving a value."""
    logits = torch.randn(3, 4, generator=torch.Generator().manual_seed(2207))
    valid = torch.tensor([0, 1, 3])
    require_works(
        student.softmax.cross_entropy(logits, valid),
        F.cross_entropy(logits, valid),
        what="cross_entropy",
        rtol=1e-4,
        check_shape=False,
    )
    for targets in ([0, 4, 1], [0, -1, 1]):
        with student_raises("ValueError", "TypeError", "IndexError", "RuntimeError"):
            student.softmax.cross_entropy(logits, torch.tensor(targets))


BANNED_ATTRS = {name for _, name in probes.BANNED if name != "forward"} | {
    "Softmax",
    "LogSoftmax",
    "CrossEntropyLoss",
    "NLLLoss",
    "nll_loss2d",
}
CHECKED = ("softmax_torch", "cross_entropy")


def _works(student, reference) -> None:
    """softmax_torch and cross_entropy give the reference's values (rules need working code)."""
    gen = torch.Generator().manual_seed(2209)
    x, logits = torch.randn(3, 4, generator=gen), torch.randn(4, 3, generator=gen)
    targets = torch.tensor([2, 0, 1, 1])
    for function, args in (("softmax_torch", (x, 0)), ("cross_entropy", (logits, targets))):
        require_works(
            getattr(student.softmax, function)(*args),
            getattr(reference.softmax, function)(*args),
            what=function,
            rtol=1e-5,
            atol=1e-7,
        )


@pytest.mark.points(3)
@pytest.mark.rule
@pytest.mark.clause("module", "must be built from elementary tensor operations")
def test_no_library_softmax_in_source(student, reference):
    """softmax_torch and cross_entropy use no library softmax, log-softmax, NLL or CE loss."""
    _works(student, reference)
    try:
        tree = source_rules.parse(student.source("softmax"))
        found = source_rules.banned_references(tree, CHECKED, BANNED_ATTRS, {"torch"})
    except SyntaxError:
        raise Mismatch("the module's source could not be parsed") from None
    require(not found, f"softmax_torch/cross_entropy use a banned function: {', '.join(found)}")


@pytest.mark.points(3)
@pytest.mark.rule
@pytest.mark.clause("module", "must be built from elementary tensor operations")
def test_no_library_softmax_at_runtime(student, reference):
    """softmax_torch and cross_entropy call no library softmax, NLL or CE loss when run."""
    _works(student, reference)
    gen = torch.Generator().manual_seed(2208)
    x, logits = torch.randn(4, 3, generator=gen), torch.randn(5, 4, generator=gen)
    targets = torch.tensor([3, 0, 1, 2, 0])
    called = student.probe(probes.banned_calls, x, 0, logits, targets)
    require(not called, f"banned functions were called: {', '.join(called)}")
