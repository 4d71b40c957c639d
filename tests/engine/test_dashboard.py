"""report.html for a class of 130+ submissions, looked at in a real headless Chromium, and
the feedback a student gets for a submission with one finished exercise.

The browser tests need Debian's `chromium` and `chromium-driver` (CI installs them, see
.ci/run); where they are missing they skip, unless TORCHGRADE_REQUIRE_BROWSER=1 says the
machine must have them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from autograder.kit.registry import EXERCISE_NAMES
from autograder.report import write_reports
from autograder.report.feedback import render_feedback

CLASS_SIZE = 130
SCREEN = (1366, 768)  # a laptop
MAX_SCREENS = 4


def browser_available() -> bool:
    return bool(shutil.which("chromium") and shutil.which("chromedriver"))


needs_browser = pytest.mark.skipif(
    not browser_available() and os.environ.get("TORCHGRADE_REQUIRE_BROWSER") != "1",
    reason="headless Chromium (apt-get install chromium chromium-driver) is not installed",
)


@pytest.fixture(scope="module")
def class_run(tmp_path_factory: pytest.TempPathFactory, synthetic) -> Path:
    out = tmp_path_factory.mktemp("class") / "grades-2026-autumn"
    Profile = synthetic.Profile
    plan = synthetic.class_of(CLASS_SIZE)
    plan["only-softmax"] = Profile(not_started=tuple(n for n in EXERCISE_NAMES if n != "softmax"))
    plan["cnn-syntax"] = Profile(syntax_error=("cnn",))
    plan["interrupted"] = Profile(pending=True)
    synthetic.write(out, plan)
    write_reports(out)
    return out


@pytest.fixture(scope="module")
def grades(class_run: Path) -> pd.DataFrame:
    return pd.read_csv(class_run / "grades.csv", keep_default_na=False)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={SCREEN[0]},{SCREEN[1]}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    yield driver
    driver.quit()


def open_page(browser, path: Path) -> None:
    browser.get(path.resolve().as_uri())
    browser.get_log("browser")  # drop anything from an earlier page


def column(browser, header: str) -> list[str]:
    return browser.execute_script(
        """
        const table = document.getElementById('submissions');
        const index = [...table.tHead.rows[0].cells].findIndex(
            th => th.firstChild.textContent.trim() === arguments[0]);
        return [...table.tBodies[0].rows].map(r => r.cells[index].getAttribute('data-v'));
        """,
        header,
    )


@needs_browser
def test_dashboard_in_a_browser(browser, class_run: Path, grades: pd.DataFrame, tmp_path) -> None:
    report = class_run / "report.html"
    open_page(browser, report)
    shot = tmp_path / "report.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []

    # Title says what the page is, not where it was written.
    assert "Grading report" in browser.title and "grades-2026-autumn" not in browser.title

    # Without opening anything, the page stays under four laptop screens.
    height = browser.execute_script("return document.documentElement.scrollHeight")
    assert height < MAX_SCREENS * SCREEN[1], height

    # Needs help: every graded submission with an exercise at 0 is named, lowest total first.
    maximum = {
        n: grades.loc[grades["status"] == "graded", n].astype(float).max() for n in EXERCISE_NAMES
    }
    graded = grades[grades["status"] == "graded"]
    at_zero = {
        r["submission"]
        for r in graded.to_dict("records")
        if any(float(r[n]) == 0 and maximum[n] > 0 for n in EXERCISE_NAMES)
    }
    assert {"only-softmax", "cnn-syntax"} <= at_zero
    listed = browser.execute_script(
        "return [...document.querySelectorAll('ol.help > li > a')].map(a => a.textContent)"
    )
    assert at_zero <= set(listed)
    percents = graded.set_index("submission")["percent"].astype(float)
    assert [percents[n] for n in listed] == sorted(percents[n] for n in listed)
    errors_listed = browser.find_element("css selector", "ul.errors").text
    for r in grades[grades["status"] == "error"].to_dict("records"):
        assert r["submission"] in errors_listed and r["error"] in errors_listed
    assert "interrupted pending" in errors_listed  # not graded yet is not an error

    # Sorting: click "%" once (ascending, empty cells last), again (descending).
    header = browser.find_element("xpath", "//table[@id='submissions']//th[text()='%']")
    header.click()
    values = column(browser, "%")
    numbers = [float(v) for v in values if v]
    assert numbers == sorted(numbers) and values[len(numbers) :] == [""] * (
        len(values) - len(numbers)
    )
    header.click()
    numbers = [float(v) for v in column(browser, "%") if v]
    assert numbers == sorted(numbers, reverse=True)
    browser.find_element("xpath", "//table[@id='submissions']//th[text()='submission']").click()
    names = column(browser, "submission")
    assert names == sorted(names, key=str.lower)

    # Filtering: "errors" keeps exactly the error rows.
    browser.find_element("css selector", "#filter-show option[value=error]").click()
    visible = browser.execute_script(
        "return [...document.querySelectorAll('#submissions tbody tr')]"
        ".filter(r => !r.hidden).map(r => r.cells[0].getAttribute('data-v'))"
    )
    assert sorted(visible) == sorted(grades.loc[grades["status"] == "error", "submission"])

    # Each name opens the student's rendered feedback page.
    link = browser.find_element("link text", "only-softmax")
    link.click()
    assert browser.title == "Feedback for only-softmax"
    assert "not started" in browser.find_element("tag name", "main").text
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_exercise_cells_coloured_and_error_rows_empty(class_run: Path, grades) -> None:
    html = (class_run / "report.html").read_text(encoding="utf-8")
    assert html.count("hsl(0,70%") >= 8  # exercises at 0 are red
    assert html.count("hsl(120,70%") > CLASS_SIZE  # full points are green
    errors = grades[grades["status"] != "graded"]
    assert (errors[list(EXERCISE_NAMES)] == "").all().all()


def test_one_finished_exercise_gets_a_short_page(synthetic, tmp_path) -> None:
    """Eight exercises not started and one done: a line each, nothing repeated."""
    others = tuple(n for n in EXERCISE_NAMES if n != "softmax")
    plan = {"alex": synthetic.Profile(not_started=others)}
    results = synthetic.write(tmp_path, plan)["alex"]
    for fmt in ("markdown", "text"):
        lines = [line for line in render_feedback(results, fmt).splitlines() if line.strip()]
        assert len(lines) <= 36, (fmt, len(lines))
        assert sum("not started:" in line for line in lines) == len(others)
        assert "NotImplementedError" not in "\n".join(lines)  # no traceback, not even one
        assert any("softmax" in line and "tests passed" in line for line in lines)
    text = render_feedback(results, "markdown")
    for name in others:
        tests = [t for t in results["tests"] if t["tags"] == [name]]
        points = sum(t["max_score"] for t in tests)
        line = next(x for x in text.splitlines() if f"(`{name}`)" in x)
        assert f"not started: {len(tests)} tests, {points:g} points — start with " in line
        assert f"{name}.first_function: start here" in line


HEADINGS = {  # how each format writes an exercise section's heading
    "markdown": "## {title} (`{name}`) — ",
    "text": "\n{title} ({name}) — ",
    "html": "<h2>{title} <code>{name}</code> — ",
}


@pytest.mark.parametrize("fmt", list(HEADINGS))
def test_failures_first_by_points_then_passes(synthetic, tmp_path, fmt: str) -> None:
    plan = {"sam": synthetic.Profile(syntax_error=("cnn",), wrong={"dnn": 2, "metrics": 1})}
    results = synthetic.write(tmp_path, plan)["sam"]
    page = render_feedback(results, fmt)
    lost = {}
    for name in ("cnn", "dnn", "metrics"):
        tests = [t for t in results["tests"] if t["tags"] == [name]]
        lost[name] = sum(t["max_score"] - t["score"] for t in tests)
    titles = {"cnn": "CNN shapes", "dnn": "Dense networks", "metrics": "Accuracy metrics"}
    starts = {
        name: page.index(HEADINGS[fmt].format(title=titles[name], name=name)) for name in lost
    }
    assert sorted(starts, key=starts.get) == sorted(lost, key=lambda n: -lost[n])
    # The syntax error is one entry with its count, not one per test.
    assert page.count("SyntaxError: invalid syntax") == 2  # the status line and the entry
    cnn_tests = sum(t["tags"] == ["cnn"] for t in results["tests"])
    assert f"{cnn_tests} tests, same error" in page
    # In each section: the failures, then one line of passes.
    dnn = page[starts["dnn"] :]
    assert dnn.index("logits:") < dnn.index("passed (")
