"""The import rules of CONTRIBUTING.md ("The parts"), checked on the source.

Every import is found statically (`import x`, `from x import y`, at any depth, and module
names written as strings for `importlib`), so a lazy import inside a function counts too.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# What `from autograder import NAME` can import as a module: autograder's modules and packages.
PACKAGE_MODULES = {p.stem for p in (REPO / "autograder").iterdir() if not p.name.startswith("_")}


@dataclass(frozen=True)
class Rule:
    """Modules in `files` may import of `autograder` only what `allowed` names."""

    what: str
    files: tuple[str, ...]  # glob patterns, relative to the repository
    allowed: tuple[str, ...]  # module prefixes; "autograder" alone is the package's __init__

    def sources(self, root: Path = REPO) -> list[Path]:
        return sorted({p for pattern in self.files for p in root.glob(pattern)})

    def permits(self, module: str) -> bool:
        if module != "autograder" and not module.startswith("autograder."):
            return True  # the standard library and third-party packages
        return any(
            module == a or (a != "autograder" and module.startswith(f"{a}.")) for a in self.allowed
        )


RULES = (
    Rule(
        "the student kit never imports the grader",
        ("autograder/kit/**/*.py",),
        ("autograder", "autograder.kit"),
    ),
    Rule(
        "data generation imports nothing of the engine",
        ("autograder/kit/datagen.py", "data/*.py"),
        ("autograder.kit.datagen",),
    ),
    Rule(
        "exercises and solutions import nothing of the engine (only the data's facts)",
        ("exercises/*.py", "solutions/*.py"),
        ("autograder.kit.datagen",),
    ),
    Rule(
        "reports read results, never run the judge, the sandbox or the commands",
        ("autograder/report/*.py",),
        (
            "autograder",
            "autograder.files",
            "autograder.kit",
            "autograder.report",
            "autograder.result",
        ),
    ),
    Rule(
        "the result model depends on nothing that grades or reports",
        ("autograder/result.py", "autograder/files.py"),
        ("autograder", "autograder.files", "autograder.kit"),
    ),
)


def imported_modules(source: str) -> set[str]:
    """Every module `source` imports, plus module-like strings beginning with autograder."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from autograder import report` imports autograder.report
            if node.module == "autograder":
                found.update(
                    f"autograder.{alias.name}"
                    for alias in node.names
                    if alias.name in PACKAGE_MODULES
                )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if text.startswith("autograder.") and text.replace(".", "").isidentifier():
                found.add(text)
    return found


def violations(rule: Rule, root: Path = REPO) -> list[str]:
    found = []
    for path in rule.sources(root):
        for module in sorted(imported_modules(path.read_text(encoding="utf-8"))):
            if not rule.permits(module):
                found.append(f"{path.relative_to(root)} imports {module}")
    return found


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.what)
def test_import_rule(rule: Rule) -> None:
    assert rule.sources(), f"no files match {rule.files}"
    assert violations(rule) == [], rule.what


# --- the rules catch what they must -----------------------------------------------------------

BREAKS = {
    "the student kit never imports the grader": (
        "autograder/kit/commands/check.py",
        "def run():\n    from autograder.judge.pipeline import grade_one\n",
    ),
    "data generation imports nothing of the engine": (
        "autograder/kit/datagen.py",
        "from autograder.kit import registry\n",
    ),
    "exercises and solutions import nothing of the engine (only the data's facts)": (
        "solutions/metrics.py",
        "import autograder.judge.checks\n",
    ),
    "reports read results, never run the judge, the sandbox or the commands": (
        "autograder/report/html.py",
        "import importlib\nimportlib.import_module('autograder.sandbox.backend')\n",
    ),
    "the result model depends on nothing that grades or reports": (
        "autograder/result.py",
        "from autograder import report\n",
    ),
}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.what)
def test_each_rule_fails_when_broken(rule: Rule, tmp_path: Path) -> None:
    """A copy of the sources with one forbidden import added: the rule reports exactly it."""
    broken_file, forbidden = BREAKS[rule.what]
    for path in rule.sources():
        copy = tmp_path / path.relative_to(REPO)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert violations(rule, tmp_path) == []
    target = tmp_path / broken_file
    target.write_text(target.read_text(encoding="utf-8") + forbidden, encoding="utf-8")
    found = violations(rule, tmp_path)
    assert len(found) == 1 and found[0].startswith(broken_file), found


def test_every_rule_has_a_breaking_example() -> None:
    assert set(BREAKS) == {rule.what for rule in RULES}
