"""The student release (`torchgrade build` → DIST/student/, DIST/student.zip) is scanned:
nothing in it reveals the solutions, the hidden suites, the probes or the mutants, by file
name or by content; and what it does ship (check, submit, notebooks) works on its own."""

from __future__ import annotations

import ast
import functools
import json
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from autograder.authoring.mutation import load_catalogue
from autograder.commands.build import KIT_DIR, RELEASE_DIR, build_release, zip_folder
from autograder.kit.registry import EXERCISE_NAMES

REPO = Path(__file__).resolve().parents[2]
SECRET_DIRS = {"solutions", "hidden", "probes", "mutants", "sandbox", "otter", "report"}
MIN_FRAGMENT = 40  # characters (whitespace removed): shorter code says nothing by itself


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    return build_release(tmp_path_factory.mktemp("dist") / RELEASE_DIR)


@pytest.fixture(scope="module")
def student_zip(release) -> Path:
    return zip_folder(release, release.parent / "student.zip", RELEASE_DIR)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _readable(name: str, data: bytes) -> str:
    """A file's text as a student reads it (a notebook: its cells' sources)."""
    text = data.decode("utf-8", errors="replace")
    if name.endswith(".ipynb"):
        return "\n".join("".join(c["source"]) for c in json.loads(text)["cells"])
    return text


def _release_texts(release: Path, student_zip: Path) -> dict[str, str]:
    texts = {
        str(p.relative_to(release)): _readable(p.name, p.read_bytes())
        for p in release.rglob("*")
        if p.is_file()
    }
    with zipfile.ZipFile(student_zip) as archive:
        for name in archive.namelist():
            texts[f"zip:{name}"] = _readable(name, archive.read(name))
    return texts


def _bodies(path: Path) -> list[tuple[str, str]]:
    """(qualified name, body source without docstring) of every function in a module."""
    source = path.read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(getattr(body[0], "value", None), ast.Constant)
            ):
                body = body[1:]
            text = "\n".join(ast.get_source_segment(source, stmt) or "" for stmt in body)
            found.append((f"{path.stem}.{node.name}", text))
    return found


@functools.cache
def _secret_fragments() -> list[tuple[str, str]]:
    """Code that only instructors have: solution, hidden-test and probe bodies and mutant
    texts, minus whatever the stubs show anyway."""
    public = _squash(
        "".join(p.read_text(encoding="utf-8") for p in (REPO / "exercises").glob("*.py"))
    )
    fragments = []
    for folder in ("solutions", "autograder/hidden", "autograder/probes"):
        for module in sorted((REPO / folder).glob("*.py")):
            fragments += [(f"{folder}/{name}", body) for name, body in _bodies(module)]
    for mutant in load_catalogue():
        fragments += [(f"mutant {mutant.name}", new) for new in mutant.replace.values()]
    return [
        (where, _squash(text))
        for where, text in fragments
        if len(_squash(text)) >= MIN_FRAGMENT and _squash(text) not in public
    ]


def test_release_layout(release):
    top = sorted(p.name for p in release.iterdir())
    assert top == [
        "README.md",
        "autograder",
        "conftest.py",
        "data",
        "exercises",
        "notebooks",
        "pyproject.toml",
        "tests",
    ]
    stubs = sorted(p.name for p in (REPO / "exercises").glob("*.py"))
    assert sorted(p.name for p in (release / "exercises").iterdir()) == stubs
    public = sorted(p.name for p in (REPO / "tests" / "public").glob("*.py"))
    assert sorted(p.name for p in (release / "tests" / "public").iterdir()) == public
    notebooks = sorted(f"{Path(s).stem}.ipynb" for s in stubs if s != "__init__.py")
    assert sorted(p.name for p in (release / "notebooks").iterdir()) == notebooks
    engine = sorted(
        str(p.relative_to(release)) for p in (release / "autograder").rglob("*") if p.is_file()
    )
    kit = sorted(str(p.relative_to(REPO)) for p in (REPO / KIT_DIR).rglob("*.py"))
    assert engine == sorted(["autograder/__init__.py", *kit])  # the student kit, whole
    assert (release / KIT_DIR / "datagen.py").is_file()  # students make their data


def test_no_secret_file_names(release, student_zip):
    with zipfile.ZipFile(student_zip) as archive:
        names = archive.namelist()
    paths = [str(p.relative_to(release)) for p in release.rglob("*")]
    assert sorted(n.removeprefix(f"{RELEASE_DIR}/") for n in names) == sorted(
        p for p in paths if (release / p).is_file()
    )
    for path in paths + names:
        parts = set(Path(path).parts)
        assert not parts & SECRET_DIRS, path
        assert not (
            Path(path).name.startswith("test_")
            and not path.removeprefix(f"{RELEASE_DIR}/").startswith("tests/public/")
        ), path
    assert not any(p.endswith((".pyc", ".zip")) or "__pycache__" in p for p in paths)


def _leaks(texts: dict[str, str]) -> list[tuple[str, str]]:
    """(secret fragment, file) for every secret fragment found in a file's text."""
    squashed = {name: _squash(text) for name, text in texts.items()}
    return [
        (where, name)
        for where, fragment in _secret_fragments()
        for name, text in squashed.items()
        if fragment in text
    ]


def test_no_secret_code_in_any_file(release, student_zip):
    assert len(_secret_fragments()) > 20  # the scan has something to look for
    leaks = _leaks(_release_texts(release, student_zip))
    assert not leaks, leaks[:10]


@pytest.mark.parametrize(
    "secret",
    ["solutions/metrics.py", "autograder/hidden/test_metrics.py", "autograder/probes/metrics.py"],
)
def test_scan_finds_a_leaked_file(secret):
    """The scan can fail: a secret file pasted into a notebook or module is found."""
    text = (REPO / secret).read_text(encoding="utf-8")
    assert _leaks({"notebooks/metrics.ipynb": textwrap.indent(text, "    ")})


def test_release_imports_only_what_it_ships(release):
    """Every `autograder` import in the release resolves to a shipped module."""
    shipped = {
        str(p.relative_to(release).with_suffix("")).replace("/", ".") for p in release.rglob("*.py")
    }
    shipped |= {m.removesuffix(".__init__") for m in shipped}
    for path in release.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                if name.split(".")[0] in ("autograder", "solutions"):
                    assert name in shipped or name.rsplit(".", 1)[0] in shipped, (
                        f"{path.relative_to(release)} imports {name}"
                    )


def test_release_commands_work_on_their_own(release, tmp_path):
    """check, submit and notebooks run from the release's own copy of the engine; grade and
    build are not there."""
    import shutil

    course = tmp_path / "course"
    shutil.copytree(release, course)
    script = textwrap.dedent("""
        import sys
        import autograder
        from autograder.kit.cli import build_parser, main
        assert autograder.__file__.startswith(sys.argv[1]), autograder.__file__
        parser = build_parser()
        commands = sorted(parser._subparsers._group_actions[0].choices)
        print("commands:", " ".join(commands))
        print("submit:", main(["submit"]))
        print("check:", main(["check", "metrics"]))
    """)
    result = subprocess.run(
        [sys.executable, "-c", script, str(course)],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "commands: check notebooks submit" in result.stdout, result.stdout + result.stderr
    assert "submit: 0" in result.stdout
    with zipfile.ZipFile(course / "submission.zip") as archive:
        assert "exercises/metrics.py" in archive.namelist()
    assert "check: 1" in result.stdout
    assert re.search(r"metrics\s+not started", result.stdout), result.stdout


def test_student_pyproject_installs_the_commands_and_registers_markers(release):
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    project = tomllib.loads((release / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"] == {"torchgrade": "autograder.kit.cli:main"}
    assert project["tool"]["setuptools"]["packages"]["find"]["include"] == [
        "autograder*",
        "exercises*",
    ]
    assert not any("otter" in d for d in project["project"]["dependencies"])
    markers = " ".join(project["tool"]["pytest"]["ini_options"]["markers"])
    assert all(f"{name}:" in markers for name in EXERCISE_NAMES)
    readme = (release / "README.md").read_text(encoding="utf-8")
    for command in (
        "pip install -e .",
        "torchgrade check",
        "torchgrade submit",
        "python -m autograder.kit.datagen",
        "torchgrade notebooks --extract",
    ):
        assert command in readme


def test_student_zip_is_reproducible(release, tmp_path, student_zip):
    again = zip_folder(release, tmp_path / "again.zip", RELEASE_DIR)
    assert again.read_bytes() == student_zip.read_bytes()


def test_release_installs_the_cpu_torch_by_default(release) -> None:
    """README: the CPU-only wheels first, with pyproject's own torch pins, and the measured
    environment size; pyproject: uv takes torch and torchvision from the CPU index."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    from autograder.commands.build import CPU_TORCH_INDEX, ENV_SIZE_CPU, torch_requirements

    readme = (release / "README.md").read_text(encoding="utf-8")
    setup = readme[readme.index("## Set up") : readme.index("## Work")]
    install = next(line for line in setup.splitlines() if "--index-url" in line)
    pins = {
        r for r in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    assert set(torch_requirements()) <= pins and len(torch_requirements()) == 2
    for requirement in torch_requirements():
        assert f'"{requirement}"' in install
    assert install.endswith(f"--index-url {CPU_TORCH_INDEX}") and "/cpu" in CPU_TORCH_INDEX
    assert setup.index(install) < setup.index("pip install -e .")
    assert f"about {ENV_SIZE_CPU}" in setup and "NVIDIA GPU" in setup
    project = tomllib.loads((release / "pyproject.toml").read_text(encoding="utf-8"))
    index = {i["name"]: i["url"] for i in project["tool"]["uv"]["index"]}
    for name in ("torch", "torchvision"):
        (source,) = project["tool"]["uv"]["sources"][name]
        assert index[source["index"]] == CPU_TORCH_INDEX
