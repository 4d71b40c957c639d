"""Mutants: one realistic bug in one exercise, made by a text replacement in a solution.

The catalogue lives in `tests/mutants/<exercise>.py` (a list `MUTANTS`). CI grades every
mutant and asserts it loses points in its own exercise and nowhere else; variants marked
`correct=True` are differently written but correct code and must keep full marks.
`build_submission` also makes the mixed submissions of the throughput benchmark.
"""

from __future__ import annotations

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
            mutants.append(
                Mutant(
                    mutant.name, mutant.description, dict(mutant.replace), mutant.correct, exercise
                )
            )
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
            text = mutant.apply(text)
        (package / f"{exercise}.py").write_text(text, encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    return dest
