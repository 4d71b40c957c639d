"""The otter-grader / Gradescope autograder that `torchgrade build` makes.

`otter run` grades the solutions, the stubs and mutant submissions with the built zip, and
every hidden test's points must equal `torchgrade grade`'s (the hidden suites run through
`run_hidden_suite` with the in-process backend). Gradescope is replayed in its own layout
(`source/`, `submission/`, `results/`), and the zip is checked against what otter grade's
Docker build reads. Docker itself cannot run here.
"""

from __future__ import annotations

import ast
import importlib.resources
import json
import os
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import dill
import pytest
import torch
import yaml

from autograder.authoring.mutation import build_submission, load_catalogue
from autograder.commands.build import build
from autograder.judge.plugin import TestOutcome as Outcome
from autograder.judge.student import InProcessBackend
from autograder.judge.suites import run_hidden_suite
from autograder.kit.datagen import default_data_dir, ensure_data
from autograder.kit.registry import EXERCISE_NAMES
from autograder.otter import runtime
from autograder.otter.generate import collect_hidden_tests, pinned_requirements

REPO = Path(__file__).resolve().parents[2]
RUN_TIMEOUT = 600


def _zip_submission(tree: Path, out: Path) -> Path:
    """The zip `torchgrade submit` makes: exercises/*.py at the root."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for module in sorted((tree / "exercises").glob("*.py")):
            archive.write(module, f"exercises/{module.name}")
    return out


def _mixed_submission(dest: Path, mutated: list[str], stubbed: list[str]) -> tuple[Path, list[str]]:
    """The solutions with one mutant (the first that applies) in each `mutated` exercise and
    the stub in each `stubbed` one (stubs fail fast: cheaper than a second mutant run)."""
    build_submission(dest, "solutions")
    for exercise in stubbed:
        stub = REPO / "exercises" / f"{exercise}.py"
        (dest / "exercises" / stub.name).write_text(stub.read_text(encoding="utf-8"))
    applied = []
    for exercise in mutated:
        for mutant in (m for m in load_catalogue() if m.exercise == exercise and not m.correct):
            module = dest / "exercises" / f"{exercise}.py"
            try:
                module.write_text(
                    mutant.apply(module.read_text(encoding="utf-8")), encoding="utf-8"
                )
            except ValueError:
                continue  # the catalogue entry does not apply (yet): try the next
            applied.append(mutant.name)
            break
    return dest, applied


def _expected(tree: Path) -> dict[str, tuple[float, float]]:
    """torchgrade grade's per-test (score, max_score) for the submission in `tree`."""
    backend = InProcessBackend(tree, "exercises")
    try:
        result = run_hidden_suite(backend, tree, "exercises")
    finally:
        backend.close()
    return {o.name: (o.score, o.max_score) for o in result.outcomes}


def _otter_run(autograder_zip: Path, submission: Path, out: Path, env: dict) -> dict:
    out.mkdir(parents=True)
    command = [
        sys.executable,
        "-m",
        "otter",
        "run",
        "-a",
        str(autograder_zip),
        str(submission),
        "-o",
        str(out),
        "--no-logo",
        "-p",
    ]
    result = subprocess.run(
        command, cwd=out, capture_output=True, text=True, timeout=RUN_TIMEOUT, env=env
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with open(out / "results.pkl", "rb") as f:
        results = dill.load(f)
    assert not results.catastrophic_error, results.summary()
    return {
        "cases": _cases(results),
        "json": json.loads((out / "results.json").read_text(encoding="utf-8")),
    }


def _cases(results) -> dict[str, tuple[float, float]]:
    """otter's per-case (score, max_score) from its GradingResults."""
    cases = {}
    for test_file in results.results.values():
        for case in test_file.test_case_results:
            points = float(case.test_case.points)
            cases[case.test_case.name] = (points if case.passed else 0.0, points)
    return cases


def _gradescope_run(autograder_zip: Path, submission_zip: Path, root: Path, env: dict) -> dict:
    """Gradescope's layout under `root`, then the zip's Python entry point (what
    `run_autograder` runs after `setup.sh` built the environment)."""
    for folder in ("source", "submission", "results"):
        (root / folder).mkdir(parents=True)
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(root / "source")
    with zipfile.ZipFile(submission_zip) as archive:  # Gradescope unpacks a zip upload
        archive.extractall(root / "submission")
    (root / "submission_metadata.json").write_text("{}", encoding="utf-8")
    entry = (root / "source" / "run_otter.py").read_text(encoding="utf-8")
    run_autograder = (root / "source" / "run_autograder").read_text(encoding="utf-8")
    assert "/autograder/source/run_otter.py" in run_autograder
    assert 'run_autograder("/autograder")' in entry
    script = root / "run_otter_here.py"
    script.write_text(entry.replace('"/autograder"', repr(str(root))), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def hidden_tests():
    return collect_hidden_tests()


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    build(out)
    return out


@pytest.fixture(scope="module")
def graded(dist, hidden_tests, tmp_path_factory) -> dict:
    """Every route on the same submissions, in parallel (each otter run is its own process)."""
    tmp = tmp_path_factory.mktemp("otter")
    hidden = list(dict.fromkeys(t.exercise for t in hidden_tests))
    trees = {
        "solutions": build_submission(tmp / "trees" / "solutions", "solutions"),
        "stubs": build_submission(tmp / "trees" / "stubs", "exercises"),
    }
    trees["mutants-a"], applied_a = _mixed_submission(
        tmp / "trees" / "mutants-a", hidden[::2], hidden[1::2]
    )
    trees["mutants-b"], applied_b = _mixed_submission(
        tmp / "trees" / "mutants-b", hidden[1::2], hidden[::2]
    )
    zips = {name: _zip_submission(tree, tmp / f"{name}.zip") for name, tree in trees.items()}
    ensure_data()
    # otter run uses this repository's generated data; Gradescope generates its own copy.
    shared_data = {**os.environ, "TORCHGRADE_DATA_DIR": str(default_data_dir())}
    fresh_data = {k: v for k, v in os.environ.items() if k != "TORCHGRADE_DATA_DIR"}
    autograder_zip = dist / "autograder.zip"
    with ThreadPoolExecutor(max_workers=2) as pool:
        otter = {
            name: pool.submit(
                _otter_run, autograder_zip, zips[name], tmp / "runs" / name, shared_data
            )
            for name in ("solutions", "stubs", "mutants-a")
        }
        gradescope = pool.submit(
            _gradescope_run, autograder_zip, zips["mutants-b"], tmp / "gradescope", fresh_data
        )
        expected = {name: _expected(tree) for name, tree in trees.items()}
        return {
            "otter": {name: f.result() for name, f in otter.items()},
            "gradescope": gradescope.result(),
            "expected": expected,
            "mutants": applied_a + applied_b,
        }


@pytest.mark.parametrize("name", ["solutions", "stubs", "mutants-a"])
def test_otter_run_gives_torchgrade_grades_points(graded, name):
    got, want = graded["otter"][name]["cases"], graded["expected"][name]
    assert sorted(got) == sorted(want)
    differing = {test: (got[test], want[test]) for test in want if got[test] != want[test]}
    assert not differing, f"(otter, torchgrade grade) (score, max) differ: {differing}"


def test_otter_run_full_marks_for_solutions_zero_for_stubs(graded):
    for name, share in (("solutions", 1.0), ("stubs", 0.0)):
        tests = graded["otter"][name]["json"]["tests"]
        score = sum(t["score"] for t in tests)
        maximum = sum(t["max_score"] for t in tests)
        assert maximum > 0
        assert score == pytest.approx(share * maximum), name
    assert graded["mutants"], "no catalogued mutant applies to the solutions"


def test_otter_results_json_has_one_entry_per_exercise_with_hints(graded, hidden_tests):
    tests = graded["otter"]["stubs"]["json"]["tests"]
    hidden = hidden_tests
    assert sorted(t["name"] for t in tests) == sorted({h.exercise for h in hidden})
    for entry in tests:
        assert entry["visibility"] == "visible"
        first = next(h for h in hidden if h.exercise == entry["name"] and not h.cuda)
        assert first.hint in entry["output"]  # the failed test's hint reaches the student
        assert "NotImplementedError" in entry["output"]


def test_gradescope_results_json_is_valid_with_torchgrade_grades_score(graded):
    results = graded["gradescope"]
    want = graded["expected"]["mutants-b"]
    assert isinstance(results["tests"], list) and results["tests"]
    for entry in results["tests"]:
        assert set(entry) >= {"name", "score", "max_score", "output", "visibility"}
        assert isinstance(entry["name"], str) and isinstance(entry["output"], str)
        assert isinstance(entry["score"], int | float)
        assert isinstance(entry["max_score"], int | float)
        assert entry["visibility"] in {"hidden", "after_due_date", "after_published", "visible"}
        assert 0 <= entry["score"] <= entry["max_score"]
    score = results.get("score", sum(t["score"] for t in results["tests"]))
    assert score == pytest.approx(sum(s for s, _ in want.values()))
    assert sum(t["max_score"] for t in results["tests"]) == pytest.approx(
        sum(m for _, m in want.values())
    )
    assert 0 < score < sum(m for _, m in want.values())


def test_cuda_tests_leave_the_maximum_without_a_gpu(graded, hidden_tests):
    cuda = [t.name for t in hidden_tests if t.cuda]
    cases = graded["otter"]["solutions"]["cases"]
    for name in cuda:
        if not torch.cuda.is_available():
            assert cases[name] == (0.0, 0.0), name


def test_skipped_case_is_worth_nothing_and_passes(monkeypatch, capsys):
    skipped = Outcome("timing::test_gpu", "timing", 0.0, 0.0, "skipped", "hint", "no GPU")
    failed = Outcome(
        "timing::test_cpu",
        "timing",
        2.0,
        0.0,
        "failed",
        "the hint",
        "Your result did not match the reference.",
    )
    monkeypatch.setattr(runtime, "_RUN", runtime.SuiteRun({o.name: o for o in (skipped, failed)}))
    assert runtime.case_points("timing::test_gpu", 3.0) == 0.0
    assert runtime.case_points("timing::test_cpu", 2.0) == 2.0
    runtime.check("timing::test_gpu")
    assert capsys.readouterr().out == ""
    runtime.check("timing::test_cpu")
    assert "did not match" in capsys.readouterr().out
    monkeypatch.setattr(runtime, "_RUN", runtime.SuiteRun(error="no exercises/ package found"))
    runtime.check("timing::test_cpu")
    assert "could not be graded: no exercises/ package found" in capsys.readouterr().out


def test_a_zip_left_unpacked_is_graded_as_the_zip(tmp_path):
    sub = tmp_path / "sub"
    for folder in ("tests", runtime.ENGINE_DIR):  # what otter adds next to the upload
        (sub / folder).mkdir(parents=True)
    for file in ("__init__.py", runtime.ENTRY_SCRIPT):
        (sub / file).write_text("", encoding="utf-8")
    (sub / "submission.zip").write_bytes(b"PK")
    assert runtime.student_submission(sub, tmp_path / "copy") == sub / "submission.zip"
    (sub / "exercises").mkdir()
    copy = runtime.student_submission(sub, tmp_path / "copy")
    assert sorted(p.name for p in copy.iterdir()) == ["exercises", "submission.zip"]


# --- what otter grade's Docker build and Gradescope read from the zip ------------------------


def _dockerfile_sources() -> list[str]:
    dockerfile = importlib.resources.files("otter.grade") / "Dockerfile"
    sources = []
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        if line.startswith("ADD "):
            sources += line.split()[1:-1]
    return sources


def test_zip_has_what_otter_grades_docker_build_adds(dist):
    with zipfile.ZipFile(dist / "autograder.zip") as archive:
        top = {name.split("/")[0] for name in archive.namelist()}
    sources = _dockerfile_sources()
    assert {"run_autograder", "setup.sh", "tests"} <= set(sources)
    for source in sources:
        if any(c in source for c in "*?["):
            continue  # optional (requirements.*, files*)
        assert source in top, f"otter grade's Dockerfile adds {source}, missing from the zip"
    assert "files" in top  # the engine and the entry script travel in files/


def test_zip_environment_is_pinned_to_this_project(dist):
    with zipfile.ZipFile(dist / "autograder.zip") as archive:
        environment = yaml.safe_load(archive.read("environment.yml"))
        setup = archive.read("setup.sh").decode()
        config = json.loads(archive.read("otter_config.json"))
        size = sum(i.compress_size for i in archive.infolist())
    dependencies = environment["dependencies"]
    python = f"python={sys.version_info.major}.{sys.version_info.minor}"
    assert python in dependencies
    pip = next(d["pip"] for d in dependencies if isinstance(d, dict))
    assert f"otter-grader[grading,plugins]=={metadata.version('otter-grader')}" in pip
    assert f"torch=={metadata.version('torch')}" in pip
    assert f"torchvision=={metadata.version('torchvision')}" in pip
    assert set(pinned_requirements()) <= set(pip)
    assert all("==" in p for p in pip if not p.startswith("--"))
    assert "environment.yml" in setup  # setup.sh builds the environment from it
    assert config["lang"] == "python"
    assert size < 2 * 2**20, f"the autograder zip is {size / 2**20:.1f} MiB"


def test_zip_tests_are_the_hidden_suites(dist, hidden_tests):
    hidden = hidden_tests
    with zipfile.ZipFile(dist / "autograder.zip") as archive:
        names = archive.namelist()
        tests = {
            n.removeprefix("tests/").removesuffix(".py"): archive.read(n).decode()
            for n in names
            if n.startswith("tests/") and n.endswith(".py")
        }
        engine = {n for n in names if n.startswith("files/torchgrade/")}
    assert sorted(tests) == sorted({t.exercise for t in hidden})
    for exercise, source in tests.items():
        tree = ast.parse(source)
        cases = next(
            ast.literal_eval(node.value)
            for node in tree.body
            if isinstance(node, ast.Assign) and node.targets[0].id == "CASES"
        )
        want = [(t.name, t.points) for t in hidden if t.exercise == exercise]
        assert [(name, points) for name, points, _ in cases] == want
        assert "OK_FORMAT = True" in source
    for exercise in {t.exercise for t in hidden}:
        assert f"files/torchgrade/autograder/hidden/test_{exercise}.py" in engine
        assert f"files/torchgrade/solutions/{exercise}.py" in engine
    assert "files/torchgrade_grade.py" in names
    assert not any("__pycache__" in n for n in names)


def test_instructor_guide_gives_each_routes_command(dist, hidden_tests):
    guide = (dist / "instructor.md").read_text(encoding="utf-8")
    d = dist.as_posix()
    for command in (
        "torchgrade grade SUBMISSIONS/ --out grades/",
        f"otter run -a {d}/autograder.zip submission.zip -o results/",
        f"otter grade -a {d}/autograder.zip --ext zip -o otter-grades/ SUBMISSIONS/",
        f"`{d}/autograder.zip`",
    ):
        assert command in guide
    assert "Gradescope" in guide and "setup.sh" in guide
    assert set(EXERCISE_NAMES) >= {t.exercise for t in hidden_tests}
