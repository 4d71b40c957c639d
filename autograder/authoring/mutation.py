"""Mutants: one realistic bug in one exercise, made by a text replacement in a solution.

The catalogue lives in `tests/mutants/<exercise>.py` (a list `MUTANTS`). CI grades every
mutant and asserts it loses points in its own exercise and nowhere else; variants marked
`correct=True` are differently written but correct code and must keep full marks.
`build_submission` also makes the mixed submissions of the throughput benchmark.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from autograder.kit.registry import EXERCISE_NAMES

REPO_ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_DIR = REPO_ROOT / "tests" / "mutants"


@dataclass(frozen=True)
class Mutant:
    name: str  # unique, snake_case, starts with the exercise name
    description: str  # one line: the bug, as a student would write it
    replace: dict[str, str] = field(default_factory=dict)  # old text -> new text
    correct: bool = False  # True: an alternative correct variant (must score 100 %)
    exercise: str = ""  # filled in from the catalogue file name
    # How the file is saved, as some editors save it: a UTF-8 byte-order mark, CRLF line
    # ends, tabs for indentation. Python imports such a file unchanged.
    bom: bool = False
    newline: str = "\n"
    tabs: bool = False

    def apply(self, source: str) -> str:
        for old, new in self.replace.items():
            count = source.count(old)
            if count != 1:
                raise ValueError(
                    f"mutant {self.name}: {old!r} occurs {count} times in the "
                    f"solution (must be exactly once)"
                )
            source = source.replace(old, new)
        return source

    @property
    def reshapes_file(self) -> bool:
        return self.bom or self.newline != "\n" or self.tabs

    def render(self, source: str) -> bytes:
        """The mutated module as the bytes of its file (see `bom`, `newline`, `tabs`)."""
        text = self.apply(source)
        if self.tabs:  # every 4 leading spaces become a tab
            lines = []
            for line in text.split("\n"):
                stripped = line.lstrip(" ")
                depth = (len(line) - len(stripped)) // 4
                lines.append("\t" * depth + line[depth * 4 :])
            text = "\n".join(lines)
        data = text.replace("\n", self.newline).encode("utf-8")
        return (b"\xef\xbb\xbf" if self.bom else b"") + data


def saved_by_windows_editor(name: str, tabs: bool = True) -> Mutant:
    """The solution unchanged but saved with a UTF-8 byte-order mark, CRLF line ends (and
    tabs): Python imports it, so it must keep full marks."""
    how = "UTF-8 byte-order mark, CRLF line ends" + (", tabs" if tabs else "")
    return Mutant(
        name,
        f"the module saved by a Windows editor: {how} (correct)",
        bom=True,
        newline="\r\n",
        tabs=tabs,
        correct=True,
    )


def load_catalogue(directory: Path = CATALOGUE_DIR) -> list[Mutant]:
    mutants: list[Mutant] = []
    for exercise in EXERCISE_NAMES:
        path = directory / f"{exercise}.py"
        if not path.exists():
            continue
        spec = importlib.util.spec_from_file_location(f"_mutants_{exercise}", path)
        module = importlib.util.module_from_spec(spec)
        assert spec.loader is not None
        spec.loader.exec_module(module)
        for mutant in module.MUTANTS:
            mutants.append(dataclasses.replace(mutant, exercise=exercise))
    names = [m.name for m in mutants]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"duplicate mutant names: {sorted(duplicates)}")
    return mutants


def build_submission(
    dest: Path, source_package: str = "solutions", mutant: Mutant | None = None
) -> Path:
    """Write `dest/exercises/` from `solutions/` (or `exercises/`), with `mutant` applied."""
    package = dest / "exercises"
    package.mkdir(parents=True, exist_ok=True)
    for exercise in EXERCISE_NAMES:
        source = REPO_ROOT / source_package / f"{exercise}.py"
        if not source.exists():  # an exercise not written yet
            continue
        text = source.read_text(encoding="utf-8")
        if mutant is not None and mutant.exercise == exercise:
            (package / f"{exercise}.py").write_bytes(mutant.render(text))
        else:
            (package / f"{exercise}.py").write_text(text, encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    return dest


# Bodies of a submission that does not work: every function returns one fixed wrong value,
# or raises, whatever its arguments. It must score what the stubs score (0): rule and
# raises tests pay only for working code.
FIXED_BODIES = {
    "none": "return None",
    "zero": "return 0",
    "minus_one": "return -1.0",
    "one": "return 1.0",
    "array": "return np.zeros(3)",
    "tensor": "return torch.zeros(3)",
    "pair": "return (0.0, 0.0)",
    "text": "return 'x'",
    "raises_value_error": "raise ValueError('no')",
    "raises_type_error": "raise TypeError('no')",
}


def fixed_value_module(exercise: str, body: str) -> str:
    """A module with every contract name of `exercise` (constants copied from the solutions)
    and each function's or method's body replaced by `body`. numpy_backprop imports no torch
    (its "does not use torch" rule must still pay nothing)."""
    import inspect

    from autograder.authoring.contract import CONTRACT

    solution = importlib.import_module(f"solutions.{exercise}")
    uses_torch = exercise != "numpy_backprop"
    if not uses_torch:
        body = body.replace("torch.zeros", "np.zeros")
    lines = ["import numpy as np"]
    if uses_torch:
        lines += ["import torch", "from torch import nn", "from torch.utils.data import Dataset"]
    for name, parameters in CONTRACT[exercise].items():
        value = getattr(solution, name)
        if parameters is None:
            lines.append(f"{name} = {value!r}")
        elif inspect.isclass(value):
            base = "nn.Module" if "Module" in [c.__name__ for c in value.__mro__] else "Dataset"
            lines += [
                f"class {name}({base}):",
                f"    def __init__(self{', ' if parameters else ''}{parameters}):",
                "        super().__init__()",
                "    def forward(self, *args, **kwargs):",
                f"        {body}",
                "    def __len__(self):",
                f"        {body}",
                "    def __getitem__(self, index):",
                f"        {body}",
            ]
        else:
            lines += [f"def {name}({parameters}):", f"    {body}"]
    return "\n".join(lines) + "\n"


def build_fixed_value_submission(dest: Path, kind: str) -> Path:
    """`dest/exercises/` where every function of every exercise has FIXED_BODIES[kind]."""
    package = dest / "exercises"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    for exercise in EXERCISE_NAMES:
        module = fixed_value_module(exercise, FIXED_BODIES[kind])
        (package / f"{exercise}.py").write_text(module, encoding="utf-8")
    return dest
