"""Reports built from a grading output folder: feedback.md, grades.xlsx, report.html and
the terminal summary, checked against a fixture folder written in Gradescope's format."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from autograder.kit.registry import EXERCISE_NAMES
from autograder.report import write_reports
from autograder.report.feedback import write_feedback
from autograder.report.html import write_report_html
from autograder.report.summary import summary_table
from autograder.report.xlsx import write_grades_xlsx

GRADES_COLUMNS = ["submission", "status", "score", "max_score", "percent", *EXERCISE_NAMES, "error"]
CUDA_REASON = "needs a CUDA GPU and none is available here; not counted in the maximum"

# name -> (points, hint): a small suite over three exercises, one CUDA-only test.
SUITE = {
    "softmax::test_rows_sum_to_one": (2.0, "Each row of softmax(x) sums to one."),
    "softmax::test_large_logits": (3.0, "softmax stays finite for logits around 1000."),
    "metrics::test_binary_accuracy": (2.0, "Binary accuracy thresholds probabilities at 0.5."),
    "metrics::test_confusion_matrix[3]": (3.0, "Rows are true classes, columns predictions."),
    "timing::test_gflops": (2.0, "GFLOP/s of an n x n matmul uses 2 n^3 operations."),
    "timing::test_cuda_synchronised": (2.0, "CUDA timings synchronise before the clock."),
}
P, F, S = "passed", "failed", "skipped"
MULTILINE = (
    "Your function raised ValueError: shapes (3,) and (4,) do not align\n"
    "  in accuracy(), line 12 of exercises/metrics.py"
)
# Student-controlled text: must reach the pages as text, never as markup.
HOSTILE = "probs must be <script>alert(1)</script> `not` **bold**"
# submission -> test -> (outcome, message); a missing test means it was not run.
RUNS: dict[str, dict[str, tuple[str, str]]] = {
    "alice": {
        "softmax::test_rows_sum_to_one": (P, ""),
        "softmax::test_large_logits": (P, ""),
        "metrics::test_binary_accuracy": (P, ""),
        "metrics::test_confusion_matrix[3]": (F, "confusion_matrix: shape (3, 3) was transposed"),
        "timing::test_gflops": (P, ""),
        "timing::test_cuda_synchronised": (S, CUDA_REASON),
    },
    "Zoë Müller (late)": {
        "softmax::test_rows_sum_to_one": (P, ""),
        "softmax::test_large_logits": (F, "softmax returned nan or inf"),
        "metrics::test_binary_accuracy": (F, MULTILINE),
        "metrics::test_confusion_matrix[3]": (F, HOSTILE),
        "timing::test_gflops": (F, "gflops: not implemented yet"),
        "timing::test_cuda_synchronised": (S, CUDA_REASON),
    },
    "bob": {
        "softmax::test_rows_sum_to_one": (P, ""),
        "softmax::test_large_logits": (F, "softmax returned nan or inf"),
        "metrics::test_binary_accuracy": (P, ""),
        "metrics::test_confusion_matrix[3]": (P, ""),
        "timing::test_gflops": (P, ""),
        "timing::test_cuda_synchronised": (S, CUDA_REASON),
    },
}
ERRORS = {"broken zip": "no exercises/ package found in the zip"}


def exercise_of(test: str) -> str:
    return test.split("::")[0]


def suite_maximum() -> dict[str, float]:
    """Per exercise, as `suite_maximum` reports it on a machine without a GPU."""
    maximum = dict.fromkeys(EXERCISE_NAMES, 0.0)
    for test, (points, _) in SUITE.items():
        if "cuda" not in test:
            maximum[exercise_of(test)] += points
    return maximum


def results_for(name: str, runs: dict[str, tuple[str, str]] | None, error: str = "") -> dict:
    """A results.json as `torchgrade grade` writes it, from outcomes or an error."""
    maximum = suite_maximum()
    exercises = {e: {"score": 0.0, "max_score": m} for e, m in maximum.items()}
    tests = []
    if runs is not None:
        exercises = {e: {"score": 0.0, "max_score": 0.0} for e in EXERCISE_NAMES}
        for test, (outcome, message) in runs.items():
            points, hint = SUITE[test]
            top = 0.0 if outcome == S else points
            score = points if outcome == P else 0.0
            exercises[exercise_of(test)]["score"] += score
            exercises[exercise_of(test)]["max_score"] += top
            output = hint if outcome == P else "\n".join(x for x in (hint, message) if x)
            tests.append(
                {
                    "name": test,
                    "score": score,
                    "max_score": top,
                    "status": F if outcome == F else P,
                    "output": f"Skipped: {message}" if outcome == S else output,
                    "tags": [exercise_of(test)],
                    "visibility": "visible",
                    "extra_data": {"outcome": outcome, "hint": hint, "message": message},
                }
            )
    score = sum(e["score"] for e in exercises.values())
    top = sum(e["max_score"] for e in exercises.values())
    percent = round(100 * score / top, 2) if top and runs is not None else 0.0
    return {
        "score": score,
        "execution_time": 1.5,
        "output": f"{score:g} of {top:g} points" if runs is not None else error,
        "tests": tests,
        "extra_data": {
            "submission": name,
            "status": "graded" if runs is not None else "error",
            "error": error,
            "max_score": top,
            "percent": percent,
            "exercises": exercises,
            "protections": ["time limit"],
            "torchgrade_version": "0.1.0",
        },
    }


def write_run(
    out_dir: Path,
    runs: dict[str, dict[str, tuple[str, str]]] | None = None,
    errors: dict[str, str] | None = None,
) -> Path:
    """Write a grading output folder: DIR/<name>/results.json for each, and grades.csv."""
    runs = RUNS if runs is None else runs
    errors = ERRORS if errors is None else errors
    out_dir.mkdir(parents=True, exist_ok=True)
    everything = {name: results_for(name, r) for name, r in runs.items()}
    everything.update({name: results_for(name, None, e) for name, e in errors.items()})
    with open(out_dir / "grades.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(GRADES_COLUMNS)
        for name in sorted(everything):
            data = everything[name]
            extra = data["extra_data"]
            (out_dir / name).mkdir(exist_ok=True)
            (out_dir / name / "results.json").write_text(
                json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8"
            )
            writer.writerow(
                [
                    name,
                    extra["status"],
                    data["score"],
                    extra["max_score"],
                    extra["percent"],
                    *(extra["exercises"][e]["score"] for e in EXERCISE_NAMES),
                    extra["error"],
                ]
            )
    return out_dir


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = write_run(tmp_path_factory.mktemp("grades"))
    write_reports(out)
    return out


@pytest.fixture(scope="module")
def grades(run_dir: Path) -> pd.DataFrame:
    return pd.read_csv(run_dir / "grades.csv", na_filter=False)


def expected_pass_rates() -> dict[str, float]:
    """From RUNS directly: passed / (passed + failed), skips left out."""
    rates = {}
    for test in SUITE:
        outcomes = [r[test][0] for r in RUNS.values() if test in r]
        ran = [o for o in outcomes if o != S]
        if ran:
            rates[test] = 100 * ran.count(P) / len(ran)
    return rates


# --- feedback.md ---------------------------------------------------------------------------


def feedback(run_dir: Path, name: str) -> str:
    return (run_dir / name / "feedback.md").read_text(encoding="utf-8")


def test_feedback_written_for_every_results_file(run_dir: Path) -> None:
    for name in [*RUNS, *ERRORS]:
        assert (run_dir / name / "feedback.md").is_file(), name


def test_feedback_shows_total_status_per_exercise_failures_then_passes(run_dir: Path) -> None:
    data = json.loads((run_dir / "alice" / "results.json").read_text(encoding="utf-8"))
    text = feedback(run_dir, "alice")
    extra = data["extra_data"]
    assert f"{data['score']:g} / {extra['max_score']:g} points ({extra['percent']:g} %)" in text
    status = {
        line.split("(`")[1].split("`")[0]: line
        for line in text.splitlines()
        if line.startswith("- ") and "(`" in line
    }
    assert status["softmax"].startswith("- ✔ **Softmax and cross-entropy**")
    assert "5 / 5: all 2 tests passed" in status["softmax"]
    assert (
        status["metrics"].startswith("- ◐ ") and "2 / 5: 1 of 2 tests failed" in status["metrics"]
    )
    assert "1 skipped" in status["timing"]
    # The one failure comes with its hint and message, before the exercise's passes.
    section = text[text.index("## Accuracy metrics") :]
    failure = section.index("`test_confusion_matrix[3]`")
    assert section.index(RUNS["alice"]["metrics::test_confusion_matrix[3]"][1]) > failure
    assert SUITE["metrics::test_confusion_matrix[3]"][1] in section
    passes = next(line for line in section.splitlines() if line.startswith("- ✔ "))
    assert "`test_binary_accuracy`" in passes and section.index(passes) > failure
    assert "## Softmax" not in text  # a finished exercise is its status line only


def test_feedback_prints_messages_as_code(run_dir: Path) -> None:
    text = feedback(run_dir, "Zoë Müller (late)")
    assert "# Feedback for `Zoë Müller (late)`" in text
    block = re.search(r"```text\n(.*?)\n\s*```", text, re.S)
    assert block is not None
    assert [line.strip() for line in block.group(1).splitlines()] == [
        line.strip() for line in MULTILINE.splitlines()
    ]
    # The single-line hostile message sits inside a code span fenced longer than its `s.
    assert f"``{HOSTILE}``" in text


def test_feedback_adds_nothing_beyond_results_json(run_dir: Path) -> None:
    """Every number on the page comes from results.json (or is a count/percent of it)."""
    for name in [*RUNS, *ERRORS]:
        raw = (run_dir / name / "results.json").read_text(encoding="utf-8")
        data = json.loads(raw)
        allowed = {float(x) for x in re.findall(r"\d+(?:\.\d+)?", raw)} | set(range(10))
        for e in data["extra_data"]["exercises"].values():
            if e["max_score"]:
                allowed.add(round(100 * e["score"] / e["max_score"]))
        allowed.add(len(data["tests"]))
        page = feedback(run_dir, name)
        extra = {float(x) for x in re.findall(r"\d+(?:\.\d+)?", page)} - allowed
        assert not extra, (name, extra)
        assert "expected" not in page.lower()


def test_feedback_for_an_error_explains_what_to_do(run_dir: Path) -> None:
    text = feedback(run_dir, "broken zip")
    assert "could not be graded" in text
    assert ERRORS["broken zip"] in text
    assert "## What to do" in text and "torchgrade submit" in text
    assert "✔" not in text and "✘" not in text


def test_feedback_rewrites_in_place(tmp_path: Path) -> None:
    out = write_run(tmp_path, runs={"solo": RUNS["bob"]}, errors={})
    path = write_feedback(out / "solo" / "results.json")
    first = path.read_text(encoding="utf-8")
    assert write_feedback(out / "solo" / "results.json") == path
    assert path.read_text(encoding="utf-8") == first


# --- grades.xlsx ---------------------------------------------------------------------------


def test_xlsx_summary_matches_csv(run_dir: Path, grades: pd.DataFrame) -> None:
    book = load_workbook(run_dir / "grades.xlsx")
    assert book.sheetnames[:2] == ["Summary", "Tests"]
    ws = book["Summary"]
    header = [c.value for c in ws[1]]
    assert header == GRADES_COLUMNS
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "B3"
    maximum = {c: ws.cell(2, i + 1).value for i, c in enumerate(header)}
    assert {e: maximum[e] for e in EXERCISE_NAMES} == suite_maximum()
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert len(rows) == len(grades)
    for row, record in zip(rows, grades.to_dict("records"), strict=True):
        for column, value in zip(GRADES_COLUMNS, row, strict=True):
            if isinstance(record[column], float):
                assert value == pytest.approx(record[column]), (record["submission"], column)
            else:
                assert (value or "") == record[column], (record["submission"], column)
    assert ws.column_dimensions["A"].width >= len("Zoë Müller (late)")


def test_xlsx_fills_low_rows_red(run_dir: Path, grades: pd.DataFrame) -> None:
    ws = load_workbook(run_dir / "grades.xlsx")["Summary"]
    percent_col = GRADES_COLUMNS.index("percent") + 1
    for row in range(3, ws.max_row + 1):
        low = ws.cell(row, percent_col).value < 50
        colour = ws.cell(row, 1).fill.fgColor.rgb if ws.cell(row, 1).fill.fill_type else None
        assert (colour is not None and colour.endswith("FFC7CE")) == low, ws.cell(row, 1).value
    assert set(grades.loc[grades["percent"] < 50, "submission"]) == {
        "Zoë Müller (late)",
        "broken zip",
    }


def test_xlsx_tests_matrix(run_dir: Path, grades: pd.DataFrame) -> None:
    ws = load_workbook(run_dir / "grades.xlsx")["Tests"]
    header = [c.value for c in ws[1]]
    assert header[:2] == ["submission", "status"] and set(header[2:]) == set(SUITE)
    assert ws.freeze_panes == "C3"
    rates = expected_pass_rates()
    for col, test in enumerate(header[2:], 3):
        value = ws.cell(2, col).value
        assert (
            (value is None) if test not in rates else value == pytest.approx(rates[test], abs=0.05)
        )
    names = [ws.cell(r, 1).value for r in range(3, ws.max_row + 1)]
    assert names == list(grades["submission"])
    for r, name in enumerate(names, 3):
        for col, test in enumerate(header[2:], 3):
            outcome = RUNS.get(name, {}).get(test, (S, ""))[0]
            cell = ws.cell(r, col)
            assert cell.value == {P: "✔", F: "✘", S: "–"}[outcome], (name, test)
            assert cell.fill.fill_type == "solid"
    colours = {
        ws.cell(r, c).value: ws.cell(r, c).fill.fgColor.rgb
        for r in range(3, ws.max_row + 1)
        for c in range(3, ws.max_column + 1)
    }
    assert len(set(colours.values())) == 3


def test_xlsx_pass_rates_hardest_first(run_dir: Path) -> None:
    ws = load_workbook(run_dir / "grades.xlsx")["Pass rates"]
    listed = [(r[0], r[2]) for r in ws.iter_rows(min_row=2, values_only=True)]
    rates = [rate for _, rate in listed if rate is not None]
    assert rates == sorted(rates)
    assert listed[0][0] == min(expected_pass_rates().items(), key=lambda kv: kv[1])[0]
    assert listed[-1] == ("timing::test_cuda_synchronised", None)  # never ran: last


# --- report.html ---------------------------------------------------------------------------


def test_report_is_one_self_contained_file(run_dir: Path) -> None:
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 2  # histogram, exercise bands
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)
    assert not re.search(r"<script[^>]*src|<link[^>]*stylesheet|@import|url\(", html)
    assert html.count("<script>") == 1  # the inline sorting and filtering
    assert len(list(run_dir.glob("*.html"))) == 1


def test_report_escapes_names_and_errors(tmp_path: Path) -> None:
    out = write_run(tmp_path, runs={"<i>x & y": RUNS["bob"]}, errors={"z": HOSTILE})
    html = write_report_html(out).read_text(encoding="utf-8")
    assert html.count("<script") == 1 and "<i>x" not in html
    assert "&lt;i&gt;x &amp; y" in html and "&lt;script&gt;alert(1)" in html
    assert 'href="%3Ci%3Ex%20%26%20y/feedback.html"' in html


def test_report_links_every_feedback_page(run_dir: Path) -> None:
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    from urllib.parse import unquote

    links = {unquote(h) for h in re.findall(r'href="([^"]+)"', html)}
    for name in [*RUNS, *ERRORS]:
        assert f"{name}/feedback.html" in links, name
        page = (run_dir / f"{name}/feedback.html").read_text(encoding="utf-8")
        assert page.startswith("<!doctype html>") and "<script" not in page


def test_report_lists_tests_by_exercise_hardest_first(run_dir: Path) -> None:
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    rates = expected_pass_rates()
    tests = html[html.index("Tests by exercise") :]
    blocks = re.findall(
        r'<details class="exercise">(.*?)</details>\s*(?=<details class="e|</sec)', tests, re.S
    )
    assert len(blocks) == 3  # softmax, metrics, timing: the exercises with tests
    for block in blocks:
        names = re.findall(r"<tr><td><code>([^<]+)</code>", block)
        exercise = re.search(r"<code>(\w+)</code> —", block).group(1)
        seen = [rates[f"{exercise}::{n}"] for n in names if f"{exercise}::{n}" in rates]
        assert seen == sorted(seen) and seen, exercise
    # The clusters: bob and Zoë share "softmax returned nan or inf".
    softmax = next(b for b in blocks if "<code>softmax</code> —" in b)
    assert "<b>2×</b> <code>softmax returned nan or inf</code>" in softmax
    assert re.search(r"bob, Zoë Müller \(late\)|Zoë Müller \(late\), bob", softmax)


def test_report_counts(run_dir: Path, grades: pd.DataFrame) -> None:
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    cards = dict(re.findall(r'<div class="k">([^<]+)</div><div class="v">([^<]+)</div>', html))
    assert cards["submissions"] == str(len(grades))
    assert cards["graded"] == str((grades["status"] == "graded").sum())
    assert cards["errors"] == str((grades["status"] == "error").sum())
    assert cards["mean %"] == f"{grades['percent'].mean():.1f}"
    assert cards["median %"] == f"{grades['percent'].median():.1f}"


# --- terminal summary and the whole set ----------------------------------------------------


def test_summary_numbers_match_pandas(run_dir: Path, grades: pd.DataFrame) -> None:
    text = summary_table(run_dir, 12.34)
    values = dict(re.findall(r"^\s+(\w[\w ]*?)\s{2,}(.+)$", text, re.M))
    assert values["submissions"] == str(len(grades))
    assert values["graded"] == str((grades["status"] == "graded").sum())
    assert values["errors"] == str((grades["status"] == "error").sum())
    for key, value in [
        ("mean", grades["percent"].mean()),
        ("median", grades["percent"].median()),
        ("min", grades["percent"].min()),
        ("max", grades["percent"].max()),
    ]:
        assert values[key] == f"{value:.2f} %", key
    assert values["time taken"] == "12.3 s"
    rates = expected_pass_rates()
    hardest = sorted(rates, key=lambda t: (rates[t], list(SUITE).index(t)))[:3]
    listed = re.findall(r"(\S+::\S+)\s+(\d+) % passed", text)
    assert [t for t, _ in listed] == hardest
    assert [int(p) for _, p in listed] == [round(rates[t]) for t in hardest]


def test_write_reports_is_idempotent(tmp_path: Path) -> None:
    out = write_run(tmp_path)
    first = write_reports(out)
    snapshot = {p: p.read_bytes() for p in first}
    assert write_reports(out) == first
    assert {p: p.read_text(encoding="utf-8") for p in first if p.suffix != ".xlsx"} == {
        p: b.decode("utf-8") for p, b in snapshot.items() if p.suffix != ".xlsx"
    }
    assert {p.name for p in first} == {"feedback.md", "feedback.html", "grades.xlsx", "report.html"}
    for page in ("feedback.md", "feedback.html"):
        assert len([p for p in first if p.name == page]) == len(RUNS) + len(ERRORS)


def test_reports_without_submissions(tmp_path: Path) -> None:
    out = write_run(tmp_path, runs={}, errors={})
    write_grades_xlsx(out)
    assert "No test ran" in write_report_html(out).read_text(encoding="utf-8")
    assert re.search(r"^\s+submissions\s+0$", summary_table(out, 0.0), re.M)
