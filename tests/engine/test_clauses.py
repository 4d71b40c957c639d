"""Every graded rule is visible to the student: each hidden test names, with
`@pytest.mark.clause(name, text)`, the clause of the stub docstring it grades (`name` is a
contract name, or "module" for the module docstring), and that clause is there. Rule tests
(`@pytest.mark.rule`, every test with a raises check) also need the grading note of the
module docstring. The hidden suites are read with `ast`, not imported."""

from __future__ import annotations

import ast
import importlib
import inspect
import json

import pytest

from autograder.authoring.contract import CONTRACT
from autograder.judge.suites import HIDDEN_DIR
from autograder.kit.registry import EXERCISE_NAMES

GRADING_NOTE = "earns its points only when the function it concerns also returns correct values"


def normalised(text: str) -> str:
    return " ".join(text.split()).lower()


def _marker(decorator: ast.expr) -> tuple[str, ast.Call | None]:
    """('clause', call) for `@pytest.mark.clause(...)`, ('rule', None) for `@pytest.mark.rule`."""
    call = decorator if isinstance(decorator, ast.Call) else None
    target = call.func if call is not None else decorator
    if isinstance(target, ast.Attribute) and ast.unparse(target.value) == "pytest.mark":
        return target.attr, call
    return "", None


def hidden_tests(exercise: str) -> list[dict]:
    tree = ast.parse((HIDDEN_DIR / f"test_{exercise}.py").read_text(encoding="utf-8"))
    tests = []
    for node in tree.body:
        if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test_")):
            continue
        clauses, rule = [], False
        for decorator in node.decorator_list:
            kind, call = _marker(decorator)
            if kind == "clause" and call is not None:
                clauses.append(tuple(ast.literal_eval(a) for a in call.args))
            rule = rule or kind == "rule"
        calls = {ast.unparse(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
        raises = bool(calls & {"student_raises", "require_raised"})
        tests.append({"name": node.name, "clauses": clauses, "rule": rule, "raises": raises})
    return tests


def docstring_of(exercise: str, name: str) -> str:
    """What the student reads about `name`: its signature (defaults) and its docstring."""
    module = importlib.import_module(f"exercises.{exercise}")
    if name == "module":
        return normalised(module.__doc__ or "")
    target = getattr(module, name)
    signature = inspect.signature(target.__init__ if inspect.isclass(target) else target)
    parameters = ", ".join(
        p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}"
        for p in signature.parameters.values()
        if p.name != "self"
    )
    return normalised(f"{name}({parameters}) {target.__doc__ or ''}")


def clause_problems(exercise: str, tests: list[dict]) -> list[str]:
    problems = []
    for test in tests:
        if not test["clauses"]:
            problems.append(f"{test['name']}: no @pytest.mark.clause")
        for name, text in test["clauses"]:
            if name != "module" and name not in CONTRACT[exercise]:
                problems.append(f"{test['name']}: {name!r} is not in the contract")
            elif normalised(text) not in docstring_of(exercise, name):
                problems.append(f"{test['name']}: {name} docstring lacks {text!r}")
        if test["raises"] and not test["rule"]:
            problems.append(f"{test['name']}: a raises check outside a @pytest.mark.rule test")
        if test["rule"] and GRADING_NOTE not in docstring_of(exercise, "module"):
            problems.append(f"{test['name']}: the module docstring lacks the grading note")
    return problems


@pytest.mark.parametrize("exercise", EXERCISE_NAMES)
def test_every_hidden_test_grades_a_stated_clause(exercise):
    problems = clause_problems(exercise, hidden_tests(exercise))
    assert not problems, "\n".join(problems)


def test_the_check_fails_for_a_missing_clause():
    """A test without a clause, a clause the stub does not state, and a raises check
    outside a rule test are each reported."""
    tests = [
        {"name": "test_a", "clauses": [], "rule": False, "raises": False},
        {
            "name": "test_b",
            "clauses": [("cross_entropy", "targets wrap around silently")],
            "rule": False,
            "raises": False,
        },
        {
            "name": "test_c",
            "clauses": [("cross_entropy", "Raises ValueError for a target outside [0, C)")],
            "rule": False,
            "raises": True,
        },
    ]
    problems = clause_problems("softmax", tests)
    assert [p.split(":")[0] for p in problems] == ["test_a", "test_b", "test_c"]


def test_the_notebooks_carry_the_same_text(tmp_path):
    """Students also read the notebooks (built from the stubs): the clauses are there too."""
    from autograder.kit.notebooks import write_notebooks

    (notebook,) = write_notebooks(tmp_path, ["softmax"])
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    text = normalised(" ".join("".join(cell["source"]) for cell in cells))
    assert normalised("Raises ValueError for a target outside [0, C)") in text
    assert GRADING_NOTE.split(" the function")[0] in text
