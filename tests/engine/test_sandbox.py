"""The isolated backend against hostile submissions (tests/hostile/), graded with the real
hidden-suite runner: each gains nothing, leaves no process (and no cgroup) behind, a correct
submission graded beside it at the same time gets the right answers in time, and one graded
right after it still gets full marks."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from autograder.judge.source_rules import forfeits_rules, rule_test_names
from autograder.judge.student import StudentError
from autograder.judge.suites import HIDDEN_DIR, run_hidden_suite
from autograder.result import TestOutcome
from autograder.sandbox import IsolatedBackend, Limits, Zygote
from autograder.sandbox import protections as osl
from autograder.sandbox.backend import describe_exit
from autograder.sandbox.cgroups import PREFIX as CGROUP_PREFIX
from autograder.sandbox.cgroups import hierarchies
from autograder.sandbox.child import UID_BASE
from autograder.sandbox.limits import parse_size

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the isolated backend's tests need Linux"
)

REPO = Path(__file__).resolve().parents[2]
HOSTILE = REPO / "tests" / "hostile"
APPENDED = "# hostile: appended to the reference solution"
LIMITS = Limits(
    timeout=2.0,
    cpu_time=20,
    memory=1 << 30,
    max_file_size=8 << 20,
    max_output=64 << 10,
    scratch_size=32 << 20,
)

# case -> the metrics functions whose tests must fail (None: every test); all others pass.
CASES: dict[str, set[str] | None] = {
    "crash_segfault": {"binary_accuracy"},
    "os_exit": {"confusion_matrix"},
    "fake_results_json": None,
    "flood_stdout": {"binary_accuracy"},
    "fork_bomb": set(),
    "orphan_daemons": set(),
    "sleep_forever": {"per_class_accuracy"},
    "sleep_at_import": None,
    "memory_hog": {"multiclass_accuracy"},
    "huge_file": {"binary_accuracy"},
    "patch_checks": None,
    "import_solutions": None,
    "search_disk": None,
    "fake_grade_files": None,
    "odd_types": None,
    "forged_reply": None,
    "read_other_submissions": None,
    "kill_everyone": set(),
    # 5: CPU taken from the neighbour (see test_neighbour_keeps_its_cpu, slow_calls below)
    "busy_sessions": None,
    "busy_each_call": None,
    "memory_many_processes": set(),
    # 6: state left for the next submission, a full disk
    "leave_files": set(),
    "find_left_files": set(),
    "fill_disk": set(),
    # 7: the grader's own user and session (as root here; see test_non_root_grader)
    "instructor_files": set(),
    "instructor_terminal": set(),
    # 8: the grader's paths in the child's memory
    "search_memory": set(),
    "search_objects": set(),
    # rules decided inside the sandbox (class 9): look-alike exceptions, a rewritten probe
    "rule_fake_exception_names": {"confusion_matrix_out_of_range"},
    "rule_patched_probe": {"loader_accuracy", "confusion_matrix_out_of_range"},
}
SLOW_IMPORT = {  # cases that walk the disk or their memory at import: more time per call
    "fork_bomb",
    "memory_hog",
    "memory_many_processes",
    "leave_files",
    "find_left_files",
    "fill_disk",
    "instructor_files",
    "instructor_terminal",
    "search_memory",
    "search_objects",
}
MESSAGES = {  # case -> text the failing tests' messages must contain
    "crash_segfault": "crashed (SIGSEGV)",
    "os_exit": "exited with code 0",
    "flood_stdout": "timed out after 2 s",
    "sleep_forever": "timed out after 2 s",
    "sleep_at_import": "timed out after 2 s",
    "memory_hog": "exceeded 1 GiB",
    "huge_file": "exceeded the file size limit of 8 MiB",
}


def limits_for(case: str) -> Limits:
    # Forking a process with torch loaded, or filling 1 GiB, takes a while on a busy
    # machine: these cases get the time to reach their limit.
    return replace(LIMITS, timeout=10.0) if case in SLOW_IMPORT else LIMITS


def stage(source: Path, into: Path) -> Path:
    """Copy a submission folder; an appended module is staged after the reference."""
    shutil.copytree(source, into, ignore=shutil.ignore_patterns("__pycache__"))
    module = into / "exercises" / "metrics.py"
    text = module.read_text()
    if text.startswith(APPENDED):
        module.write_text((REPO / "solutions" / "metrics.py").read_text() + "\n\n" + text)
    return into


def honest(into: Path) -> Path:
    (into / "exercises").mkdir(parents=True)
    shutil.copy(REPO / "solutions" / "metrics.py", into / "exercises" / "metrics.py")
    return into


def sandbox_processes(zygote: Zygote) -> list[str]:
    """Live processes of the sandboxes this zygote made: its descendants, and any process of
    one of its sandbox users (other graders on this machine have their own)."""
    ours = set(_descendants_of(zygote))
    users = {UID_BASE + pid for pid in zygote.supervisors}
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        uid = int(fields.get("Uid", "0").split()[0])
        ppid = int(fields.get("PPid", "0").strip())
        if fields.get("State", "").strip().startswith("Z"):
            continue
        if uid in users or int(entry.name) in ours:
            found.append(f"{entry.name} uid={uid} ppid={ppid} {fields.get('Name', '').strip()}")
    return found


def sandbox_cgroups(zygote: Zygote) -> list[Path]:
    """Cgroups left by the sandboxes this zygote made."""
    ours = {f"{CGROUP_PREFIX}{pid}-" for pid in zygote.supervisors}
    found = []
    for hierarchy in hierarchies():
        for entry in hierarchy.own.glob(f"{CGROUP_PREFIX}*"):
            if any(entry.name.startswith(prefix) for prefix in ours):
                found.append(entry)
    return found


def assert_no_leftovers(zygote: Zygote) -> None:
    deadline = time.monotonic() + 5
    while sandbox_processes(zygote) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sandbox_processes(zygote) == []
    assert sandbox_cgroups(zygote) == []


def grade(
    root: Path, zygote: Zygote, hidden: list[Path], limits: Limits = LIMITS, **options
) -> tuple[list[TestOutcome], IsolatedBackend]:
    backend = IsolatedBackend(root, limits, zygote=zygote, hidden_paths=hidden, **options)
    try:
        result = run_hidden_suite(backend, root, "exercises", ["metrics"])
    finally:
        backend.close()
    return result, backend


def rules_lost(case: str) -> set[str]:
    """A module that could fool a check running beside it (gc, ctypes, sys.modules, the
    grader's modules...) earns no rule points, whatever else it does (#10 class 9)."""
    module = HOSTILE / case / "exercises" / "metrics.py"
    return rule_test_names(HIDDEN_DIR / "test_metrics.py") if forfeits_rules(module) else set()


def expected_failures(case: str) -> set[str] | None:
    """The metrics functions whose tests the case must fail (None: every test)."""
    declared = CASES[case]
    return None if declared is None else declared | rules_lost(case)


def check_outcomes(case: str, outcomes: list[TestOutcome]) -> None:
    declared = CASES[case]
    must_fail = expected_failures(case)

    def named(outcome, names) -> bool:
        return any(f"test_{f}" in outcome.name for f in names)

    for outcome in outcomes:
        should_fail = must_fail is None or named(outcome, must_fail)
        assert (outcome.score == 0) == should_fail, (case, outcome)
        if case in MESSAGES and (declared is None or named(outcome, declared)):
            assert MESSAGES[case] in outcome.message, (case, outcome.message)
    full = sum(o.max_score for o in outcomes)
    lost = sum(o.max_score for o in outcomes if must_fail is None or named(o, must_fail))
    assert sum(o.score for o in outcomes) == full - lost


def full_marks(outcomes: list[TestOutcome]) -> bool:
    return bool(outcomes) and all(o.status == "passed" for o in outcomes)


@pytest.fixture(scope="module")
def zygote():
    z = Zygote()
    z.start()
    yield z
    z.close()


@pytest.fixture
def workspace(tmp_path):
    submissions, out = tmp_path / "submissions", tmp_path / "out"
    out.mkdir()
    honest(submissions / "victim")  # another student's submission, next to the hostile one
    return submissions, [submissions, out]


# Cases that only the namespaces defeat (without them the OS gives less; the grader says so).
NEEDS_NAMESPACES = {
    "import_solutions",
    "search_disk",
    "read_other_submissions",
    "kill_everyone",
    "fake_grade_files",
}


@pytest.fixture(scope="module")
def has_namespaces(zygote, tmp_path_factory) -> bool:
    root = honest(tmp_path_factory.mktemp("probe") / "sub")
    with IsolatedBackend(root, LIMITS, zygote=zygote) as backend:
        return any("PID namespace" in p for p in backend.protections)


class Neighbour(threading.Thread):
    """A correct submission graded beside a hostile one, at the same time: it keeps asking
    for a confusion matrix of a million labels (about 0.1 s of CPU) and checks each answer,
    in time, against the reference solution."""

    def __init__(self, root: Path, zygote: Zygote) -> None:
        super().__init__(daemon=True)
        from solutions import metrics

        rng = np.random.default_rng(0)
        self.args = (rng.integers(0, 10, 1_000_000), rng.integers(0, 10, 1_000_000), 10)
        self.expected = metrics.confusion_matrix(*self.args)
        # 5 s for 0.1 s of work: the machine may be busy with more than this test.
        self.backend = IsolatedBackend(root, replace(LIMITS, timeout=5.0), zygote=zygote)
        self.stop = threading.Event()
        self.calls = 0
        self.failures: list[str] = []

    def run(self) -> None:
        try:
            while not self.stop.is_set() or self.calls < 2:
                try:
                    got = self.backend.call("metrics", "confusion_matrix", self.args, {})
                    if not np.array_equal(np.asarray(got), self.expected):
                        self.failures.append("a wrong confusion matrix")
                except StudentError as error:
                    self.failures.append(error.message)
                self.calls += 1
                self.stop.wait(0.2)
        finally:
            self.backend.close()

    def __enter__(self) -> Neighbour:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.join(timeout=120)


def secrets_of(workspace_hidden: list[Path]) -> list[str]:
    """The grader's paths that no child may learn: the reference, submissions, output."""
    return [str(REPO / "solutions"), *(str(p) for p in workspace_hidden)]


def check_case_output(
    case: str, text: str, hidden: list[Path], memory_cgroup: bool = False
) -> None:
    """What a hostile case printed about what it could reach."""
    if case == "instructor_files":
        assert "OWNED []" in text, text
    if case == "instructor_terminal":
        assert "PTS []" in text and "TERMINALS []" in text and "WROTE []" in text, text
        runuser = next(line for line in text.splitlines() if line.startswith("RUNUSER"))
        assert "bus" not in runuser, runuser
    if case in ("search_memory", "search_objects"):
        assert ("MEMORY [" if case == "search_memory" else "OBJECTS [") in text, text
        for secret in secrets_of(hidden):
            assert secret not in text, (secret, text)
    if case == "fill_disk":
        total = int(text.split("TOTAL ")[1].split()[0])
        assert 0 < total <= LIMITS.scratch_size, text
    if case == "leave_files":
        assert "LEFT /tmp" in text, text
    if case == "memory_many_processes" and memory_cgroup:
        assert "CHILDREN KILLED" in text and "CHILDREN KILLED 0" not in text, text
    if case == "find_left_files":
        assert "SEARCH DONE" in text and "FOUND" not in text, text


HOST_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/crash")


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_submission_gains_nothing(case, zygote, workspace, tmp_path, has_namespaces):
    if case in NEEDS_NAMESPACES and not has_namespaces:
        pytest.skip("this OS offers no mount/PID namespaces here (see the grader's protections)")
    submissions, hidden = workspace
    canary = Path("/tmp/PWNED_BY_STUDENT")
    canary.unlink(missing_ok=True)
    before = {p for p in REPO.iterdir()}
    start = time.monotonic()
    with Neighbour(submissions / "victim", zygote) as neighbour:
        result, backend = grade(
            stage(HOSTILE / case, submissions / case), zygote, hidden, limits_for(case)
        )
    elapsed = time.monotonic() - start
    check_outcomes(case, result)
    if has_namespaces:
        memory_cgroup = any("memory in all" in p for p in backend.protections)
        check_case_output(case, backend.output_text(), hidden, memory_cgroup)
    shares_cpu = any("equal CPU share" in p for p in backend.protections)
    if shares_cpu or not case.startswith("busy"):
        assert neighbour.failures == [] and neighbour.calls >= 2, neighbour.failures
    assert_no_leftovers(zygote)
    assert len(backend.output) <= LIMITS.max_output
    assert not canary.exists(), "a forged reply ran code on the grader"
    assert {p for p in REPO.iterdir()} == before, "the submission wrote into the repository"
    assert not list((tmp_path / "out").iterdir()), "the submission wrote into the output folder"
    assert not list(Path("/tmp").glob("grades.csv")) and not list(Path("/tmp").glob("results*"))
    if has_namespaces:
        for place in HOST_WRITABLE:  # nothing of it on the host's writable places
            assert not list(Path(place).glob("torchgrade-left-behind")), place
            assert not list(Path(place).glob("fill-*")), place
    if case == "sleep_at_import":  # a failed import is not retried for every test
        assert elapsed < 4 * LIMITS.timeout + 5
    if case in ("search_disk", "import_solutions", "read_other_submissions"):
        text = backend.output_text()
        assert "SOLUTION True" not in text and "solutions found: True" not in text
    if case == "fake_results_json":  # printed, kept as output, never parsed as a result
        assert '"score": 10.0' in backend.output_text()
    if case == "flood_stdout":
        assert backend.output_dropped > 0
    # The next submission is unaffected.
    after, _ = grade(honest(tmp_path / "next"), zygote, hidden)
    assert full_marks(after)
    assert_no_leftovers(zygote)


def test_nothing_survives_to_the_next_submission(zygote, workspace, has_namespaces):
    """Files one submission leaves in /tmp, /var/tmp, /dev/shm, /run/lock (or any other
    world-writable folder) are gone for the next one, and were never on the host."""
    if not has_namespaces:
        pytest.skip("this OS offers no mount namespace here: /tmp is shared")
    submissions, hidden = workspace
    outputs = []
    for case in ("leave_files", "find_left_files"):
        result, backend = grade(
            stage(HOSTILE / case, submissions / case), zygote, hidden, limits_for(case)
        )
        assert full_marks(result)
        outputs.append(backend.output_text())
    left = {line.split(" ", 1)[1] for line in outputs[0].splitlines() if line.startswith("LEFT ")}
    assert {"/tmp", "/var/tmp", "/dev/shm"} <= left, left
    assert "SEARCH DONE" in outputs[1] and "FOUND" not in outputs[1], outputs[1]
    for place in HOST_WRITABLE:
        assert not (Path(place) / "torchgrade-left-behind").exists(), place


def test_submission_budget_fails_the_remaining_tests(zygote, workspace, tmp_path):
    """Every call of slow_calls (1.5 s) stays well under the per-call limit (5 s here); the
    wall-clock budget of the submission as a whole (6 s) stops it: at most four of its calls
    could run, and every test after that fails with a message that names the budget."""
    submissions, hidden = workspace
    limits = replace(LIMITS, timeout=5.0, submission_timeout=6.0)
    result, backend = grade(
        stage(HOSTILE / "slow_calls", submissions / "slow"), zygote, hidden, limits
    )
    passed = [o for o in result if o.status == "passed"]
    failed = [o for o in result if o.status != "passed"]
    assert failed and len(passed) <= 6.0 / 1.5, [(o.name, o.status) for o in result]
    for outcome in failed:
        assert "time budget of 6 s (--submission-timeout)" in outcome.message, outcome.message
    assert any("wall-clock budget per submission: 6 s" in p for p in backend.protections)
    assert_no_leftovers(zygote)
    after, _ = grade(honest(tmp_path / "next"), zygote, hidden)
    assert full_marks(after)


def test_busy_processes_stay_in_the_sandbox_cgroup(zygote, workspace):
    """Every process busy_each_call starts (each in a new session) is in its sandbox's own
    cgroup, whose CPU share is one submission's (timings: benchmarks/neighbour_cpu.py)."""
    submissions, hidden = workspace
    root = stage(HOSTILE / "busy_each_call", submissions / "busy")
    with IsolatedBackend(root, LIMITS, zygote=zygote, hidden_paths=hidden) as backend:
        if not any("equal CPU share" in p for p in backend.protections):
            pytest.skip("no cgroup with a cpu controller here: " + "; ".join(backend.protections))
        if not any("separate unprivileged user" in p for p in backend.protections):
            pytest.skip("needs a sandbox user of its own to find its processes")
        with backend.time_limit(60):
            assert backend.call("metrics", "binary_accuracy", ([1], [0.7]), {}) == -1
        supervisor = backend._child.supervisor
        cgroups = {}
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and entry.stat().st_uid == UID_BASE + supervisor:
                    cgroups[entry.name] = (entry / "cgroup").read_text()
            except OSError:
                continue
        assert len(cgroups) >= 5, cgroups  # the worker and at least 4 busy programs
        for pid, text in cgroups.items():
            cpu = [
                ln for ln in text.splitlines() if ln.split(":")[1] in ("", "cpu") or "cpu," in ln
            ]
            assert all(f"{CGROUP_PREFIX}{supervisor}-" in line for line in cpu), (pid, text)
    assert_no_leftovers(zygote)


def test_correct_submission_full_marks_and_protections(zygote, workspace, tmp_path):
    _, hidden = workspace
    result, backend = grade(honest(tmp_path / "good"), zygote, hidden)
    assert full_marks(result)
    text = "\n".join(backend.protections)
    if os.geteuid() == 0:
        for expected in (
            "separate unprivileged user",
            "mount namespace",
            "no network",
            "PID namespace",
            "rlimits",
        ):
            assert expected in text
    assert backend.children_started == 1


def test_child_cannot_see_secrets_or_network(zygote, workspace, tmp_path):
    """What the child sees of the grader's machine (root: namespaces and a separate user)."""
    if os.geteuid() != 0:
        pytest.skip("needs root for mount namespaces")
    _, hidden = workspace
    root = tmp_path / "spy"
    (root / "exercises").mkdir(parents=True)
    (root / "exercises" / "metrics.py").write_text(
        "import os, socket\n"
        "def look(paths):\n"
        "    out = {p: sorted(os.listdir(p)) if os.path.isdir(p) else None for p in paths}\n"
        "    try:\n"
        "        socket.create_connection(('1.1.1.1', 53), timeout=1)\n"
        "        out['net'] = True\n"
        "    except OSError:\n"
        "        out['net'] = False\n"
        "    out['uid'] = os.getuid()\n"
        "    out['pid'] = os.getpid()\n"
        "    out['tmp'] = sorted(os.listdir('/tmp'))\n"
        "    return out\n"
    )
    secret = [
        REPO / "solutions",
        REPO / "autograder" / "hidden",
        REPO / "tests",
        tmp_path / "submissions",
        tmp_path / "out",
    ]
    with IsolatedBackend(root, LIMITS, zygote=zygote, hidden_paths=hidden) as backend:
        seen = backend.call(
            "metrics", "look", ([str(p) for p in secret] + [str(REPO / "data")],), {}
        )
    for path in secret:
        assert not seen[str(path)], path
    assert seen[str(REPO / "data")] is not None
    assert seen["net"] is False
    assert seen["uid"] >= UID_BASE and seen["pid"] == 1
    # A private /tmp: the scratch folder, plus the checkout itself when it lies under /tmp.
    checkout = {REPO.parts[2]} if REPO.parts[1] == "tmp" else set()
    assert "sandbox" in seen["tmp"] and set(seen["tmp"]) <= {"sandbox"} | checkout


DEGRADED = {  # options -> words its protections must contain
    "no namespaces": ({"namespaces": False}, "no mount namespace"),
    "no namespaces, same user": ({"namespaces": False, "drop_user": False}, "no mount namespace"),
    "user namespace only": ({"user_namespace": True}, "user + mount namespace"),
}


@pytest.mark.parametrize("mode", sorted(DEGRADED))
def test_degraded_modes_still_grade_and_clean_up(mode, zygote, workspace, tmp_path):
    """With root features turned off (what a non-root grader or another OS gives), a
    submission is still graded, limited and cleaned up, and the output says what is off.
    (Fork bombs need RLIMIT_NPROC, which root ignores: tested above with a sandbox user.)"""
    submissions, hidden = workspace
    options, words = DEGRADED[mode]
    result, backend = grade(honest(tmp_path / "good"), zygote, hidden, **options)
    assert full_marks(result)
    assert any(words in p for p in backend.protections), backend.protections
    for case in ("orphan_daemons", "sleep_forever", "crash_segfault", "memory_hog"):
        result, _ = grade(
            stage(HOSTILE / case, submissions / case), zygote, hidden, limits_for(case), **options
        )
        check_outcomes(case, result)
        assert_no_leftovers(zygote)
        assert not _descendants_of(zygote)


def _descendants_of(zygote: Zygote) -> list[int]:
    pid = zygote._proc.pid
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat[stat.rindex(")") + 2 :].split()[1]), []).append(
                int(entry.name)
            )
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def test_timeout_then_fresh_child_keeps_module_state_per_child(zygote, tmp_path):
    root = tmp_path / "state"
    (root / "exercises").mkdir(parents=True)
    (root / "exercises" / "metrics.py").write_text(
        "import time\nCALLS = []\n"
        "def count():\n    CALLS.append(1)\n    return len(CALLS)\n"
        "def hang():\n    time.sleep(100)\n"
    )
    with IsolatedBackend(root, Limits(timeout=1), zygote=zygote) as backend:
        assert backend.call("metrics", "count", (), {}) == 1
        assert backend.call("metrics", "count", (), {}) == 2
        with pytest.raises(Exception) as info:
            backend.call("metrics", "hang", (), {})
        assert info.value.kind == "Timeout" and info.value.message == "timed out after 1 s"
        assert backend.call("metrics", "count", (), {}) == 1  # a fresh child
        assert backend.children_started == 2


def test_a_function_that_keeps_hanging_is_cut_short(zygote, tmp_path):
    """After two time-outs a function's other calls fail at once; after four in one exercise,
    every call into it does. Other functions and exercises still run."""
    root = tmp_path / "hangs"
    (root / "exercises").mkdir(parents=True)
    (root / "exercises" / "metrics.py").write_text(
        "import time\n"
        "def hang1():\n    time.sleep(100)\n"
        "def hang2():\n    time.sleep(100)\n"
        "def ok():\n    return 1\n"
    )
    (root / "exercises" / "softmax.py").write_text("def ok():\n    return 7\n")

    def message(function: str) -> str:
        with pytest.raises(StudentError) as info:
            backend.call("metrics", function, (), {})
        assert info.value.kind == "Timeout"
        return info.value.message

    with IsolatedBackend(root, Limits(timeout=1), zygote=zygote) as backend:
        start = time.monotonic()
        assert [message("hang1") for _ in range(3)] == [
            "timed out after 1 s",
            "timed out after 1 s",
            "not run: 2 earlier calls into hang1 timed out",
        ]
        assert backend.call("metrics", "ok", (), {}) == 1
        assert [message("hang2") for _ in range(2)] == ["timed out after 1 s"] * 2
        assert message("ok") == "not run: 4 earlier calls into metrics timed out"
        assert backend.call("softmax", "ok", (), {}) == 7
        assert time.monotonic() - start < 12, "a cut-short call waited for its timeout"


def test_time_limit_lets_a_long_call_finish(zygote, tmp_path):
    root = tmp_path / "slow"
    (root / "exercises").mkdir(parents=True)
    (root / "exercises" / "metrics.py").write_text(
        "import time\ndef slow():\n    time.sleep(1.5)\n    return 1\n"
    )
    with IsolatedBackend(root, Limits(timeout=1), zygote=zygote) as backend:
        with backend.time_limit(5):
            assert backend.call("metrics", "slow", (), {}) == 1
        with pytest.raises(StudentError, match="timed out after 1 s"):
            backend.call("metrics", "slow", (), {})


def test_import_errors_are_cached_per_exercise(zygote, tmp_path):
    root = tmp_path / "broken"
    (root / "exercises").mkdir(parents=True)
    (root / "exercises" / "metrics.py").write_text("def f(:\n")
    with IsolatedBackend(root, LIMITS, zygote=zygote) as backend:
        for _ in range(2):
            with pytest.raises(Exception) as info:
                backend.call("metrics", "f", (), {})
            assert info.value.kind == "SyntaxError"
        with pytest.raises(Exception) as info:
            backend.call("softmax", "softmax", (), {})
        assert info.value.kind == "MissingFile"
        assert backend.children_started == 1


FORGED_GRID = """

import autograder.probes.cnn as _probes


def _forged(ex, function, cases):
    return {"outcomes": [{"int": True, "value": 1}], "index": INDEX}


_probes.size_grid.__code__ = _forged.__code__  # every holder of the probe is fooled
"""


@pytest.mark.parametrize(
    "index", ["[5] * len(cases)", "[0] * 900_000", "[-1] * len(cases)"], ids=str
)
def test_a_forged_size_grid_fails_only_the_tests_that_asked_for_it(zygote, tmp_path, index):
    """The CNN suite's size grids come back packed (distinct outcomes, one index per case):
    a submission that rewrites the probe to send an index that does not fit its cases loses
    those tests, with a plain message, and nothing else happens to the grader."""
    root = tmp_path / "forged"
    (root / "exercises").mkdir(parents=True)
    forged = FORGED_GRID.replace("INDEX", index)
    (root / "exercises" / "cnn.py").write_text((REPO / "solutions" / "cnn.py").read_text() + forged)
    backend = IsolatedBackend(root, LIMITS, zygote=zygote)
    try:
        outcomes = run_hidden_suite(backend, root, "exercises", ["cnn"])
    finally:
        backend.close()
    grids = [o for o in outcomes if "_output_size_" in o.name]
    assert len(grids) == 8
    for outcome in grids:
        assert outcome.score == 0, outcome
        assert "could not use your result (ValueError)" in outcome.message, outcome
    assert any(o.status == "passed" for o in outcomes if o not in grids)
    assert_no_leftovers(zygote)
    after, _ = grade(honest(tmp_path / "next"), zygote, [])
    assert full_marks(after)


def _huge_pages_offered() -> bool:
    thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    glibc = os.confstr("CS_GNU_LIBC_VERSION") or ""  # the malloc tunable came in 2.35
    version = tuple(int(n) for n in glibc.removeprefix("glibc ").split(".")[:2] if n.isdigit())
    return thp.exists() and "[never]" not in thp.read_text() and version >= (2, 35)


@pytest.mark.skipif(not _huge_pages_offered(), reason="no transparent huge pages here")
def test_the_zygotes_memory_is_in_huge_pages(zygote, tmp_path):
    """Every submission forks the zygote's ~450 MiB image twice: in 2 MiB pages, a fork (and
    the child's exit) has far fewer page-table entries to copy and free."""
    with IsolatedBackend(honest(tmp_path / "s"), LIMITS, zygote=zygote) as backend:
        backend.call("metrics", "binary_accuracy", (np.array([1, 0]), np.array([0.9, 0.2])), {})
        pid = zygote._proc.pid
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    huge = int(rollup.split("AnonHugePages:")[1].split()[0]) << 10
    anonymous = int(rollup.split("Anonymous:")[1].split()[0]) << 10
    assert huge >= anonymous // 5, (huge, anonymous)


def test_describe_exit_and_sizes():
    assert describe_exit(signal.SIGSEGV).message == "the process crashed (SIGSEGV)"
    assert describe_exit(3 << 8).message.startswith("the process exited with code 3")
    assert describe_exit(signal.SIGXCPU, LIMITS).kind == "CPUTimeLimit"
    assert parse_size("4G") == 4 << 30 and parse_size("64MiB") == 64 << 20
    assert parse_size(1024) == 1024
    with pytest.raises(ValueError):
        parse_size("lots")
    with pytest.raises(ValueError):
        Limits(timeout=0)


def test_limits_from_command_line():
    import argparse

    parser = argparse.ArgumentParser()
    Limits.add_arguments(parser)
    limits = Limits.from_args(
        parser.parse_args(["--timeout", "3", "--memory", "2G", "--max-output", "10k"])
    )
    assert limits == Limits(timeout=3.0, memory=2 << 30, max_output=10 << 10)
    assert Limits.from_args(parser.parse_args([])) == Limits()


# --- a grader that is not root --------------------------------------------------------------

NON_ROOT_UID = 54321  # a user of nobody's: the "instructor" of this test
NON_ROOT_CASES = ("instructor_files", "instructor_terminal", "search_objects", "leave_files")
NON_ROOT_SCRIPT = """
import json, sys
from pathlib import Path
from autograder.judge.suites import run_hidden_suite
from autograder.sandbox import IsolatedBackend, Limits, Zygote
limits, staging, cases = Limits(**json.loads(sys.argv[1])), Path(sys.argv[2]), sys.argv[3:]
hidden = [staging / "submissions", staging / "out"]
zygote = Zygote()
report = {}
for case in cases:
    root = staging / "submissions" / case
    with IsolatedBackend(root, limits, zygote=zygote, hidden_paths=hidden) as backend:
        outcomes = run_hidden_suite(backend, root, "exercises", ["metrics"])
    report[case] = {
        "scores": [[o.name, o.score] for o in outcomes],
        "output": backend.output_text(),
        "protections": backend.protections,
    }
zygote.close()
print("REPORT" + json.dumps(report))
"""


def _as_instructor(staging: Path) -> None:
    """In the child, before exec, in its private mount namespace: the Python installation is
    made reachable by NON_ROOT_UID (it may lie under a 0700 /root), the instructor gets a
    session folder and a private note; then the child becomes that user."""
    needed = [*osl.needed_paths(), Path(sys.executable).parent]
    for barrier in {osl.traversal_barrier(p) for p in needed} - {None}:
        inside = [p for p in needed if barrier in p.parents]
        fds = {p: os.open(p, os.O_PATH) for p in inside}
        osl.mount("tmpfs", str(barrier), "tmpfs", 0, "mode=0755")
        for path, fd in fds.items():
            path.mkdir(parents=True, exist_ok=True)
            osl.mount(f"/proc/self/fd/{fd}", str(path), None, osl.MS_BIND | osl.MS_REC)
    for folder in ("/run/user", "/var/local"):
        osl.mount("tmpfs", folder, "tmpfs", 0, "mode=0755")
    session = Path(f"/run/user/{NON_ROOT_UID}")
    session.mkdir(mode=0o700)
    for path, text in ((session / "bus", "session bus"), (Path("/var/local/notes"), "grades")):
        path.write_text(text)
        os.chmod(path, 0o600)
    for path in (session, session / "bus", Path("/var/local/notes"), staging):
        os.chown(path, NON_ROOT_UID, NON_ROOT_UID)
    os.setgroups([])
    os.setresgid(NON_ROOT_UID, NON_ROOT_UID, NON_ROOT_UID)
    os.setresuid(NON_ROOT_UID, NON_ROOT_UID, NON_ROOT_UID)


def test_non_root_grader(tmp_path):
    """Graded by a grader that is not root (user-namespace mode): the child acts as the
    instructor's uid, so everything that uid owns is out of its reach, /run/user/<uid> and
    /dev/pts are hidden, and it learns no path of the grader."""
    import subprocess

    if os.geteuid() != 0:
        pytest.skip("starts a grader as another user: needs root")
    staging = Path("/mnt")  # under the test's own mount namespace: a tmpfs
    script = NON_ROOT_SCRIPT
    limits = {"timeout": 10.0, "max_output": LIMITS.max_output, "scratch_size": 32 << 20}

    def preexec() -> None:
        osl.unshare(osl.CLONE_NEWNS)
        osl.mount(None, "/", None, osl.MS_REC | osl.MS_PRIVATE)
        osl.mount("tmpfs", str(staging), "tmpfs", 0, "mode=0755")
        (staging / "out").mkdir()
        honest(staging / "submissions" / "honest")
        for case in NON_ROOT_CASES:
            stage(HOSTILE / case, staging / "submissions" / case)
        for path in [staging, *staging.rglob("*")]:
            os.chown(path, NON_ROOT_UID, NON_ROOT_UID)
        _as_instructor(staging)

    run = subprocess.run(
        [sys.executable, "-c", script, json.dumps(limits), str(staging), "honest", *NON_ROOT_CASES],
        preexec_fn=preexec,
        cwd="/",
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    reports = [line for line in run.stdout.splitlines() if line.startswith("REPORT")]
    assert reports, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads(reports[0][len("REPORT") :])
    protections = "\n".join(report["honest"]["protections"])
    if "namespaces unavailable" in protections:
        pytest.skip(f"no unprivileged user namespaces here: {protections}")
    assert "user + mount namespace" in protections and "grader's user" in protections
    assert all(score > 0 for _, score in report["honest"]["scores"]), report["honest"]
    for case in NON_ROOT_CASES:
        scores = report[case]["scores"]
        lost = rules_lost(case)  # rule tests of a module that inspects the process
        kept = [score for name, score in scores if not any(f"test_{f}" in name for f in lost)]
        assert kept and all(score > 0 for score in kept), (case, scores)
        text = report[case]["output"]
        check_case_output(case, text, [staging / "submissions", staging / "out"])
        assert "grades" not in text and "session bus" not in text, text
