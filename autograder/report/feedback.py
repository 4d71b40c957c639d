"""The feedback a student reads about one graded submission: what to fix first.

One structure, three renderings: `feedback.md`, the per-submission `feedback.html` and the
plain text of the Gradescope `output`. `render_feedback(results, fmt)` is the one entry
point; every rendering shows

- the total, then one status line per exercise (an exercise not started is one line:
  "not started: N tests, P points — start with <the stub's hint>");
- the exercises with failures, most points lost first; inside each, failures that share
  an error are one entry with a count, ordered by points; then the passed tests on one line.

Built only from `results.json`, whose messages are already safe (no hidden source, no
expected values). Messages may quote the student's own exceptions, so they are printed as
code (Markdown) or escaped (HTML), never as markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from autograder.files import write_atomic
from autograder.kit.failure_messages import STUB_ERROR, cluster_key, first_line, stub_hint_of
from autograder.kit.registry import EXERCISE_NAMES, get_exercise
from autograder.report.data import FEEDBACK_HTML, FEEDBACK_MD, fmt_points
from autograder.result import GradeResult, load_result

MARKS = {"passed": "✔", "failed": "✘", "skipped": "–", "not started": "○", "partial": "◐"}
FORMATS = ("markdown", "html", "text")
LISTED_TESTS = 6  # a group of failures names this many tests, then "and N more"
WHAT_TO_DO = [
    "Make the zip with `torchgrade submit`: it packs the `exercises/` folder the grader looks for.",
    "Run `torchgrade check` (or `pytest tests/public`) before submitting: every module in "
    "`exercises/` must import without errors.",
    "Submit again. If the message above still appears, send it to the course staff.",
]
CLOSING = (
    "Each hint says what its test checks. A failed test says what went wrong with your "
    "code, never what the right answer is."
)


# --- the structure -------------------------------------------------------------------------


@dataclass
class TestRun:
    name: str  # "<exercise>::<test>"
    outcome: str  # passed | failed | skipped
    score: float
    max_score: float
    hint: str
    message: str

    @property
    def short(self) -> str:
        return self.name.split("::", 1)[-1]


@dataclass
class FailureGroup:
    """Failed tests of one exercise that stopped with the same (or a near-identical) error."""

    message: str  # the first test's message
    tests: list[TestRun] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(t.max_score for t in self.tests)


@dataclass
class ExerciseFeedback:
    name: str
    title: str
    score: float
    max_score: float
    failures: list[FailureGroup]  # most points first
    passed: list[TestRun]
    skipped: list[TestRun]

    @property
    def failed_tests(self) -> list[TestRun]:
        return [t for g in self.failures for t in g.tests]

    @property
    def state(self) -> str:
        """passed | not started | failed | partial | skipped."""
        failed = self.failed_tests
        if not failed:
            return "passed" if self.passed else "skipped"
        # Not started: nothing passes and most tests stop at a stub's NotImplementedError (the
        # rest check what a stub cannot do, e.g. raise ValueError for bad arguments).
        stubbed = sum(STUB_ERROR in t.message for t in failed)
        if not self.passed and 2 * stubbed >= len(failed):
            return "not started"
        return "partial" if self.passed else "failed"

    def stub_hint(self) -> str:
        """The stub's own hint, from the first unfinished function's NotImplementedError."""
        for test in self.failed_tests:
            hint = stub_hint_of(test.message)
            if hint:
                return hint
        return ""

    def status(self) -> str:
        """The exercise's one-line status (without its title and points)."""
        failed = self.failed_tests
        ran = len(failed) + len(self.passed)
        state = self.state
        if state == "passed":
            skipped = f", {len(self.skipped)} skipped (not counted)" if self.skipped else ""
            return f"all {ran} tests passed{skipped}"
        if state == "skipped":
            return f"not graded here: {len(self.skipped)} test(s) skipped, not counted"
        if state == "not started":
            hint = self.stub_hint()
            text = f"not started: {len(failed)} tests, {fmt_points(self.max_score)} points"
            return f"{text} — start with {hint}" if hint else text
        lost = fmt_points(sum(t.max_score for t in failed))
        text = f"{len(failed)} of {ran} tests failed ({lost} points)"
        if len(self.failures) == 1 and len(failed) > 1:
            text += f", all with one error: {first_line(self.failures[0].message)}"
        return text


@dataclass
class FeedbackPage:
    submission: str
    score: float
    max_score: float
    percent: float
    error: str  # non-empty: the submission could not be graded
    exercises: list[ExerciseFeedback]  # course order

    @property
    def to_fix(self) -> list[ExerciseFeedback]:
        """Exercises with failures worth a section, most points lost first."""
        started = [e for e in self.exercises if e.failures and e.state != "not started"]
        order = {e.name: i for i, e in enumerate(self.exercises)}
        return sorted(started, key=lambda e: (-sum(g.points for g in e.failures), order[e.name]))

    def counts(self) -> dict[str, int]:
        runs = [t for e in self.exercises for t in (*e.failed_tests, *e.passed, *e.skipped)]
        return {k: sum(t.outcome == k for t in runs) for k in ("passed", "failed", "skipped")}


def test_runs(data: dict) -> list[TestRun]:
    runs = []
    for test in data.get("tests", []):
        extra = test.get("extra_data", {})
        runs.append(
            TestRun(
                name=test["name"],
                outcome=extra.get("outcome") or test.get("status", "failed"),
                score=float(test.get("score", 0.0)),
                max_score=float(test.get("max_score", 0.0)),
                hint=extra.get("hint", ""),
                message=(extra.get("message") or "").strip("\n"),
            )
        )
    return runs


def exercise_of(test: dict | TestRun) -> str:
    if isinstance(test, TestRun):
        return test.name.split("::")[0]
    return (test.get("tags") or [test["name"].split("::")[0]])[0]


def group_failures(failed: list[TestRun]) -> list[FailureGroup]:
    groups: dict[str, FailureGroup] = {}
    for test in failed:
        key = cluster_key(test.message)
        groups.setdefault(key, FailureGroup(test.message)).tests.append(test)
    # Most points first; ties keep the suite's order.
    return sorted(groups.values(), key=lambda g: -g.points)


def exercise_title(name: str) -> str:
    try:
        return get_exercise(name).title
    except ValueError:
        return name


def feedback_page(results) -> FeedbackPage:
    """The structure every rendering shows, from one submission's results: the results.json
    data, or a result object that serialises to it (`to_gradescope()`)."""
    data = results.to_gradescope() if hasattr(results, "to_gradescope") else results
    extra = data.get("extra_data", {})
    scores = extra.get("exercises", {})
    runs = test_runs(data)
    names = [n for n in EXERCISE_NAMES if n in scores]
    names += [n for n in scores if n not in names]
    names += sorted({exercise_of(t) for t in runs} - set(names))
    exercises = []
    for name in names:
        mine = [t for t in runs if exercise_of(t) == name]
        points = scores.get(name, {})
        if not mine and not points.get("max_score"):
            continue  # the suite has no tests for it: not on the page
        exercises.append(
            ExerciseFeedback(
                name=name,
                title=exercise_title(name),
                score=float(points.get("score", 0.0)),
                max_score=float(points.get("max_score", 0.0)),
                failures=group_failures([t for t in mine if t.outcome == "failed"]),
                passed=[t for t in mine if t.outcome == "passed"],
                skipped=[t for t in mine if t.outcome == "skipped"],
            )
        )
    error = ""
    if extra.get("status") == "error":
        error = (extra.get("error") or "no reason was recorded").strip()
    return FeedbackPage(
        submission=str(extra.get("submission", "submission")),
        score=float(data.get("score", 0.0)),
        max_score=float(extra.get("max_score", 0.0)),
        percent=float(extra.get("percent", 0.0)),
        error=error,
        exercises=exercises,
    )


def test_names(tests: list[TestRun], code, limit: int = LISTED_TESTS) -> str:
    """The first `limit` test names, each through `code`, then "and N more"."""
    names = ", ".join(code(t.short) for t in tests[:limit])
    return names + (f" and {len(tests) - limit} more" if len(tests) > limit else "")


def points_of(tests: list[TestRun]) -> str:
    total = sum(t.max_score for t in tests)
    return f"{fmt_points(total)} point{'' if total == 1 else 's'}"


def group_size(group: FailureGroup) -> str:
    count = len(group.tests)
    same = ", same error" if count > 1 else ""
    return f"{count} test{'' if count == 1 else 's'}{same}, {points_of(group.tests)}"


def total_line(page: FeedbackPage) -> str:
    return (
        f"Total: {fmt_points(page.score)} / {fmt_points(page.max_score)} points "
        f"({fmt_points(page.percent)} %)"
    )


def counts_line(page: FeedbackPage) -> str:
    counts = page.counts()
    text = f"{counts['passed']} test(s) passed, {counts['failed']} failed"
    if counts["skipped"]:
        text += f", {counts['skipped']} skipped (not counted in the maximum)"
    return text + "."


# --- Markdown and plain text ---------------------------------------------------------------


def longest_run(text: str, char: str) -> int:
    return max((len(m) for m in re.findall(f"{re.escape(char)}+", text)), default=0)


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


class TextStyle:
    """Plain text (the Gradescope output): no markup at all."""

    def code(self, text: str) -> str:
        return text

    def strong(self, text: str) -> str:
        return text

    def heading(self, text: str) -> list[str]:
        return [text, "-" * len(text)]

    def block(self, text: str, indent: str) -> list[str]:
        return [f"{indent}    {line}" for line in text.splitlines()]

    def prose(self, text: str) -> str:
        """Text whose `code spans` are written in Markdown."""
        return text.replace("`", "")

    def plain(self, text: str) -> str:
        """Text from results.json shown as it is."""
        return text


class MarkdownStyle(TextStyle):
    def code(self, text: str) -> str:
        return inline_code(text)

    def strong(self, text: str) -> str:
        return f"**{text}**"

    def heading(self, text: str) -> list[str]:
        return [f"## {text}"]

    def block(self, text: str, indent: str) -> list[str]:
        return code_block(text, indent + "  ")

    def prose(self, text: str) -> str:
        return text


def status_line(ex: ExerciseFeedback, style: TextStyle) -> str:
    status = ex.status()
    if ex.state == "not started" and ex.stub_hint():
        head, _, hint = status.partition(" — start with ")
        status = f"{head} — start with {style.code(hint)}"
    elif len(ex.failures) == 1 and ", all with one error: " in status:
        head, _, error = status.partition(", all with one error: ")
        status = f"{head}, all with one error: {style.code(error)}"
    points = f"{fmt_points(ex.score)} / {fmt_points(ex.max_score)}"
    return (
        f"- {MARKS[ex.state]} {style.strong(ex.title)} ({style.code(ex.name)}) — {points}: {status}"
    )


def failure_lines(group: FailureGroup, style: TextStyle) -> list[str]:
    names = test_names(group.tests, style.code)
    lines = [f"- {MARKS['failed']} {names} ({group_size(group)})"]
    hints = list(dict.fromkeys(t.hint for t in group.tests if t.hint))
    for hint in hints[:2]:
        lines.append(f"  Hint: {hint}")
    message = group.message or "The test failed."
    if "\n" in message:
        lines += ["  What went wrong:", "", *style.block(message, ""), ""]
    else:
        lines.append(f"  What went wrong: {style.code(message)}")
    return lines


def passed_line(ex: ExerciseFeedback, style: TextStyle) -> str:
    names = test_names(ex.passed, style.code, 8)
    return f"- {MARKS['passed']} {len(ex.passed)} passed ({points_of(ex.passed)}): {names}"


def skipped_line(ex: ExerciseFeedback, style: TextStyle) -> str:
    reasons = "; ".join(dict.fromkeys(first_line(t.message) for t in ex.skipped))
    names = test_names(ex.skipped, style.code)
    return (
        f"- {MARKS['skipped']} {len(ex.skipped)} skipped, not counted: {names} "
        f"({style.plain(reasons)})"
    )


def error_lines(page: FeedbackPage, style: TextStyle) -> list[str]:
    lines = [
        style.strong(
            f"Your submission could not be graded, so it scored 0 / "
            f"{fmt_points(page.max_score)} points."
        ),
        "",
        "The grader stopped with:",
        "",
        *style.block(page.error, ""),
        "",
        *style.heading("What to do"),
        "",
    ]
    return lines + [f"{i}. {style.prose(step)}" for i, step in enumerate(WHAT_TO_DO, 1)]


def text_lines(page: FeedbackPage, style: TextStyle) -> list[str]:
    if page.error:
        return error_lines(page, style)
    lines = [style.strong(total_line(page)), "", counts_line(page), ""]
    lines += [*style.heading("Exercises"), ""]
    lines += [status_line(ex, style) for ex in page.exercises]
    to_fix = page.to_fix
    if to_fix:
        lines += ["", "Fix first: the exercises below, most points lost first."]
    for ex in to_fix:
        points = f"{fmt_points(ex.score)} / {fmt_points(ex.max_score)}"
        lines += ["", *style.heading(f"{ex.title} ({style.code(ex.name)}) — {points}"), ""]
        for group in ex.failures:
            lines += failure_lines(group, style)
        if ex.passed:
            lines.append(passed_line(ex, style))
        if ex.skipped:
            lines.append(skipped_line(ex, style))
    return [*lines, "", CLOSING]


def render_markdown(page: FeedbackPage) -> str:
    lines = [f"# Feedback for {inline_code(page.submission)}", ""]
    return "\n".join([*lines, *text_lines(page, MarkdownStyle())]) + "\n"


def render_text(page: FeedbackPage) -> str:
    return "\n".join(text_lines(page, TextStyle())) + "\n"


# --- HTML ----------------------------------------------------------------------------------

PAGE_CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328;
       background: #f6f8fa; margin: 0; }
main { max-width: 900px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 22px 0 8px; }
.total { font-size: 18px; font-weight: 600; margin: 8px 0 2px; }
.muted { color: #59636e; }
ul { list-style: none; padding: 0; margin: 0; }
li { background: #fff; border: 1px solid #d1d9e0; border-radius: 6px; padding: 6px 10px;
     margin: 0 0 6px; }
.st-passed { border-left: 5px solid #3a9a5b; } .st-failed { border-left: 5px solid #d0453a; }
.st-partial { border-left: 5px solid #e0a030; } .st-not-started { border-left: 5px solid #9aa0a6; }
.st-skipped { border-left: 5px solid #d1d9e0; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
       background: #eff1f3; padding: 1px 4px; border-radius: 4px; }
pre { background: #eff1f3; padding: 8px 10px; border-radius: 6px; overflow-x: auto;
      font-size: 13px; margin: 6px 0 2px; }
.hint { color: #3d4751; }
.error { border-left: 5px solid #d0453a; }
"""


class HtmlStyle(TextStyle):
    """For lines shared with the text renderings: names as <code>, the rest escaped by
    the caller's own parts (test names and reasons come from results.json)."""

    def code(self, text: str) -> str:
        return html_code(text)

    def plain(self, text: str) -> str:
        return escape(text)


def html_prose(text: str) -> str:
    """Escaped text whose Markdown `code spans` become <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text))


def html_status(ex: ExerciseFeedback) -> str:
    status = escape(ex.status())
    hint = ex.stub_hint()
    if ex.state == "not started" and hint:
        status = status.replace(escape(hint), f"<code>{escape(hint)}</code>")
    points = f"{fmt_points(ex.score)} / {fmt_points(ex.max_score)}"
    return (
        f'<li class="st-{ex.state.replace(" ", "-")}">{MARKS[ex.state]} '
        f"<strong>{escape(ex.title)}</strong> <code>{escape(ex.name)}</code> — {points}: "
        f"{status}</li>"
    )


def html_message(message: str) -> str:
    message = message or "The test failed."
    if "\n" in message:
        return f"<pre>{escape(message)}</pre>"
    return f"<div>What went wrong: <code>{escape(message)}</code></div>"


def html_code(text: str) -> str:
    return f"<code>{escape(text)}</code>"


def html_failure(group: FailureGroup) -> str:
    names = test_names(group.tests, html_code)
    hints = list(dict.fromkeys(t.hint for t in group.tests if t.hint))[:2]
    hint_html = "".join(f'<div class="hint">Hint: {escape(h)}</div>' for h in hints)
    return (
        f'<li class="st-failed">{MARKS["failed"]} {names} ({group_size(group)})'
        f"{hint_html}{html_message(group.message)}</li>"
    )


def html_body(page: FeedbackPage) -> list[str]:
    if page.error:
        steps = "".join(f"<li>{html_prose(step)}</li>" for step in WHAT_TO_DO)
        return [
            f'<p class="total">Your submission could not be graded, so it scored 0 / '
            f"{fmt_points(page.max_score)} points.</p>",
            '<ul><li class="error">The grader stopped with:'
            f"<pre>{escape(page.error)}</pre></li></ul>",
            f"<h2>What to do</h2><ol>{steps}</ol>",
        ]
    parts = [
        f'<p class="total">{escape(total_line(page))}</p>',
        f'<p class="muted">{escape(counts_line(page))}</p>',
        "<h2>Exercises</h2><ul>",
        *(html_status(ex) for ex in page.exercises),
        "</ul>",
    ]
    if page.to_fix:
        parts.append('<p class="muted">Fix first: the exercises below, most points lost first.</p>')
    for ex in page.to_fix:
        points = f"{fmt_points(ex.score)} / {fmt_points(ex.max_score)}"
        parts.append(f"<h2>{escape(ex.title)} <code>{escape(ex.name)}</code> — {points}</h2><ul>")
        parts += [html_failure(g) for g in ex.failures]
        if ex.passed:
            parts.append(f'<li class="st-passed">{passed_line(ex, HtmlStyle())[2:]}</li>')
        if ex.skipped:
            parts.append(f'<li class="st-skipped">{skipped_line(ex, HtmlStyle())[2:]}</li>')
        parts.append("</ul>")
    parts.append(f'<p class="muted">{escape(CLOSING)}</p>')
    return parts


def render_html(page: FeedbackPage) -> str:
    title = f"Feedback for {page.submission}"
    return (
        "\n".join(
            [
                "<!doctype html>",
                '<html lang="en"><head><meta charset="utf-8">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                '<link rel="icon" href="data:,">',
                f"<title>{escape(title)}</title><style>{PAGE_CSS}</style></head><body><main>",
                f"<h1>{escape(title)}</h1>",
                *html_body(page),
                "</main></body></html>",
            ]
        )
        + "\n"
    )


RENDERERS = {"markdown": render_markdown, "html": render_html, "text": render_text}


def render_feedback(results, fmt: str = "markdown") -> str:
    """One submission's feedback from its results (the results.json data or a result with
    `to_gradescope()`), as `fmt`: markdown, html or text. The same structure in every format;
    the Gradescope `output` uses "text"."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown feedback format {fmt!r}; choose from {', '.join(FORMATS)}")
    return RENDERERS[fmt](feedback_page(results))


def write_feedback(results_json: Path) -> Path:
    """Write `feedback.md` and `feedback.html` beside `results_json` (read through the result
    model); return the .md path."""
    results_json = Path(results_json)
    result = load_result(results_json) or GradeResult.failed(
        results_json.parent.name,
        f"{results_json.name} could not be read; ask the course staff to grade this "
        "submission again",
    )
    page = feedback_page(result)
    write_atomic(results_json.with_name(FEEDBACK_HTML), render_html(page))
    return write_atomic(results_json.with_name(FEEDBACK_MD), render_markdown(page))
