"""`grades.xlsx`: the grade book for the instructor.

Sheets: "Summary" (grades.csv with a row of per-exercise maxima, low scores in red),
"Tests" (pass/fail matrix, one column per hidden test, with each test's pass rate) and
"Pass rates" (every test, hardest first).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from autograder.files import write_atomic
from autograder.kit.registry import EXERCISE_NAMES, get_exercise
from autograder.kit.text import spreadsheet_safe
from autograder.report.data import GradingRun, load_run, test_order

LOW_PERCENT = 50.0  # rows under this are filled red
HEADER_ROWS = 2  # column names, then the maximum each column is out of
BOLD = Font(bold=True)
ITALIC = Font(italic=True, color="555555")
RED_FONT = Font(color="9C0006", bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
MAX_FILL = PatternFill("solid", fgColor="EEF2F8")
LOW_FILL = PatternFill("solid", fgColor="FFC7CE")
MARK_FILLS = {
    "✔": PatternFill("solid", fgColor="C6EFCE"),
    "✘": PatternFill("solid", fgColor="FFC7CE"),
    "–": PatternFill("solid", fgColor="E7E6E6"),
}
MARK_FONTS = {"✔": Font(color="006100"), "✘": Font(color="9C0006"), "–": Font(color="767171")}
MARKS = {"passed": "✔", "failed": "✘", "skipped": "–"}
UNDERLINE = Border(bottom=Side(style="thin", color="8EA9DB"))


def _header(ws: Worksheet, row: int, values: list, fill: PatternFill, font: Font) -> None:
    for col, value in enumerate(values, 1):
        cell = ws.cell(row, col, value)
        cell.font, cell.fill = font, fill


def _fit_widths(ws: Worksheet, minimum: int = 6, maximum: int = 48, skip_rows: int = 0) -> None:
    widths: dict[int, int] = {}
    for row in ws.iter_rows(min_row=1 + skip_rows):
        for cell in row:
            if cell.value is not None:
                text = f"{cell.value:.2f}" if isinstance(cell.value, float) else str(cell.value)
                longest = max(len(line) for line in text.splitlines() or [""])
                widths[cell.column] = max(widths.get(cell.column, 0), longest)
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(maximum, max(minimum, width + 2))


def summary_sheet(ws: Worksheet, run: GradingRun) -> None:
    grades = run.grades
    maximum = run.exercise_maximum()
    columns = list(grades.columns)
    _header(ws, 1, columns, HEADER_FILL, BOLD)
    total = sum(maximum.values())
    max_row = {
        "submission": "maximum",
        "score": total,
        "max_score": total,
        "percent": 100.0,
        **maximum,
    }
    _header(ws, 2, [max_row.get(c) for c in columns], MAX_FILL, ITALIC)
    for col, name in enumerate(columns, 1):
        ws.cell(2, col).border = UNDERLINE
        if name in EXERCISE_NAMES:
            title = get_exercise(name).title
            ws.cell(1, col).comment = Comment(
                f"{title}: out of {maximum[name]:g} points", "torchgrade", width=240, height=60
            )
    ws.cell(1, columns.index("percent") + 1).comment = Comment(
        f"Rows under {LOW_PERCENT:g} % are filled red; red exercise points are under half "
        "that exercise's maximum.",
        "torchgrade",
        width=260,
        height=80,
    )
    for offset, record in enumerate(grades.to_dict("records")):
        row = HEADER_ROWS + 1 + offset
        low = record["percent"] < LOW_PERCENT
        for col, name in enumerate(columns, 1):
            value = record[name]
            if isinstance(value, float) and math.isnan(value):
                value = None  # an error row's exercise cells stay empty
            cell = ws.cell(row, col, value)
            if name == "percent":
                cell.number_format = "0.00"
            if low:
                cell.fill = LOW_FILL
            if (
                name in EXERCISE_NAMES
                and maximum.get(name)
                and record[name] < maximum[name] / 2
                and record["status"] == "graded"
            ):
                cell.font = RED_FONT
    ws.freeze_panes = ws.cell(HEADER_ROWS + 1, 2)  # header rows and the name column stay
    _fit_widths(ws)
    ws.column_dimensions[get_column_letter(columns.index("error") + 1)].width = 60


def _mark_styles(workbook: Workbook) -> dict[str, str]:
    """One named style per mark: setting a cell's style by name costs a lookup, while
    setting its font, fill and alignment hashes each (a second for a class of 100)."""
    names = {}
    for mark, word in (("✔", "passed"), ("✘", "failed"), ("–", "not run"), ("?", "unknown")):
        style = NamedStyle(
            name=f"test {word}",
            font=MARK_FONTS.get(mark, Font()),
            fill=MARK_FILLS.get(mark, LOW_FILL),
            alignment=Alignment(horizontal="center"),
        )
        workbook.add_named_style(style)
        names[mark] = style.name
    return names


def tests_sheet(ws: Worksheet, run: GradingRun) -> None:
    tests = run.tests()
    styles = _mark_styles(ws.parent)
    order = test_order(tests)
    rates = run.pass_rates().set_index("test")
    marks = {(r.submission, r.test): MARKS.get(r.outcome, "?") for r in tests.itertuples()}
    _header(ws, 1, ["submission", "status", *order], HEADER_FILL, BOLD)
    _header(ws, 2, ["pass rate %", "", *(None for _ in order)], MAX_FILL, ITALIC)
    for col, name in enumerate(order, 3):
        header = ws.cell(1, col)
        header.alignment = Alignment(text_rotation=90, horizontal="center")
        rate = rates.loc[name, "pass_rate"]
        cell = ws.cell(2, col, None if math.isnan(rate) else round(float(rate), 1))
        cell.number_format = "0.0"
        cell.border = UNDERLINE
        hint = rates.loc[name, "hint"]
        header.comment = Comment(f"{name}\n{hint}", "torchgrade", width=320, height=100)
    ws.cell(1, 1).alignment = ws.cell(1, 2).alignment = Alignment(vertical="bottom")
    ws.cell(2, 1).border = ws.cell(2, 2).border = UNDERLINE
    for offset, record in enumerate(run.grades[["submission", "status"]].to_dict("records")):
        row = HEADER_ROWS + 1 + offset
        ws.cell(row, 1, record["submission"])
        ws.cell(row, 2, record["status"])
        for col, name in enumerate(order, 3):
            mark = marks.get((record["submission"], name), "–")  # not run: an error row
            ws.cell(row, col, mark).style = styles.get(mark, styles["?"])
    ws.freeze_panes = ws.cell(HEADER_ROWS + 1, 3)
    _fit_widths(ws, skip_rows=1)  # the rotated names set row height, not width
    for col in range(3, len(order) + 3):
        ws.column_dimensions[get_column_letter(col)].width = 5
    longest = max((len(name) for name in order), default=10)
    ws.row_dimensions[1].height = min(400, 6 * longest + 10)


def pass_rates_sheet(ws: Worksheet, run: GradingRun) -> None:
    rates = run.pass_rates()
    columns = ["test", "exercise", "pass_rate", "passed", "failed", "skipped", "hint"]
    _header(
        ws,
        1,
        ["test", "exercise", "pass rate %", "passed", "failed", "skipped", "hint"],
        HEADER_FILL,
        BOLD,
    )
    for row, record in enumerate(rates[columns].to_dict("records"), 2):
        for col, name in enumerate(columns, 1):
            value = record[name]
            if name == "pass_rate":
                value = None if math.isnan(value) else round(float(value), 1)
            cell = ws.cell(row, col, value)
            if name == "pass_rate":
                cell.number_format = "0.0"
                if value is not None and value < LOW_PERCENT:
                    cell.fill = LOW_FILL
    ws.freeze_panes = "A2"
    _fit_widths(ws, maximum=70)


def build_workbook(run: GradingRun) -> Workbook:
    workbook = Workbook()
    summary_sheet(workbook.active, run)
    workbook.active.title = "Summary"
    tests_sheet(workbook.create_sheet("Tests"), run)
    pass_rates_sheet(workbook.create_sheet("Pass rates"), run)
    for sheet in workbook.worksheets:
        text_only(sheet)
    return workbook


def text_only(ws: Worksheet) -> None:
    """No cell is a formula: names and messages come from students, and openpyxl stores any
    text that starts with "=" as one. Text is kept as text and neutralised as in grades.csv."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.value = spreadsheet_safe(cell.value)
                cell.data_type = "s"


def write_grades_xlsx(out_dir: Path | GradingRun) -> Path:
    """Write `out_dir/grades.xlsx` from grades.csv and the results.json files."""
    run = load_run(out_dir)
    buffer = io.BytesIO()
    build_workbook(run).save(buffer)
    return write_atomic(run.out_dir / "grades.xlsx", buffer.getvalue())
