"""The on-disk reference cache: keyed by everything a value depends on, never stale, never
unpickled, out of student code's reach."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from autograder.judge import reference_cache, student
from autograder.judge.reference_cache import (
    ReferenceCache,
    Uncacheable,
    call_key,
    course_key,
    private_folder,
)
from autograder.judge.student import CodeProxy, InProcessBackend, MemoizedBackend

REPO = Path(__file__).resolve().parents[2]
FACTS = {"torch": "1", "numpy": "2"}


def key_in_fresh_process(expression: str) -> str:
    code = (
        "import numpy as np, torch; from autograder.judge.reference_cache import call_key; "
        f"print(call_key({expression}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    return out.stdout.strip()


def test_call_key_is_the_same_in_every_process():
    expression = "('probe', 'x', (torch.arange(6.).reshape(2, 3), np.arange(3.), 0.1), {'k': 2})"
    here = call_key(eval(expression))  # noqa: S307 (a constant expression written above)
    assert key_in_fresh_process(expression) == here
    assert key_in_fresh_process(expression) == here


@pytest.mark.parametrize(
    "changed",
    [
        ("call", "metrics", "f", (torch.arange(6.0),), {}),  # float32 -> float32 with other values
        ("call", "metrics", "f", (torch.arange(5, dtype=torch.float64),), {}),
        ("call", "metrics", "f", (torch.arange(5.0).reshape(5, 1),), {}),
        ("call", "metrics", "f", (torch.arange(5.0).requires_grad_(),), {}),
        ("call", "metrics", "f", (np.arange(5.0),), {}),
        ("call", "metrics", "f", ([0.0, 1.0, 2.0, 3.0, 4.0],), {}),
        ("call", "metrics", "f", (torch.arange(5.0),), {"x": 1}),
        ("call", "metrics", "g", (torch.arange(5.0),), {}),
    ],
)
def test_call_key_changes_with_any_part_of_the_call(changed):
    assert call_key(changed) != call_key(("call", "metrics", "f", (torch.arange(5.0),), {}))


def test_call_key_tells_numbers_and_containers_apart():
    keys = {call_key((v,)) for v in (1, 1.0, True, "1", (1,), [1], {1: 1}, np.int64(1))}
    assert len(keys) == 8


def test_call_key_refuses_what_has_no_stable_name():
    with pytest.raises(Uncacheable):
        call_key((lambda x: x,))
    with pytest.raises(Uncacheable):
        call_key((object(),))


def course_copy(tmp_path: Path) -> tuple[Path, Path, Path]:
    solutions = tmp_path / "solutions"
    shutil.copytree(REPO / "solutions", solutions, ignore=shutil.ignore_patterns("__pycache__"))
    engine = tmp_path / "autograder"
    (engine / "hidden").mkdir(parents=True)
    (engine / "probes").mkdir()
    shutil.copy(REPO / "autograder" / "hidden" / "test_metrics.py", engine / "hidden")
    shutil.copy(REPO / "autograder" / "hidden" / "pytest.ini", engine / "hidden")
    shutil.copy(REPO / "autograder" / "probes" / "metrics.py", engine / "probes")
    data = tmp_path / "data"
    data.mkdir()
    (data / "ames.csv").write_text("a,b\n1,2\n")
    return solutions, engine, data


@pytest.mark.parametrize(
    "change",
    [
        "solutions/metrics.py",
        "autograder/hidden/test_metrics.py",
        "autograder/hidden/pytest.ini",
        "autograder/probes/metrics.py",
        "data/ames.csv",
        "versions",
    ],
)
def test_course_key_follows_everything_a_value_depends_on(tmp_path, change):
    solutions, engine, data = course_copy(tmp_path)
    before = course_key(solutions, engine, data, FACTS)
    assert course_key(solutions, engine, data, dict(FACTS)) == before  # stable
    if change == "versions":
        after = course_key(solutions, engine, data, {**FACTS, "torch": "2"})
    else:
        with open(tmp_path / change, "a", encoding="utf-8") as f:
            f.write("\n# changed\n")
        after = course_key(solutions, engine, data, FACTS)
    assert after != before


def test_course_key_of_this_checkout_covers_the_real_folders():
    facts = reference_cache.environment_facts()
    assert facts["torch"] == torch.__version__.split("+")[0] or facts["torch"] is not None
    assert reference_cache.solutions_dir() == (REPO / "solutions")
    assert course_key() == course_key()


@pytest.fixture
def disk(tmp_path, monkeypatch):
    """A reference cache in tmp_path, attached to the memo, with an empty memory."""
    cache = ReferenceCache(tmp_path / "cache", "k" * 64)
    monkeypatch.setattr(MemoizedBackend, "disk", cache)
    MemoizedBackend.forget()
    yield cache
    MemoizedBackend.forget()
    cache.close()


@pytest.fixture
def counted(monkeypatch):
    """Counts the reference calls that are actually computed."""
    calls = []
    original = student.call_in_module

    def counting(module, function, args, kwargs):
        calls.append(function)
        return original(module, function, args, kwargs)

    monkeypatch.setattr(student, "call_in_module", counting)
    return calls


def reference() -> CodeProxy:
    return CodeProxy(MemoizedBackend(InProcessBackend(None, "solutions")), None, "solutions")


def test_a_later_run_reads_the_disk_instead_of_computing(disk, counted):
    args = (torch.tensor([0, 1, 1, 0]), torch.tensor([0.2, 0.8, 0.4, 0.1]))
    first = reference().metrics.binary_accuracy(*args)
    assert counted == ["binary_accuracy"] and len(disk) == 1
    MemoizedBackend.forget()  # a new process: nothing in memory
    assert reference().metrics.binary_accuracy(*args) == first
    assert counted == ["binary_accuracy"] and disk.hits == 1


def test_a_changed_solution_misses(tmp_path, disk, counted, monkeypatch):
    solutions, engine, data = course_copy(tmp_path)
    args = (torch.tensor([0, 1, 1, 0]), torch.tensor([0.2, 0.8, 0.4, 0.1]))
    monkeypatch.setattr(
        MemoizedBackend, "disk", ReferenceCache(disk.folder, course_key(solutions, engine, data))
    )
    reference().metrics.binary_accuracy(*args)
    (solutions / "metrics.py").write_text((solutions / "metrics.py").read_text() + "\n# fixed\n")
    changed = ReferenceCache(disk.folder, course_key(solutions, engine, data))
    monkeypatch.setattr(MemoizedBackend, "disk", changed)
    MemoizedBackend.forget()
    reference().metrics.binary_accuracy(*args)
    assert counted == ["binary_accuracy", "binary_accuracy"]
    assert changed.misses == 1 and changed.hits == 0


class _Exploit:
    def __reduce__(self):
        return (os.system, ("touch /tmp/torchgrade-cache-exploited",))


def test_a_forged_entry_is_never_unpickled(disk, counted):
    marker = Path("/tmp/torchgrade-cache-exploited")
    marker.unlink(missing_ok=True)
    args = (torch.tensor([0, 1]), torch.tensor([0.2, 0.8]))
    key = call_key(("call", "metrics", "binary_accuracy", args, {}))
    disk.put(key, pickle.dumps(_Exploit()))
    with pytest.raises(Exception, match="malformed"):
        reference().metrics.binary_accuracy(*args)
    assert not marker.exists()


def test_the_folder_is_private_and_a_shared_one_is_refused(tmp_path):
    folder = private_folder(tmp_path / "new")
    assert folder.stat().st_mode & 0o777 == 0o700
    cache = ReferenceCache(folder, "a" * 64)
    assert cache.path.stat().st_mode & 0o777 == 0o600
    cache.close()
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    with pytest.raises(PermissionError, match="writable by other users"):
        private_folder(shared)


def test_old_course_keys_are_pruned_and_clear_empties(tmp_path):
    folder = tmp_path / "cache"
    for i in range(reference_cache.KEEP_FILES + 3):
        ReferenceCache(folder, f"{i:02d}" + "0" * 62).close()
    assert len(reference_cache.cache_files(folder)) == reference_cache.KEEP_FILES
    assert reference_cache.clear(folder) == reference_cache.KEEP_FILES
    assert reference_cache.cache_files(folder) == []


def test_cache_command_shows_and_clears(tmp_path, monkeypatch, capsys):
    from autograder.cli import main

    monkeypatch.setenv("TORCHGRADE_CACHE_DIR", str(tmp_path / "c"))
    ReferenceCache(tmp_path / "c", "b" * 64).close()
    assert main(["cache"]) == 0
    assert "1 course key" in capsys.readouterr().out
    assert main(["cache", "--clear"]) == 0
    assert "removed 1" in capsys.readouterr().out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox needs Linux")
def test_student_code_cannot_read_the_cache(tmp_path, monkeypatch):
    """The grade command hides the cache folder from the sandbox wherever it is: here under
    /var/cache (a system folder the sandbox leaves visible) and readable by everyone, so only
    the hiding stops a submission that lists it."""
    from autograder.cli import build_parser
    from autograder.commands.grade import build_options
    from autograder.sandbox import IsolatedBackend, Limits

    if not os.access("/var/cache", os.W_OK):
        pytest.skip("needs a writable /var/cache")
    folder = Path("/var/cache") / f"torchgrade-test-cache-{os.getpid()}"
    try:
        monkeypatch.setenv("TORCHGRADE_CACHE_DIR", str(folder))
        args = build_parser().parse_args(
            ["grade", str(tmp_path), "--out", str(tmp_path / "out"), "--exercises", "metrics"]
        )
        options = build_options(args)
        assert options.reference_cache == folder
        cache = ReferenceCache(folder, "c" * 64)
        cache.put("entry", b"1")
        os.chmod(folder, 0o755)
        os.chmod(cache.path, 0o644)
        root = tmp_path / "submission"
        (root / "exercises").mkdir(parents=True)
        (root / "exercises" / "metrics.py").write_text(
            "import os\n"
            "def binary_accuracy(folder, _):\n"
            "    try:\n"
            "        return sorted(os.listdir(folder))\n"
            "    except OSError as exc:\n"
            "        return type(exc).__name__\n"
        )
        call = ("metrics", "binary_accuracy", (str(folder), None), {})
        hidden = [p for p in options.hidden_paths if p != folder]
        with IsolatedBackend(root, Limits(), hidden_paths=hidden) as backend:
            assert cache.path.name in backend.call(*call)  # the control: visible if not hidden
        with IsolatedBackend(root, Limits(), hidden_paths=options.hidden_paths) as backend:
            assert cache.path.name not in backend.call(*call)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
