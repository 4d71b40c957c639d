"""Exercise notebooks: generate them from the stubs, check them, and turn them back into modules.

A notebook per exercise (nbformat): an introduction (the module docstring of the stub), a
setup cell, the stub code in editable cells (imports first, then one cell per function or
class) and a check cell that runs the exercise's public tests against the code defined in
the notebook. `notebooks_to_package` extracts the code cells (nbconvert) of a set of such
notebooks into `exercises/<name>.py`, so notebooks can be graded like any other submission.
"""

from __future__ import annotations

import ast
import io
import json
import sys
import types
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import nbformat

from autograder.kit.registry import EXERCISE_NAMES, get_exercise
from autograder.kit.text import printable

REPO_ROOT = Path(__file__).resolve().parents[2]
SETUP_TAG = "torchgrade-setup"  # cells that exist only for the notebook: dropped on extraction
CHECK_TAG = "torchgrade-check"
METADATA_KEY = "torchgrade"  # notebook metadata: {"exercise": name}

SETUP_SOURCE = """\
# Setup: find the course folder (the one with tests/public) so the check cell can run.
import sys
from pathlib import Path

COURSE = next((p for p in (Path.cwd(), *Path.cwd().parents) if (p / "tests" / "public").is_dir()),
              Path.cwd())
if str(COURSE) not in sys.path:
    sys.path.insert(0, str(COURSE))"""

CHECK_SOURCE = """\
# Check: runs the public tests of this exercise against the code above.
from autograder.kit.notebooks import run_public_tests

run_public_tests({name!r}, globals())"""


# --- generation ------------------------------------------------------------------------------


def code_segments(source: str) -> list[str]:
    """Split a module into notebook cells: the top-level statements before the first function
    or class (imports, constants) in one cell, then one cell per function or class with the
    comments and statements that follow it up to the next one. The module docstring is left
    out (it becomes the introduction)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    body = tree.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(getattr(body[0], "value", None), ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        start = body[0].end_lineno
        body = body[1:]
    else:
        start = 0
    starts = []
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
            while first > start and lines[first - 1].lstrip().startswith("#"):
                first -= 1  # a comment right above a definition belongs to it
            starts.append(first)
    bounds = [start, *starts, len(lines)]
    segments = []
    for begin, end in zip(bounds, bounds[1:], strict=False):
        text = "\n".join(lines[begin:end]).strip("\n")
        if text.strip():
            segments.append(text)
    return segments


def intro_markdown(name: str, source: str) -> str:
    exercise = get_exercise(name)
    number = EXERCISE_NAMES.index(name) + 1
    doc = ast.get_docstring(ast.parse(source)) or exercise.teaches
    lines = doc.splitlines()
    if lines and lines[0].startswith("Exercise"):  # the docstring's own title line
        lines = lines[1:]
    body = "\n".join(lines).strip()
    return (
        f"# Exercise {number}: {exercise.title}\n\n{body}\n\n"
        "**How to work.** Run the setup cell, then fill in each function below (replace its "
        "`raise NotImplementedError(...)`) and run its cell. The check cell at the end runs "
        "this exercise's public tests against the code in this notebook. To hand in, "
        "`torchgrade notebooks --extract notebooks` writes your code into `exercises/`, then "
        "`torchgrade submit` packs it (see the README)."
    )


def exercise_notebook(name: str, source: str | None = None) -> nbformat.NotebookNode:
    """The notebook of exercise `name` from its stub (or from `source`, a module's text)."""
    if name not in EXERCISE_NAMES:
        get_exercise(name)  # raises with the list of names
    if source is None:
        source = (REPO_ROOT / "exercises" / f"{name}.py").read_text(encoding="utf-8")
    cells = [
        nbformat.v4.new_markdown_cell(intro_markdown(name, source)),
        nbformat.v4.new_code_cell(SETUP_SOURCE, metadata={"tags": [SETUP_TAG]}),
    ]
    cells += [nbformat.v4.new_code_cell(segment) for segment in code_segments(source)]
    cells += [
        nbformat.v4.new_markdown_cell("## Check your work"),
        nbformat.v4.new_code_cell(CHECK_SOURCE.format(name=name), metadata={"tags": [CHECK_TAG]}),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata[METADATA_KEY] = {"exercise": name}
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"{name.replace('_', '-')}-{index}"  # stable ids: the same stubs, same file
    nbformat.validate(notebook)
    return notebook


def write_notebooks(
    out: Path, exercises: list[str] | None = None, source_root: Path = REPO_ROOT
) -> list[Path]:
    """Write `out/<name>.ipynb` for each exercise whose module exists in `source_root/exercises`."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in exercises or EXERCISE_NAMES:
        module = source_root / "exercises" / f"{name}.py"
        if not module.is_file():
            continue
        notebook = exercise_notebook(name, module.read_text(encoding="utf-8"))
        path = out / f"{name}.ipynb"
        nbformat.write(notebook, path)
        written.append(path)
    return written


# --- the check cell --------------------------------------------------------------------------


class _Results:
    def __init__(self) -> None:
        self.passed: list[str] = []
        self.failed: list[tuple[str, str]] = []
        self.collect_errors: list[str] = []

    def pytest_runtest_logreport(self, report: Any) -> None:
        test = report.nodeid.split("::")[-1]
        if report.failed:
            crash = getattr(report.longrepr, "reprcrash", None)
            text = crash.message if crash is not None else str(report.longrepr)
            self.failed.append((test, (text.strip().splitlines() or ["failed"])[0][:200]))
        elif report.when == "call" and report.passed:
            self.passed.append(test)

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.collect_errors.append(str(report.longrepr)[-500:])


def find_course_root(start: Path | None = None) -> Path:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "tests" / "public").is_dir():
            return folder
    raise FileNotFoundError(
        f"no tests/public folder in {here} or above: open the notebook from the course folder"
    )


def notebook_source(namespace: dict[str, Any]) -> str:
    """The code run in a notebook so far (IPython's `In`, without the setup and check cells),
    else the source of each function and class in `namespace`: what public tests that
    inspect the module's source (e.g. "does not import torch") read."""
    inputs = namespace.get("In")
    if isinstance(inputs, list) and inputs:
        cells = [
            c
            for c in inputs
            if isinstance(c, str)
            and c.strip()
            and "run_public_tests(" not in c
            and "COURSE = next(" not in c
        ]
        return "\n\n".join(dict.fromkeys(cells)) + "\n"
    import inspect

    parts = []
    for value in namespace.values():
        if (
            inspect.isfunction(value) or inspect.isclass(value)
        ) and value.__module__ == namespace.get("__name__"):
            try:
                parts.append(inspect.getsource(value))
            except (OSError, TypeError):
                continue
    return "\n\n".join(parts) + "\n"


def run_public_tests(name: str, namespace: dict[str, Any], course: Path | None = None) -> int:
    """Run `tests/public/test_<name>.py` against the functions in `namespace` (a notebook's
    `globals()`); print one line per test. Raises AssertionError if any test fails."""
    import tempfile

    import pytest

    root = find_course_root(course)
    tests = root / "tests" / "public" / f"test_{name}.py"
    if not tests.is_file():
        raise FileNotFoundError(f"{tests} is missing")
    module = types.ModuleType(f"exercises.{name}")
    module.__dict__.update(namespace)
    module.__name__ = f"exercises.{name}"
    saved = sys.modules.get(module.__name__)
    sys.modules[module.__name__] = module  # what the tests' `ex` fixture imports
    results = _Results()
    with tempfile.TemporaryDirectory(prefix="torchgrade-notebook-") as tmp:
        module.__file__ = str(Path(tmp) / f"{name}.py")  # for inspect.getsource(module)
        Path(module.__file__).write_text(notebook_source(namespace), encoding="utf-8")
        try:
            with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
                pytest.main(
                    [
                        str(tests),
                        "-q",
                        "-p",
                        "no:cacheprovider",
                        "--impl=exercises",
                        "--rootdir",
                        str(root),
                        "--tb=line",
                        "-W",
                        "ignore::DeprecationWarning",
                    ],
                    plugins=[results],
                )
        finally:
            if saved is None:
                sys.modules.pop(module.__name__, None)
            else:
                sys.modules[module.__name__] = saved
    if results.collect_errors:
        raise RuntimeError(
            f"the public tests of {name} could not be collected:\n"
            + "\n".join(results.collect_errors)
        )
    total = len(results.passed) + len(results.failed)
    for test in results.passed:
        print(f"  passed  {test}")
    for test, message in results.failed:
        print(f"  FAILED  {test}: {message}")
    print(f"{name}: {len(results.passed)}/{total} public tests passed")
    if results.failed:
        raise AssertionError(f"{len(results.failed)} of {total} public tests of {name} failed")
    return len(results.passed)


# --- extraction ------------------------------------------------------------------------------

MAX_NOTEBOOK_BYTES = 32 * 2**20  # a notebook file, outputs and images included
MAX_CELLS = 2000  # cells of one notebook (the generated ones have about 20)
MAX_CODE_BYTES = 2 * 2**20  # the code of one notebook (as for a .py module)
MAGIC_MARK = "# (notebook only) "  # what comments out a line that needs IPython


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read a notebook; ValueError("<file>: not a valid notebook (...)") if it is not one,
    or if it is larger than the bounds above. Outputs and attachments are dropped (only code
    is ever extracted), so validation costs time in proportion to the code."""
    shown = _shown(path.name)
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"{shown}: larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{shown}: not a valid notebook (not JSON: {exc})") from None
    except RecursionError:
        raise ValueError(f"{shown}: not a valid notebook (nested too deeply)") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if isinstance(cells, list):
        if len(cells) > MAX_CELLS:
            raise ValueError(f"{shown}: more than {MAX_CELLS} cells")
        code = 0
        for cell in cells:
            if isinstance(cell, dict):
                cell.pop("attachments", None)
                if cell.get("cell_type") == "code":
                    cell["outputs"] = []
                    source = cell.get("source", "")
                    code += sum(map(len, source)) if isinstance(source, list) else len(source)
        if code > MAX_CODE_BYTES:
            raise ValueError(f"{shown}: more than {MAX_CODE_BYTES // 2**20} MiB of code")
    try:
        notebook = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as exc:  # JSON, but not a notebook (nbformat raises several kinds)
        raise ValueError(
            f"{shown}: not a valid notebook ({type(exc).__name__}: "
            f"{_shown(str(exc).splitlines()[0]) if str(exc) else ''})"
        ) from None
    return notebook


def _shown(text: str, limit: int = 120) -> str:
    return printable(text, limit)


def notebook_exercise(path: Path, notebook: nbformat.NotebookNode) -> str | None:
    """The exercise a notebook holds: its metadata, else its file name (None if neither is a
    module name)."""
    declared = notebook.metadata.get(METADATA_KEY, {}).get("exercise")
    for candidate in (declared, path.stem):
        if isinstance(candidate, str) and candidate.isidentifier():
            return candidate
    return None


def notebook_to_source(notebook: nbformat.NotebookNode) -> str:
    """The code cells of `notebook` as a module, without the setup and check cells; IPython
    magics (which a module cannot run) are commented out."""
    from nbconvert.exporters import PythonExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    notebook = nbformat.from_dict(notebook)
    remover = TagRemovePreprocessor(remove_cell_tags={SETUP_TAG, CHECK_TAG})
    notebook, _ = remover.preprocess(notebook, {})
    exporter = PythonExporter(exclude_markdown=True, exclude_raw=True)
    source, _ = exporter.from_notebook_node(notebook)
    return comment_out_magics(source)


def comment_out_magics(source: str) -> str:
    """Comment out each line that calls `get_ipython()` (what nbconvert makes of a magic),
    after its indentation. One pass over the lines: linear in the size of the code."""
    lines = source.split("\n")
    for index, line in enumerate(lines):
        if "get_ipython()" in line:
            code = line.lstrip()
            lines[index] = line[: len(line) - len(code)] + MAGIC_MARK + code
    return "\n".join(lines)


def warm_up() -> None:
    """Import what extraction needs (nbconvert is slow to import) in a long-lived process."""
    from nbconvert.exporters import PythonExporter  # noqa: F401


def notebooks_to_package(src: Path, dest: Path) -> Path:
    """Write `dest/exercises/<name>.py` from the notebooks (*.ipynb) in `src`; return the
    package folder. ValueError for an invalid notebook, two notebooks of one exercise, or
    none at all."""
    src, dest = Path(src), Path(dest)
    notebooks = sorted(p for p in src.glob("*.ipynb") if p.is_file())
    if not notebooks:
        raise ValueError(f"{src.name or src}: no notebooks (*.ipynb) found")
    modules: dict[str, tuple[Path, str]] = {}
    for path in notebooks:
        notebook = read_notebook(path)
        name = notebook_exercise(path, notebook)
        if name is None:
            continue  # not an exercise notebook (e.g. "scratch (1).ipynb")
        if name in modules:
            raise ValueError(
                f"{_shown(path.name)}: a second notebook for exercise {name} "
                f"(also {_shown(modules[name][0].name)})"
            )
        try:
            modules[name] = (path, notebook_to_source(notebook))
        except Exception as exc:  # nbconvert on a notebook it cannot handle
            raise ValueError(
                f"{_shown(path.name)}: its code cells cannot be extracted "
                f"({type(exc).__name__}: {_shown(str(exc))})"
            ) from None
    if not modules:
        raise ValueError(f"{src.name or src}: none of the notebooks is an exercise notebook")
    package = dest / "exercises"
    package.mkdir(parents=True, exist_ok=True)
    for name, (_, source) in modules.items():
        (package / f"{name}.py").write_text(source, encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    return package
