"""`feedback.md`: the page a student reads about one graded submission.

Built only from `results.json`, whose messages are already safe (no hidden source, no
expected values). Messages may quote the student's own exceptions, so they are printed as
code, never as Markdown or HTML.
"""

from __future__ import annotations

import re
from pathlib import Path

from autograder.files import read_json, write_atomic
from autograder.kit.registry import EXERCISE_NAMES, get_exercise
from autograder.report.data import FEEDBACK_MD, fmt_points

MARKS = {"passed": "✔", "failed": "✘", "skipped": "–"}
WHAT_TO_DO = [
    "Make the zip with `torchgrade submit`: it packs the `exercises/` folder the grader looks for.",
    "Run `torchgrade check` (or `pytest tests/public`) before submitting: every module in "
    "`exercises/` must import without errors.",
    "Submit again. If the message above still appears, send it to the course staff.",
]


def code_block(text: str, indent: str = "") -> list[str]:
    fence = "`" * max(3, longest_run(text, "`") + 1)
    return [
        f"{indent}{fence}text",
        *(f"{indent}{line}" for line in text.splitlines()),
        f"{indent}{fence}",
    ]


def inline_code(text: str) -> str:
    ticks = "`" * (longest_run(text, "`") + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def longest_run(text: str, char: str) -> int:
    return max((len(m) for m in re.findall(f"{re.escape(char)}+", text)), default=0)


def exercise_title(name: str) -> str:
    try:
        return get_exercise(name).title
    except ValueError:
        return name


def exercise_of(test: dict) -> str:
    return (test.get("tags") or [test["name"].split("::")[0]])[0]


def percent_of(score: float, max_score: float) -> str:
    return f"{100 * score / max_score:.0f} %" if max_score else "–"


def outcome_lines(test: dict) -> list[str]:
    """One list item: mark, name, points, then the hint and any message on their own lines."""
    extra = test.get("extra_data", {})
    outcome = extra.get("outcome") or test.get("status", "failed")
    short = test["name"].split("::", 1)[-1]
    if outcome == "skipped":
        points = "skipped, not counted"
    else:
        points = f"{fmt_points(test.get('score', 0.0))} / {fmt_points(test.get('max_score', 0.0))}"
    texts = [f"- {MARKS.get(outcome, '?')} {inline_code(short)} — {points}"]
    if extra.get("hint"):
        texts.append(f"Hint: {extra['hint']}")
    message = (extra.get("message") or "").strip("\n")
    block: list[str] = []
    if message and outcome != "passed":
        prefix = "Reason" if outcome == "skipped" else "What went wrong"
        if "\n" in message:
            texts.append(f"{prefix}:")
            block = ["", *code_block(message, "  ")]
        else:
            texts.append(f"{prefix}: {inline_code(message.strip())}")
    # Two trailing spaces: a line break inside the list item.
    return ["  \n  ".join(texts), *block]


def graded_page(data: dict) -> list[str]:
    extra = data.get("extra_data", {})
    exercises = extra.get("exercises", {})
    tests = data.get("tests", [])
    counts = {
        k: sum((t.get("extra_data", {}).get("outcome") or t.get("status")) == k for t in tests)
        for k in MARKS
    }
    lines = [
        f"**Total: {fmt_points(data.get('score', 0.0))} / "
        f"{fmt_points(extra.get('max_score', 0.0))} points "
        f"({fmt_points(extra.get('percent', 0.0))} %)**",
        "",
        f"{counts['passed']} test(s) passed, {counts['failed']} failed"
        + (
            f", {counts['skipped']} skipped (not counted in the maximum)"
            if counts["skipped"]
            else ""
        )
        + ".",
        "",
        "| Exercise | Points | Out of | % |",
        "|---|--:|--:|--:|",
    ]

    def tested(name: str) -> bool:  # exercises the suite has no tests for stay off the page
        return bool(exercises[name].get("max_score")) or any(exercise_of(t) == name for t in tests)

    names = [n for n in EXERCISE_NAMES if n in exercises and tested(n)]
    names += [n for n in exercises if n not in names and tested(n)]
    for name in names:
        score, top = exercises[name].get("score", 0.0), exercises[name].get("max_score", 0.0)
        lines.append(
            f"| {exercise_title(name)} (`{name}`) | {fmt_points(score)} | "
            f"{fmt_points(top)} | {percent_of(score, top)} |"
        )
    for name in names:
        ran = [t for t in tests if exercise_of(t) == name]
        if not ran:
            continue
        score, top = exercises[name].get("score", 0.0), exercises[name].get("max_score", 0.0)
        lines += ["", f"## {exercise_title(name)} — {fmt_points(score)} / {fmt_points(top)}", ""]
        for test in ran:
            lines += outcome_lines(test)
    lines += [
        "",
        "Each hint says what its test checks. A failed test says what went wrong with "
        "your code, never what the right answer is.",
    ]
    return lines


def error_page(data: dict) -> list[str]:
    extra = data.get("extra_data", {})
    error = (extra.get("error") or "no reason was recorded").strip()
    lines = [
        "**Your submission could not be graded, so it scored 0 "
        f"/ {fmt_points(extra.get('max_score', 0.0))} points.**",
        "",
        "The grader stopped with:",
        "",
        *code_block(error),
        "",
        "## What to do",
        "",
    ]
    lines += [f"{i}. {step}" for i, step in enumerate(WHAT_TO_DO, 1)]
    return lines


def render_feedback(data: dict) -> str:
    extra = data.get("extra_data", {})
    name = extra.get("submission", "submission")
    lines = [f"# Feedback for {inline_code(name)}", ""]
    lines += error_page(data) if extra.get("status") == "error" else graded_page(data)
    return "\n".join(lines) + "\n"


def write_feedback(results_json: Path) -> Path:
    """Write `feedback.md` beside `results_json` and return its path."""
    results_json = Path(results_json)
    data = read_json(results_json)
    if data is None:
        data = {
            "score": 0.0,
            "tests": [],
            "extra_data": {
                "submission": results_json.parent.name,
                "status": "error",
                "max_score": 0.0,
                "error": f"{results_json.name} could not be read; ask the course staff to grade "
                "this submission again",
            },
        }
    return write_atomic(results_json.with_name(FEEDBACK_MD), render_feedback(data))
