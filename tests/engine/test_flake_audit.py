"""The flake audit on a small budget (the full audit: `python -m
autograder.authoring.flake_audit`), and proof that it notices a verdict that changes."""

from __future__ import annotations

from autograder.authoring import flake_audit


def test_softmax_verdicts_identical_with_1_and_2_threads_idle_and_loaded():
    """The solutions and softmax's correct variants (the source-shape ones included), graded
    with 1 thread on an idle machine and 2 threads beside busy processes, other hash seeds
    and test orders: identical verdicts, full marks."""
    report = flake_audit.audit(["softmax"], repeats=1, quick=True, seed=12)
    assert report.runs == 2
    assert report.ok, flake_audit.describe(report)


def test_a_verdict_that_changes_is_reported(monkeypatch, tmp_path):
    runs = iter([{"passed": ["passed", 1.0, 1.0]}, {"passed": ["failed", 0.0, 1.0]}])

    def fake_run(config, trees, exercises, backend):
        return {name: {"seconds": 0.1, "tests": next(runs)} for name in trees}

    monkeypatch.setattr(flake_audit, "submissions", lambda d, e: {"solutions": tmp_path})
    monkeypatch.setattr(flake_audit, "run_configuration", fake_run)
    report = flake_audit.audit(["metrics"], repeats=1, quick=True)
    assert not report.ok
    assert len(report.differences) == 1 and "failed" in report.differences[0]
