"""Hidden suites collected once per grading process and re-run for each submission give
exactly the outcomes of a fresh pytest session per submission."""

from __future__ import annotations

import pytest

from autograder.authoring.mutation import build_submission, load_catalogue
from autograder.judge import session
from autograder.judge.student import InProcessBackend
from autograder.judge.suites import run_hidden_suite

EXERCISES = ["metrics", "datasets"]


def grade(root, reuse: bool) -> list[tuple]:
    session.reuse_sessions(reuse)
    backend = InProcessBackend(root, "exercises")
    try:
        result = run_hidden_suite(backend, root, "exercises", EXERCISES)
    finally:
        backend.close()
        session.reuse_sessions(False)
    return [(o.name, o.score, o.max_score, o.status, o.message) for o in result.outcomes]


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
