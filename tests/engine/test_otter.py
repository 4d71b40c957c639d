"""The otter-grader / Gradescope autograder that `torchgrade build` makes.

Three routes, each with the built zip:
- `otter run -a autograder.zip` (the real CLI): the solutions, a mutant mix, a submission that
  imports the reference, one with an infinite loop, a zip of the course folder's contents;
- Gradescope replayed: the zip unpacked into `source/`, the upload in `submission/`,
  `run_autograder`, then `results/results.json` checked against Gradescope's format (a mutant
  mix, loose module files, nine notebooks);
- the same container steps without otter's kernel (`otter_container.py`, one process and one
  zygote for many uploads): the stubs, the whole hostile corpus, and a spy in a container
  without namespaces, where only the separate user and the file permissions protect.
Per-test points must equal `torchgrade grade`'s (the pipeline with the in-process backend).
Docker itself cannot run here: the zip is checked against what otter grade's build reads.
"""

from __future__ import annotations

import ast
import importlib.resources
import importlib.util
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import dill
import pytest
import torch
import yaml

from autograder.authoring.mutation import build_submission, load_catalogue
from autograder.commands.build import build, build_release, settings_from_args
from autograder.judge.pipeline import grade_one, in_process_backend
from autograder.judge.suites import HiddenSuite, collect_hidden_suite
from autograder.kit.datagen import default_data_dir, ensure_data
from autograder.kit.notebooks import write_notebooks
from autograder.kit.registry import EXERCISE_NAMES
from autograder.otter import container, runtime
from autograder.otter.generate import ok_test_files
from autograder.otter.settings import DIGITS_LEADERBOARD, OtterSettings, SettingsError
from autograder.submissions import Submission, stage

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the isolated backend needs Linux"
)

REPO = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("otter_container.py")
RUN_TIMEOUT = 600
# The hostile corpus's limits (as in test_sandbox.py), through the zip's [limits] settings.
HOSTILE_LIMITS = {
    "timeout": 2,
    "cpu_time": 20,
    "memory": "1G",
    "max_file_size": "8M",
    "max_output": "64K",
}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}

SPY = '''\
"""Takes the reference solution and the hidden suite from beside the imported grading engine."""
from pathlib import Path

import autograder

ENGINE = Path(autograder.__file__).resolve().parents[1]
for secret in (ENGINE / "autograder" / "hidden", ENGINE / "solutions"):
    try:
        print("LISTED", secret, sorted(p.name for p in secret.iterdir()))
    except OSError as exc:
        print("DENIED", secret, exc.strerror)
try:
    exec((ENGINE / "solutions" / "metrics.py").read_text())  # every function, if readable
except OSError as exc:
    print("DENIED", exc.strerror)
'''


def _hostile_corpus():
    """The hostile corpus's expected failures and its slow cases, from the sandbox's own test
    of it: case -> functions whose tests must fail (None: all), and cases that need 10 s per
    call to reach their limit on a busy machine."""
    spec = importlib.util.spec_from_file_location(
        "hostile_cases", Path(__file__).with_name("test_sandbox.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {case: module.expected_failures(case) for case in module.CASES}, module.SLOW_IMPORT


# --- submissions -------------------------------------------------------------------------------


def _zip_tree(tree: Path, out: Path, prefix: str = "") -> Path:
    """Zip every file under `tree` (its contents, not the folder itself)."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in tree.rglob("*") if p.is_file()):
            archive.write(path, prefix + path.relative_to(tree).as_posix())
    return out


def _mixed_submission(dest: Path, mutated: list[str], stubbed: list[str]) -> Path:
    """The solutions with one mutant (the first that applies) in each `mutated` exercise and
    the stub in each `stubbed` one."""
    build_submission(dest, "solutions")
    for exercise in stubbed:
        stub = REPO / "exercises" / f"{exercise}.py"
        (dest / "exercises" / stub.name).write_text(stub.read_text(encoding="utf-8"))
    for exercise in mutated:
        for mutant in (m for m in load_catalogue() if m.exercise == exercise and not m.correct):
            module = dest / "exercises" / f"{exercise}.py"
            try:
                module.write_text(mutant.apply(module.read_text(encoding="utf-8")))
            except ValueError:
                continue  # the catalogue entry does not apply (yet): try the next
            break
    return dest


def _hostile_upload(case: str, dest: Path) -> Path:
    """A hostile case as uploaded: an appended module follows the reference solution."""
    shutil.copytree(REPO / "tests" / "hostile" / case, dest)
    module = dest / "exercises" / "metrics.py"
    text = module.read_text(encoding="utf-8")
    if text.startswith("# hostile: appended to the reference solution"):
        reference = (REPO / "solutions" / "metrics.py").read_text(encoding="utf-8")
        module.write_text(reference + "\n\n" + text, encoding="utf-8")
    return dest


def _expected(tree: Path) -> dict[str, tuple[float, float]]:
    """torchgrade grade's per-test (score, max_score) for the submission in `tree`."""
    record = grade_one(Submission(tree.name, tree), in_process_backend, HiddenSuite())
    assert record.status == "graded", record.error
    return {o.name: (o.score, o.max_score) for o in record.outcomes}


# --- routes ------------------------------------------------------------------------------------


def _otter_run(autograder_zip: Path, submission: Path, out: Path, env: dict) -> dict:
    out.mkdir(parents=True)
    command = [sys.executable, "-m", "otter", "run", "-a", str(autograder_zip), str(submission)]
    start = time.monotonic()
    result = subprocess.run(
        [*command, "-o", str(out), "--no-logo", "-p"],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env=env,
    )
    seconds = time.monotonic() - start
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with open(out / "results.pkl", "rb") as f:
        results = dill.load(f)
    assert not results.catastrophic_error, results.summary()
    cases = {}
    for test_file in results.results.values():
        for case in test_file.test_case_results:
            points = float(case.test_case.points)
            cases[case.test_case.name] = (points if case.passed else 0.0, points)
    return {
        "cases": cases,
        "json": json.loads((out / "results.json").read_text(encoding="utf-8")),
        "stdout": result.stdout,
        "seconds": seconds,
    }


def _gradescope_run(autograder_zip: Path, upload: Path, root: Path, env: dict) -> dict:
    """Gradescope's layout under `root`, then `run_autograder` with this Python in place of
    the one setup.sh installs."""
    for folder in ("source", "submission", "results"):
        (root / folder).mkdir(parents=True)
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(root / "source")
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    if upload.is_dir():
        shutil.copytree(upload, root / "submission", dirs_exist_ok=True)
    else:
        shutil.copy2(upload, root / "submission")
    result = subprocess.run(
        ["bash", str(root / "run_autograder")],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env={**env, "TORCHGRADE_PYTHON": sys.executable},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "More than one" not in result.stdout + result.stderr
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def _container_runs(
    autograder_zip: Path, uploads: dict[str, str], work: Path, env: dict, *options: str
) -> dict:
    specs = [f"{name}={spec}" for name, spec in uploads.items()]
    result = subprocess.run(
        [sys.executable, str(DRIVER), str(autograder_zip), str(work), *options, *specs],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return {name: json.loads((work / f"{name}.json").read_text()) for name in uploads}


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hidden_tests():
    return list(collect_hidden_suite().tests)


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """All nine exercises; cnn's tests shown after the due date; the digits leaderboard."""
    out = tmp_path_factory.mktemp("dist")
    settings = OtterSettings(
        visibility_of={"cnn": "after_due_date"}, leaderboard=[dict(DIGITS_LEADERBOARD)]
    )
    build(out, settings=settings)
    return out


@pytest.fixture(scope="module")
def metrics_zip(tmp_path_factory) -> Path:
    """`torchgrade build --exercises metrics`, with the hostile corpus's sandbox limits."""
    out = tmp_path_factory.mktemp("dist-metrics")
    settings = OtterSettings(exercises=["metrics"], limits=dict(HOSTILE_LIMITS))
    return build(out, settings=settings)["autograder"]


@pytest.fixture(scope="module")
def graded(dist, metrics_zip, tmp_path_factory) -> dict:
    """Every route on its submissions, two at a time (each run is its own process)."""
    tmp = tmp_path_factory.mktemp("otter")
    hidden = list(EXERCISE_NAMES)
    trees = {
        "solutions": build_submission(tmp / "trees" / "solutions", "solutions"),
        "stubs": build_submission(tmp / "trees" / "stubs", "exercises"),
        "mutants-a": _mixed_submission(tmp / "trees" / "mutants-a", hidden[::2], hidden[1::2]),
        "mutants-b": _mixed_submission(tmp / "trees" / "mutants-b", hidden[1::2], hidden[::2]),
    }
    zips = {n: _zip_tree(t, tmp / f"{n}.zip") for n, t in trees.items()}
    # Upload shapes (graded for metrics only; every exercise's file is there).
    loose = tmp / "uploads" / "loose"
    shutil.copytree(trees["solutions"] / "exercises", loose)
    (loose / "__init__.py").unlink()
    notebooks = tmp / "uploads" / "notebooks"
    write_notebooks(notebooks, source_root=trees["solutions"])
    course = tmp / "uploads" / "course"
    shutil.copytree(dist / "student", course)
    shutil.copy2(REPO / "solutions" / "metrics.py", course / "exercises" / "metrics.py")
    course_zip = _zip_tree(course, tmp / "course.zip")  # conftest.py etc. at the zip's root
    hostile, slow = _hostile_corpus()
    uploads = {case: _hostile_upload(case, tmp / "hostile" / case) for case in hostile}
    honest = tmp / "hostile-honest"
    (honest / "exercises").mkdir(parents=True)
    shutil.copy2(REPO / "solutions" / "metrics.py", honest / "exercises" / "metrics.py")
    spy = tmp / "spy"
    (spy / "exercises").mkdir(parents=True)
    (spy / "exercises" / "metrics.py").write_text(SPY, encoding="utf-8")
    ensure_data()
    env = {**os.environ, "TORCHGRADE_DATA_DIR": str(default_data_dir())}
    # The replayed containers live where a sandbox user can traverse, as /autograder does
    # (pytest's temporary folders are 0700).
    base = Path(tempfile.mkdtemp(prefix="torchgrade-otter-test-"))
    base.chmod(0o755)
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = {
            "otter-solutions": (_otter_run, dist / "autograder.zip", zips["solutions"]),
            "otter-mutants-a": (_otter_run, dist / "autograder.zip", zips["mutants-a"]),
            "gradescope-mutants-b": (_gradescope_run, dist / "autograder.zip", zips["mutants-b"]),
            "otter-import": (
                _otter_run,
                metrics_zip,
                _zip_tree(uploads["import_solutions"], tmp / "i.zip"),
            ),
            "otter-loop": (
                _otter_run,
                metrics_zip,
                _zip_tree(uploads["sleep_forever"], tmp / "l.zip"),
            ),
            "otter-course": (_otter_run, metrics_zip, course_zip),
            "gradescope-loose": (_gradescope_run, metrics_zip, loose),
            "gradescope-notebooks": (_gradescope_run, metrics_zip, notebooks),
        }
        futures = {
            name: pool.submit(run, zip_path, upload, base / name, env)
            for name, (run, zip_path, upload) in jobs.items()
        }
        stub_run = pool.submit(
            _container_runs,
            dist / "autograder.zip",
            {"stubs": trees["stubs"], "solutions": trees["solutions"]},
            base / "c1",
            env,
        )
        corpus = {"honest-first": honest, **uploads, "honest-last": honest}
        specs = {name: f"{path}@10" if name in slow else str(path) for name, path in corpus.items()}
        hostile_run = pool.submit(_container_runs, metrics_zip, specs, base / "c2", env)
        bare_run = pool.submit(
            _container_runs,
            metrics_zip,
            {"spy": spy, "honest": honest},
            base / "bare",
            env,
            "--no-namespaces",
        )
        expected = {name: _expected(tree) for name, tree in trees.items()}
        try:
            return {
                **{name: f.result() for name, f in futures.items()},
                "container": {**stub_run.result(), **hostile_run.result()},
                "bare": bare_run.result(),
                "expected": expected,
                "hostile": hostile,
            }
        finally:
            shutil.rmtree(base, ignore_errors=True)


def _metrics_points(graded) -> float:
    return sum(
        m for t, (_, m) in graded["expected"]["solutions"].items() if t.startswith("metrics")
    )


# --- grades: the same as torchgrade grade's ----------------------------------------------------


@pytest.mark.parametrize("name", ["solutions", "mutants-a"])
def test_otter_run_gives_torchgrade_grades_points(graded, name):
    got, want = graded[f"otter-{name}"]["cases"], graded["expected"][name]
    assert sorted(got) == sorted(want)
    differing = {test: (got[test], want[test]) for test in want if got[test] != want[test]}
    assert not differing, f"(otter, torchgrade grade) (score, max) differ: {differing}"


def test_otter_run_full_marks_for_solutions(graded):
    tests = graded["otter-solutions"]["json"]["tests"]
    assert sum(t["score"] for t in tests) == sum(t["max_score"] for t in tests) > 0
    assert "isolation: " in graded["otter-solutions"]["stdout"]  # the plugin's report


def _check_gradescope_format(results: dict) -> None:
    """Gradescope's documented results.json schema (the fields we use)."""
    assert isinstance(results["score"], int | float)
    assert results.get("stdout_visibility", "hidden") in VISIBILITIES
    assert isinstance(results["tests"], list)
    for test in results["tests"]:
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert isinstance(test["score"], int | float) and isinstance(test["max_score"], int | float)
        assert 0 <= test["score"] <= test["max_score"]
        assert test["visibility"] in VISIBILITIES
        assert test.get("status", "passed") in ("passed", "failed")
    for entry in results.get("leaderboard", []):
        assert isinstance(entry["name"], str) and entry.get("order", "desc") in ("asc", "desc")


def test_gradescope_one_row_per_hidden_test_with_torchgrade_grades_points(graded, hidden_tests):
    results, want = graded["gradescope-mutants-b"], graded["expected"]["mutants-b"]
    _check_gradescope_format(results)
    rows = {t["name"].removesuffix(" (skipped)"): t for t in results["tests"]}
    assert sorted(rows) == sorted(t.name for t in hidden_tests) == sorted(want)
    assert {name: (t["score"], t["max_score"]) for name, t in rows.items()} == want
    assert results["score"] == pytest.approx(sum(s for s, _ in want.values()))
    assert 0 < results["score"] < sum(m for _, m in want.values())
    hints = {t.name: t.hint for t in hidden_tests}
    for test in results["tests"]:
        want_visibility = "after_due_date" if test["name"].startswith("cnn::") else "visible"
        assert test["visibility"] == want_visibility, test["name"]
        if test["name"].endswith(" (skipped)"):  # shown as skipped, never as passed
            assert "status" not in test and test["output"].startswith("Skipped: ")
            assert test["max_score"] == 0 and test["extra_data"] == {"outcome": "skipped"}
        else:
            assert test["status"] == ("passed" if test["score"] == test["max_score"] else "failed")
            assert test["output"].startswith(hints[test["name"]])


def test_leaderboard_holds_the_digit_classifiers_accuracy(graded):
    def board(results):
        (entry,) = results["leaderboard"]
        assert (entry["name"], entry["order"]) == ("Digit classifier accuracy", "desc")
        return entry["value"]

    assert 0.93 <= board(graded["container"]["solutions"]) <= 1.0
    assert board(graded["container"]["stubs"]) == 0.0  # nothing measured
    assert 0.0 <= board(graded["gradescope-mutants-b"]) <= 1.0


def test_cuda_tests_leave_the_maximum_without_a_gpu(graded, hidden_tests):
    if torch.cuda.is_available():
        pytest.skip("a GPU is here: the CUDA tests run")
    cases = graded["otter-solutions"]["cases"]
    cuda = [t.name for t in hidden_tests if t.cuda]
    assert cuda and all(cases[name] == (0.0, 0.0) for name in cuda)


def test_stub_results_are_small_and_concise(graded):
    results = graded["container"]["stubs"]
    want = graded["expected"]["stubs"]
    rows = {t["name"].removesuffix(" (skipped)"): t for t in results["tests"]}
    assert {name: (t["score"], t["max_score"]) for name, t in rows.items()} == want
    del results["leftovers"]  # the test driver's
    size = len(json.dumps(results, ensure_ascii=False, separators=(",", ":")))
    assert size < 90_000, f"results.json of a stub submission is {size / 1000:.0f} KB"
    text = json.dumps(results)
    assert "Trying:" not in text and "Expecting nothing" not in text  # no doctest transcript
    assert "NotImplementedError" in text


# --- untrusted code: the isolated backend ------------------------------------------------------


def test_importing_the_reference_scores_what_the_stubs_score(graded):
    stubs = sum(s for t, (s, _) in graded["expected"]["stubs"].items() if t.startswith("metrics"))
    run = graded["otter-import"]
    assert sum(t["score"] for t in run["json"]["tests"]) == stubs == 0
    assert sum(t["max_score"] for t in run["json"]["tests"]) == _metrics_points(graded)


def test_an_infinite_loop_costs_only_its_own_tests(graded):
    run = graded["otter-loop"]
    lost = {name for name, (score, top) in run["cases"].items() if score < top}
    assert lost and all("per_class_accuracy" in name for name in lost)
    assert sum(s for s, _ in run["cases"].values()) == _metrics_points(graded) - sum(
        top for name, (_, top) in run["cases"].items() if "per_class_accuracy" in name
    )
    assert run["seconds"] < 180


def test_hostile_corpus_gains_nothing_through_the_container(graded):
    container = graded["container"]
    full = _metrics_points(graded)
    for name in ("honest-first", "honest-last"):
        assert container[name]["score"] == full, name
    for case, must_fail in graded["hostile"].items():
        results = container[case]
        _check_gradescope_format(results)
        assert results["leftovers"] == [], f"{case} left processes behind"
        for test in results["tests"]:
            should_fail = must_fail is None or any(f"test_{f}" in test["name"] for f in must_fail)
            assert (test["score"] == 0) == should_fail, (case, test["name"], test["output"])


def test_without_namespaces_the_engine_secrets_stay_locked(graded):
    if os.geteuid() != 0:
        pytest.skip("a separate sandbox user needs a root grader (as in Gradescope's container)")
    spy, honest = graded["bare"]["spy"], graded["bare"]["honest"]
    protections = "\n".join(honest["extra_data"]["protections"])
    assert "file permissions only" in protections
    assert "separate unprivileged user" in protections
    assert spy["score"] == 0 and spy["tests"]
    assert honest["score"] == _metrics_points(graded)


# --- upload shapes -----------------------------------------------------------------------------


@pytest.mark.parametrize("run", ["gradescope-loose", "gradescope-notebooks"])
def test_gradescope_grades_loose_modules_and_notebooks(graded, run):
    assert graded[run]["score"] == _metrics_points(graded), graded[run]["output"]


def test_otter_run_grades_a_zip_of_the_course_folder(graded):
    tests = graded["otter-course"]["json"]["tests"]
    assert sum(t["score"] for t in tests) == _metrics_points(graded)


def test_quarantine_moves_the_upload_out_of_otters_sight(tmp_path):
    root = tmp_path / "autograder"
    sub = root / "submission"
    (sub / "tests").mkdir(parents=True)
    (sub / container.ENGINE_DIR).mkdir()
    (sub / "otter").mkdir()  # would shadow otter in the grading kernel
    for name in ("softmax.py", "cnn.py", "a.ipynb", "b.ipynb", runtime.ENTRY_NOTEBOOK):
        (sub / name).write_text("x", encoding="utf-8")
    (sub / "__init__.py").write_text("import os", encoding="utf-8")
    container.quarantine_upload(root, otter_prepared=True)
    assert sorted(p.name for p in sub.iterdir()) == sorted(container.OTTER_ADDITIONS)
    assert (sub / "__init__.py").read_text() == ""
    upload = root / runtime.UPLOAD_DIR
    assert sorted(p.name for p in upload.iterdir()) == [
        "a.ipynb",
        "b.ipynb",
        "cnn.py",
        "otter",
        "softmax.py",
    ]
    assert stat.S_IMODE(upload.stat().st_mode) == 0o700


def test_a_single_zip_in_the_upload_stands_for_itself(tmp_path):
    upload = tmp_path / runtime.UPLOAD_DIR
    upload.mkdir()
    (upload / "submission.zip").write_bytes(b"PK")
    assert runtime.upload_of(tmp_path, tmp_path, tmp_path) == upload / "submission.zip"
    (upload / "exercises").mkdir()
    assert runtime.upload_of(tmp_path, tmp_path, tmp_path) == upload


# --- build: subsets and settings ---------------------------------------------------------------


def test_build_for_a_subset_of_exercises(graded, metrics_zip):
    args = type("Args", (), {})()
    args.otter_config, args.exercises, args.visibility = None, ["cnn", "softmax"], None
    args.show_stdout, args.leaderboard = None, False
    settings = settings_from_args(args)
    assert settings.exercises == ["softmax", "cnn"]
    tests = list(collect_hidden_suite(settings.exercises).tests)
    files = ok_test_files(tests)
    assert {name.split("-")[0] for name in files} == {"softmax", "cnn"}
    declared = sum(t.points for t in tests if not t.cuda)
    want = sum(
        m
        for t, (_, m) in graded["expected"]["solutions"].items()
        if t.split("::")[0] in ("softmax", "cnn")
    )
    assert declared == want > 0
    with zipfile.ZipFile(metrics_zip) as archive:
        tests_in_zip = [n for n in archive.namelist() if n.startswith("tests/")]
    assert tests_in_zip and all(n.startswith("tests/metrics-") for n in tests_in_zip)
    assert graded["otter-import"]["json"]["tests"]  # graded out of metrics alone
    assert sum(t["max_score"] for t in graded["otter-import"]["json"]["tests"]) == (
        _metrics_points(graded)
    )


def test_student_release_for_a_subset(tmp_path):
    release = build_release(tmp_path / "student", ["softmax", "cnn"])
    assert sorted(p.name for p in (release / "exercises").glob("*.py")) == [
        "__init__.py",
        "cnn.py",
        "softmax.py",
    ]
    public = sorted(p.name for p in (release / "tests" / "public").glob("test_*.py"))
    assert public == ["test_cnn.py", "test_softmax.py"]
    assert sorted(p.stem for p in (release / "notebooks").glob("*.ipynb")) == ["cnn", "softmax"]
    readme = (release / "README.md").read_text(encoding="utf-8")
    assert "`softmax`" in readme and "`training`" not in readme


@pytest.mark.parametrize("nested", [False, True])
def test_staging_takes_loose_module_files(tmp_path, nested):
    upload = tmp_path / "upload"
    folder = upload / "my-work" if nested else upload
    folder.mkdir(parents=True)
    for name in ("softmax.py", "cnn.py", "helpers.py"):
        (folder / name).write_text(f"NAME = {name!r}\n", encoding="utf-8")
    staged = stage(Submission("loose", upload), tmp_path / "work")
    modules = sorted(p.name for p in (staged / "exercises").glob("*.py"))
    assert modules == ["__init__.py", "cnn.py", "helpers.py", "softmax.py"]


def test_settings_file_and_flags(tmp_path):
    config = tmp_path / "otter.toml"
    config.write_text(
        'exercises = ["training", "softmax"]\nvisibility = "after_due_date"\n'
        'show_stdout = true\n[visibility_of]\ntraining = "hidden"\n'
        '"softmax::test_x" = "visible"\n[limits]\ntimeout = 5\nmemory = "2G"\n',
        encoding="utf-8",
    )
    settings = OtterSettings.from_toml(config)
    assert settings.exercises == ["softmax", "training"]  # course order
    assert settings.visibility_for("softmax::test_x") == "visible"
    assert settings.visibility_for("softmax::test_y") == "after_due_date"
    assert settings.visibility_for("training::test_fit_history") == "hidden"
    assert settings.sandbox_limits().timeout == 5 and settings.sandbox_limits().memory == 2 << 30
    flagged = settings.with_flags(None, ["cnn=visible"], False, True)
    assert flagged.visibility_of["cnn"] == "visible" and flagged.show_stdout is False
    assert flagged.leaderboard[0]["value"] == "training:accuracy"
    assert OtterSettings.from_json(flagged.to_json()) == flagged
    with pytest.raises(SettingsError, match="visible, hidden, after_due_date, after_published"):
        settings.with_flags(visibility=["softmax=later"])
    with pytest.raises(SettingsError, match="unknown exercise"):
        OtterSettings(exercises=["nope"])
    config.write_text("visiblity = 'hidden'\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="unknown key"):
        OtterSettings.from_toml(config)


# --- the zip: what otter grade's Docker build and Gradescope read ------------------------------


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
    for source in _dockerfile_sources():
        if not any(c in source for c in "*?["):
            assert source in top, f"otter grade's Dockerfile adds {source}, missing from the zip"
    assert {"files", "requirements.txt"} <= top  # the engine, the entry notebook; the pins


def test_zip_image_installs_only_pinned_cpu_packages(dist):
    with zipfile.ZipFile(dist / "autograder.zip") as archive:
        environment = yaml.safe_load(archive.read("environment.yml"))
        requirements = archive.read("requirements.txt").decode().splitlines()
        setup = archive.read("setup.sh").decode()
        run_autograder = archive.read("run_autograder").decode()
        config = json.loads(archive.read("otter_config.json"))
        size = sum(i.compress_size for i in archive.infolist())
    python = f"python={sys.version_info.major}.{sys.version_info.minor}"
    assert environment["dependencies"] == [python, "pip"]
    pins = [r for r in requirements if r and not r.startswith(("#", "--"))]
    assert all("==" in p for p in pins)
    for package in ("torch", "torchvision"):
        version = metadata.version(package).split("+")[0]
        assert f"{package}=={version}+cpu" in pins  # only the CPU index has it: no CUDA fallback
    assert f"otter-grader[grading]=={metadata.version('otter-grader')}" in pins
    assert not any(p.split("==")[0] in ("tqdm", "matplotlib") for p in pins)
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in requirements
    for unused in ("playwright", "texlive", "pandoc", "build-essential", "libcurl"):
        assert unused not in setup
    assert "requirements.txt" in setup and "environment.yml" in setup
    assert "source/run_otter.py" in run_autograder
    assert config["plugins"] == ["autograder.otter.container.TorchgradePlugin"]
    assert size < 2 * 2**20, f"the autograder zip is {size / 2**20:.1f} MiB"


def test_zip_has_one_ok_test_per_hidden_test(dist, hidden_tests):
    with zipfile.ZipFile(dist / "autograder.zip") as archive:
        names = archive.namelist()
        sources = [archive.read(n).decode() for n in sorted(names) if n.startswith("tests/")]
    cases = []
    for source in sources:
        assert "OK_FORMAT = True" in source
        call = next(
            node.value
            for node in ast.parse(source).body
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "test"
        )
        cases.append(tuple(ast.literal_eval(a) for a in call.args))
    want = [(t.name, t.points, t.hint) for t in hidden_tests]
    assert sorted(cases) == sorted(want)
    for exercise in {t.exercise for t in hidden_tests}:
        assert f"files/torchgrade/autograder/hidden/test_{exercise}.py" in names
        assert f"files/torchgrade/solutions/{exercise}.py" in names
    # otter picks "the submission" among the top-level files: ours is the only notebook.
    copied_files = [n for n in names if n.startswith("files/") and n.count("/") == 1]
    assert copied_files == [f"files/{runtime.ENTRY_NOTEBOOK}"]
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
