"""What the otter/Gradescope autograder shows, to whom and when: `otter.toml` and build flags.

    # otter.toml (every key optional)
    exercises = ["softmax", "cnn"]   # the autograder grades only these (default: all nine)
    visibility = "visible"           # visible | hidden | after_due_date | after_published
    show_stdout = false              # Gradescope shows the autograder's stdout to students

    [visibility_of]                  # per exercise or per hidden test (its results.json name)
    training = "after_due_date"
    "cnn::test_resnet_block_shapes" = "hidden"

    [limits]                         # what the sandboxed student code may use (see `grade`)
    timeout = 10                     # seconds per call
    memory = "4G"

    [[leaderboard]]                  # Gradescope leaderboard columns
    name = "Digit classifier accuracy"
    value = "training:accuracy"      # a value a hidden test records (`record_value`)
    order = "desc"

`torchgrade build --otter-config FILE` reads such a file; `--exercises`, `--visibility
[TARGET=]VIS`, `--show-stdout` and `--leaderboard` override it. The settings travel in the
autograder zip as JSON (`SETTINGS_FILE`) and are applied by the trusted grader at grading time.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder.kit.registry import EXERCISE_NAMES

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
SETTINGS_FILE = "otter_settings.json"  # inside the engine folder of the zip
# The digit classifier's held-out accuracy, recorded by the training suite.
DIGITS_LEADERBOARD = {
    "name": "Digit classifier accuracy",
    "value": "training:accuracy",
    "order": "desc",
}


class SettingsError(ValueError):
    """A setting that cannot be used, phrased as what to change."""


@dataclass
class OtterSettings:
    exercises: list[str] = field(default_factory=lambda: list(EXERCISE_NAMES))
    visibility: str = "visible"
    visibility_of: dict[str, str] = field(default_factory=dict)  # exercise or test -> vis
    show_stdout: bool = False
    limits: dict[str, float | int] = field(default_factory=dict)
    leaderboard: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        unknown = [e for e in self.exercises if e not in EXERCISE_NAMES]
        if unknown or not self.exercises:
            raise SettingsError(
                f"unknown exercise(s) {', '.join(unknown) or '(none given)'}: "
                f"choose from {', '.join(EXERCISE_NAMES)}"
            )
        self.exercises = [e for e in EXERCISE_NAMES if e in self.exercises]  # course order
        for where, value in [("visibility", self.visibility), *self.visibility_of.items()]:
            if value not in VISIBILITIES:
                raise SettingsError(
                    f"visibility of {where} is {value!r}: use one of {', '.join(VISIBILITIES)}"
                )
        try:
            self.sandbox_limits()
        except (TypeError, ValueError) as exc:
            raise SettingsError(f"[limits]: {exc}") from None
        for entry in self.leaderboard:
            if not entry.get("name") or ":" not in str(entry.get("value", "")):
                raise SettingsError(
                    "a leaderboard entry needs a name and a value such as 'training:accuracy'"
                )
            if entry.get("order", "desc") not in ("asc", "desc"):
                raise SettingsError("a leaderboard entry's order is 'asc' or 'desc'")

    def visibility_for(self, test_name: str) -> str:
        """A test's visibility: its own setting, else its exercise's, else the default."""
        exercise = test_name.split("::")[0]
        return self.visibility_of.get(test_name, self.visibility_of.get(exercise, self.visibility))

    def sandbox_limits(self):
        """The sandbox limits: `torchgrade grade`'s defaults, with the [limits] set here."""
        from dataclasses import fields

        from autograder.sandbox.limits import Limits, parse_size

        known = {f.name: f for f in fields(Limits)}
        unknown = sorted(set(self.limits) - set(known))
        if unknown:
            raise ValueError(f"unknown limit(s) {', '.join(unknown)}: use {', '.join(known)}")
        values = {
            key: parse_size(value) if isinstance(value, str) else value
            for key, value in self.limits.items()
        }
        return Limits(**values)

    # --- files ---------------------------------------------------------------------------

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> OtterSettings:
        return cls(**json.loads(text))

    @classmethod
    def load(cls, folder: Path) -> OtterSettings:
        """The settings in `folder` (the engine folder of an unpacked zip), or the defaults."""
        path = Path(folder) / SETTINGS_FILE
        return cls.from_json(path.read_text(encoding="utf-8")) if path.is_file() else cls()

    @classmethod
    def from_toml(cls, path: Path) -> OtterSettings:
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise SettingsError(f"cannot read {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path} is not valid TOML: {exc}") from None
        known = {"exercises", "visibility", "visibility_of", "show_stdout", "limits", "leaderboard"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SettingsError(f"{path}: unknown key(s) {', '.join(unknown)}")
        return cls(**data)

    def with_flags(
        self,
        exercises: list[str] | None = None,
        visibility: list[str] | None = None,
        show_stdout: bool | None = None,
        leaderboard: bool = False,
    ) -> OtterSettings:
        """These settings with the build command's flags applied on top."""
        data = asdict(self)
        if exercises:
            data["exercises"] = list(exercises)
        for item in visibility or []:
            target, _, value = item.rpartition("=")
            if target:
                data["visibility_of"][target] = value
            else:
                data["visibility"] = value
        if show_stdout is not None:
            data["show_stdout"] = show_stdout
        if leaderboard and DIGITS_LEADERBOARD not in data["leaderboard"]:
            data["leaderboard"].append(dict(DIGITS_LEADERBOARD))
        return OtterSettings(**data)
