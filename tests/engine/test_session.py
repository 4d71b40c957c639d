"""Hidden suites collected once per grading process and re-run for each submission give
exactly the outcomes of a fresh pytest session per submission."""

from __future__ import annotations

import sys

import pytest

from autograder.authoring.mutation import build_submission, load_catalogue
from autograder.judge import session, suites
from autograder.judge.student import InProcessBackend
from autograder.judge.suites import HiddenSuite, run_hidden_suite

EXERCISES = ["metrics", "datasets"]


def grade(root, reuse: bool) -> list[tuple]:
    session.reuse_sessions(reuse)
    backend = InProcessBackend(root, "exercises")
    try:
        outcomes = run_hidden_suite(backend, root, "exercises", EXERCISES)
    finally:
        backend.close()
        session.reuse_sessions(False)
    return [(o.name, o.score, o.max_score, o.status, o.message) for o in outcomes]


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    mutants = [m for m in load_catalogue() if m.exercise in EXERCISES and not m.correct]
    tmp = tmp_path_factory.mktemp("session")
    return [
        build_submission(tmp / "solutions", "solutions"),
        build_submission(tmp / "stubs", "exercises"),
        build_submission(tmp / "mutant-a", "solutions", mutants[0]),
        build_submission(tmp / "mutant-b", "solutions", mutants[-1]),
        build_submission(tmp / "solutions-again", "solutions"),
    ]


def test_one_collection_gives_the_outcomes_of_fresh_sessions(submissions):
    fresh = [grade(root, reuse=False) for root in submissions]
    reused = [grade(root, reuse=True) for root in submissions]
    assert reused == fresh
    scores = [sum(o[1] for o in outcomes) for outcomes in reused]
    assert scores[0] == scores[4] > scores[2] and scores[1] == 0  # the runs differ as they should
    assert len(session._SESSIONS) == 1  # every run after the first reused the collection


def test_a_grading_worker_takes_the_suite_from_the_session_it_runs(monkeypatch):
    """One collection per worker: `HiddenSuite` (names, points, maxima) is read from the
    session's collection, never from a second `pytest --collect-only`."""
    fresh = HiddenSuite(EXERCISES).tests
    runs = []
    monkeypatch.setattr(suites, "_run", lambda *args: runs.append(args))
    session.reuse_sessions(True)
    try:
        reused = HiddenSuite(EXERCISES)
        assert reused.tests == fresh
        assert reused.maximum() == HiddenSuite(EXERCISES, fresh).maximum()
        assert runs == []  # no collection besides the session's
        files = suites.hidden_suite_files(EXERCISES)
        assert session.prepared(files, suites._BASE_ARGS).tests  # the one it was read from
        assert len([key for key in session._SESSIONS if key == tuple(files)]) == 1
    finally:
        session.reuse_sessions(False)


def test_a_session_left_broken_is_replaced(submissions):
    expected = grade(submissions[0], reuse=True)
    (broken,) = session._SESSIONS.values()
    broken.close()  # what a failed run leaves behind
    assert grade(submissions[0], reuse=True) == expected
    (replacement,) = session._SESSIONS.values()
    assert replacement is not broken and not replacement.closed


def test_what_a_test_records_does_not_carry_over_to_the_next_submission(tmp_path):
    (tmp_path / "test_records.py").write_text(
        "import pytest\n"
        "RUNS = []\n"
        "@pytest.mark.points(1)\n"
        "def test_records(record_property):\n"
        "    RUNS.append(1)\n"
        "    if len(RUNS) == 1:\n"
        "        record_property('accuracy', 0.9)\n"
    )
    suite = session.SuiteSession(
        [str(tmp_path / "test_records.py"), "--rootdir", str(tmp_path), "-p", "no:cacheprovider"]
    )
    try:
        first, _ = suite.run(None)
        assert suite.items[0].user_properties == [("accuracy", 0.9)]
        second, _ = suite.run(None)
        assert suite.items[0].user_properties == []
        assert (
            [o.status for o in first.values()] == [o.status for o in second.values()] == ["passed"]
        )
    finally:
        suite.close()


def _forget_the_suites(monkeypatch) -> None:
    """As in a new grading process: no session, no hidden test module imported."""
    monkeypatch.setattr(session, "_SESSIONS", {})
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", "")).startswith(str(suites.HIDDEN_DIR)):
            monkeypatch.delitem(sys.modules, name)


def test_every_run_draws_the_inputs_a_fresh_session_draws(tmp_path, monkeypatch):
    """The metrics suite draws its inputs from a module-level generator: a reused session
    must not hand the k-th submission of a worker other inputs (another message, and for a
    borderline submission perhaps another verdict) than a fresh session would."""
    mutant = next(m for m in load_catalogue() if m.name == "metrics_confusion_transposed")
    root = build_submission(tmp_path / "mutant", "solutions", mutant)
    other = build_submission(tmp_path / "solutions", "solutions")
    _forget_the_suites(monkeypatch)
    fresh = grade(root, reuse=False)
    _forget_the_suites(monkeypatch)
    first, _, again = grade(root, reuse=True), grade(other, reuse=True), grade(root, reuse=True)
    message = next(o[4] for o in fresh if o[0] == "metrics::test_confusion_matrix")
    assert "values differ" in message  # numbers that depend on the random inputs
    assert first == fresh and again == fresh
