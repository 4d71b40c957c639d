"""The exercise notebooks: generated from the stubs, executed with nbconvert's executor
(solutions filled in: every cell runs; stubs: only the check cell fails), and turned back
into `exercises/` modules that grade like the modules they came from."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from nbconvert.preprocessors import ExecutePreprocessor

from autograder.cli import main
from autograder.judge.student import InProcessBackend
from autograder.judge.suites import run_hidden_suite
from autograder.kit.notebooks import (
    CHECK_TAG,
    SETUP_TAG,
    code_segments,
    comment_out_magics,
    exercise_notebook,
    notebooks_to_package,
    write_notebooks,
)
from autograder.kit.registry import EXERCISE_NAMES

REPO = Path(__file__).resolve().parents[2]
EXERCISES = [
    n
    for n in EXERCISE_NAMES
    if (REPO / "exercises" / f"{n}.py").is_file()
    and (REPO / "tests" / "public" / f"test_{n}.py").is_file()
]


def _defined(source: str) -> list[str]:
    return [
        node.name
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def fill_with_solution(notebook: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The notebook as a student who solved it would have it: each stub cell replaced by the
    solution's code for the same definitions, the solution's helpers after the imports."""
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    segments = code_segments((REPO / "solutions" / f"{name}.py").read_text(encoding="utf-8"))
    by_name = {}
    for segment in segments[1:]:
        for defined in _defined(segment):
            by_name[defined] = segment
    used: set[str] = set()
    code = [c for c in notebook.cells if c.cell_type == "code" and not _tags(c)]
    for cell in code[1:]:
        names = _defined(cell.source)
        cell.source = "\n\n".join(dict.fromkeys(by_name[n] for n in names))
        used.update(names)
    helpers = [s for s in segments[1:] if not set(_defined(s)) & used]
    code[0].source = "\n\n".join([segments[0], *helpers])
    return notebook


@pytest.fixture(scope="module")
def kernel():
    """One kernel for every execution (a reset cell starts each notebook afresh): starting
    a kernel and importing torch dominates the cost of a notebook."""
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(REPO))
    yield manager
    manager.shutdown_kernel(now=True)


def execute(notebook: nbformat.NotebookNode, kernel: KernelManager) -> list[int]:
    """Run every cell top to bottom; return the indices of the cells that raised."""
    fresh = nbformat.from_dict(json.loads(json.dumps(notebook)))
    fresh.cells.insert(0, nbformat.v4.new_code_cell("%reset -f"))
    executor = ExecutePreprocessor(timeout=300, allow_errors=True)
    executor.preprocess(fresh, {"metadata": {"path": str(REPO)}}, km=kernel)
    return [
        i - 1
        for i, cell in enumerate(fresh.cells)
        if cell.cell_type == "code" and any(o.output_type == "error" for o in cell.outputs)
    ]


def test_there_are_exercises_to_test():
    assert "metrics" in EXERCISES


@pytest.mark.parametrize("name", EXERCISES)
def test_notebook_holds_the_stub_and_a_check_cell(name):
    stub = (REPO / "exercises" / f"{name}.py").read_text(encoding="utf-8")
    notebook = exercise_notebook(name)
    nbformat.validate(notebook)
    assert notebook.metadata["torchgrade"] == {"exercise": name}
    intro = notebook.cells[0]
    assert intro.cell_type == "markdown"
    last_line = ast.get_docstring(ast.parse(stub)).strip().splitlines()[-1]
    assert last_line in intro.source  # the introduction is the stub's docstring
    assert _tags(notebook.cells[1]) == [SETUP_TAG]
    assert _tags(notebook.cells[-1]) == [CHECK_TAG]
    assert f"run_public_tests({name!r}" in notebook.cells[-1].source
    cells = [c.source for c in notebook.cells if c.cell_type == "code" and not _tags(c)]
    assert _defined("\n\n".join(cells)) == _defined(stub)
    assert all(len(_defined(cell)) <= 1 for cell in cells)  # one function or class per cell


def test_write_notebooks_is_deterministic(tmp_path):
    first = write_notebooks(tmp_path / "a")
    second = write_notebooks(tmp_path / "b")
    assert [p.name for p in first] == [
        f"{n}.ipynb" for n in EXERCISE_NAMES if (REPO / "exercises" / f"{n}.py").is_file()
    ]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("name", EXERCISES)
def test_notebook_with_solutions_runs_top_to_bottom(name, kernel):
    notebook = fill_with_solution(exercise_notebook(name), name)
    assert execute(notebook, kernel) == []


@pytest.mark.parametrize("name", EXERCISES)
def test_notebook_with_stubs_fails_only_in_the_check_cell(name, kernel):
    notebook = exercise_notebook(name)
    failing = execute(notebook, kernel)
    assert failing == [len(notebook.cells) - 1]


def test_extracted_notebooks_grade_like_the_modules(tmp_path):
    """Round trip: solved notebooks -> exercises/ holding every line of the solutions; the
    hidden suites give them full marks (two exercises graded: the other suites run on the
    same code elsewhere)."""
    (tmp_path / "solved").mkdir()
    for name in EXERCISES:
        nbformat.write(
            fill_with_solution(exercise_notebook(name), name), tmp_path / "solved" / f"{name}.ipynb"
        )
    package = notebooks_to_package(tmp_path / "solved", tmp_path / "graded")
    assert package == tmp_path / "graded" / "exercises"
    assert sorted(p.stem for p in package.glob("*.py")) == sorted([*EXERCISES, "__init__"])
    for name in EXERCISES:
        extracted = (package / f"{name}.py").read_text(encoding="utf-8")
        assert "run_public_tests" not in extracted and "COURSE" not in extracted
        solution = (REPO / "solutions" / f"{name}.py").read_text(encoding="utf-8")
        assert sorted(_defined(extracted)) == sorted(_defined(solution))
        for segment in code_segments(solution):
            assert segment in extracted
    graded = [n for n in ("metrics", "numpy_backprop") if n in EXERCISES]
    backend = InProcessBackend(tmp_path / "graded", "exercises")
    try:
        outcomes = run_hidden_suite(
            backend, tmp_path / "graded", "exercises", exercises=graded
        ).outcomes
    finally:
        backend.close()
    assert {o.exercise for o in outcomes} == set(graded)
    assert all(o.score == o.max_score for o in outcomes), [
        o.name for o in outcomes if o.score != o.max_score
    ]


def test_stub_notebook_extracts_to_the_stub_code(tmp_path):
    (tmp_path / "nb").mkdir()
    nbformat.write(exercise_notebook("metrics"), tmp_path / "nb" / "metrics.ipynb")
    extracted = (notebooks_to_package(tmp_path / "nb", tmp_path) / "metrics.py").read_text()
    stub = (REPO / "exercises" / "metrics.py").read_text(encoding="utf-8")
    for segment in code_segments(stub):
        assert segment in extracted


def test_magics_are_commented_out_and_names_come_from_metadata(tmp_path):
    (tmp_path / "nb").mkdir()
    notebook = exercise_notebook("metrics")
    notebook.cells.insert(2, nbformat.v4.new_code_cell("%matplotlib inline\n!pip list"))
    nbformat.write(notebook, tmp_path / "nb" / "my copy of metrics.ipynb")
    package = notebooks_to_package(tmp_path / "nb", tmp_path / "out")
    source = (package / "metrics.py").read_text(encoding="utf-8")
    compile(source, "metrics.py", "exec")
    assert "# (notebook only) get_ipython()" in source


@pytest.mark.parametrize(
    "content,reason",
    [
        ("{not json", "not JSON"),
        ('{"cells": 3}', "not a valid notebook"),
        ("", "not JSON"),
    ],
)
def test_invalid_notebook_is_a_clear_error(tmp_path, content, reason):
    nbformat.write(exercise_notebook("metrics"), tmp_path / "metrics.ipynb")
    (tmp_path / "softmax.ipynb").write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=r"^softmax\.ipynb: not a valid notebook \(.*") as info:
        notebooks_to_package(tmp_path, tmp_path / "out")
    assert reason in str(info.value)


def test_no_notebooks_and_duplicates_are_errors(tmp_path):
    with pytest.raises(ValueError, match="no notebooks"):
        notebooks_to_package(tmp_path, tmp_path / "out")
    nbformat.write(exercise_notebook("metrics"), tmp_path / "a.ipynb")
    nbformat.write(exercise_notebook("metrics"), tmp_path / "b.ipynb")
    with pytest.raises(ValueError, match="b.ipynb: a second notebook for exercise metrics"):
        notebooks_to_package(tmp_path, tmp_path / "out")


def test_notebooks_command_generates_and_extracts(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["notebooks", "metrics", "--out", "nbs"]) == 0
    assert sorted(p.name for p in (tmp_path / "nbs").iterdir()) == ["metrics.ipynb"]
    assert main(["notebooks", "--extract", "nbs", "--out", "work"]) == 0
    assert (tmp_path / "work" / "exercises" / "metrics.py").is_file()
    (tmp_path / "nbs" / "broken.ipynb").write_text("{", encoding="utf-8")
    capsys.readouterr()
    assert main(["notebooks", "--extract", "nbs"]) == 2
    assert "broken.ipynb: not a valid notebook" in capsys.readouterr().err


def test_grade_accepts_notebook_submissions(tmp_path):
    """`torchgrade grade` on notebook submissions: a folder, a zip and a single notebook are
    graded like modules; a notebook that is not valid JSON gets an error row."""
    import zipfile

    import pandas as pd

    from autograder.cli import main as cli

    subs = tmp_path / "subs"
    (subs / "folder").mkdir(parents=True)
    solved = fill_with_solution(exercise_notebook("metrics"), "metrics")
    nbformat.write(solved, subs / "folder" / "metrics.ipynb")
    with zipfile.ZipFile(subs / "zipped.zip", "w") as archive:
        archive.writestr("hw/metrics.ipynb", nbformat.writes(solved))
    nbformat.write(solved, subs / "single.ipynb")
    (subs / "broken").mkdir()
    (subs / "broken" / "metrics.ipynb").write_text("{ not json", encoding="utf-8")
    out = tmp_path / "out"
    # Exit status 1: a submission (broken) ended in an error.
    assert cli(["grade", str(subs), "--out", str(out), "--quiet", "--exercises", "metrics"]) == 1
    grades = pd.read_csv(out / "grades.csv", keep_default_na=False).set_index("submission")
    for name in ("folder", "zipped", "single.ipynb"):
        assert grades.loc[name, "status"] == "graded", grades.loc[name, "error"]
        assert grades.loc[name, "percent"] == 100.0
    assert grades.loc["broken", "status"] == "error"
    assert "not a valid notebook" in grades.loc["broken", "error"]


def test_magics_are_commented_out_in_linear_time():
    """A cell of blank lines once made the extraction backtrack for hours."""
    source = "\n" * 300_000 + "  get_ipython().run_line_magic('time', '')\nx = 1"
    lines = comment_out_magics(source).split("\n")
    assert lines[-2] == "  # (notebook only) get_ipython().run_line_magic('time', '')"
    assert lines[-1] == "x = 1" and len(lines) == 300_002
