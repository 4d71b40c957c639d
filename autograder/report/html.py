"""`report.html`: one self-contained page about a whole grading run.

No external resources: the CSS is inline and the charts are PNGs (matplotlib, Agg canvas)
embedded as data URIs, so the file can be mailed or archived on its own. The only links are
relative ones to each submission's `feedback.md`.
"""

from __future__ import annotations

import base64
import io
import math
from html import escape
from pathlib import Path
from urllib.parse import quote

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from autograder import __version__
from autograder.files import write_atomic
from autograder.kit.registry import EXERCISE_NAMES, get_exercise
from autograder.report.data import FEEDBACK_MD, GradingRun, load_run
from autograder.report.summary import class_numbers

LOW_PERCENT = 50.0
CHART_TESTS = 25  # the chart shows the hardest ones; the table lists every test
GREEN, AMBER, RED, GREY = "#3a9a5b", "#e0a030", "#d0453a", "#9aa0a6"

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1f2328; background: #f6f8fa; margin: 0; }
main { max-width: 1160px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 12px; }
.sub { color: #59636e; margin: 0 0 20px; }
section { background: #fff; border: 1px solid #d1d9e0; border-radius: 8px;
          padding: 16px 18px; margin: 0 0 18px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; background: none; border: 0; padding: 0; }
.card { flex: 1 1 120px; background: #fff; border: 1px solid #d1d9e0; border-radius: 8px;
        padding: 10px 14px; }
.card .v { font-size: 24px; font-weight: 600; }
.card .k { color: #59636e; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card.bad .v { color: #b42318; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; margin: 0 0 18px; }
.grid section { margin: 0; }
img { max-width: 100%; height: auto; display: block; margin: 0 auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 4px 8px; border-bottom: 1px solid #e5e9ee; text-align: left;
         vertical-align: top; }
th { background: #f0f3f6; position: sticky; top: 0; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.ex { white-space: normal; font-size: 12px; min-width: 4em; }
td.name { overflow-wrap: anywhere; min-width: 14em; }
tr.low td { background: #fdecea; }
tr.error td { background: #f3f4f6; color: #59636e; }
.bar { background: #eef1f4; border-radius: 3px; width: 120px; height: 10px;
       display: inline-block; vertical-align: middle; margin-right: 6px; }
.num { display: inline-block; min-width: 3.2em; }
.bar span { display: block; height: 100%; border-radius: 3px; }
.tag { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: 12px; }
.tag.graded { background: #dcf1e3; color: #1a6333; }
.tag.error { background: #fbe0dd; color: #a1261b; }
.err { color: #a1261b; font-size: 12px; }
.hint { color: #59636e; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.note { color: #59636e; font-size: 12px; margin: 8px 0 0; }
.wide { overflow-x: auto; }
"""


def figure_png(fig: Figure) -> str:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig)
    # No software/date metadata: the same run gives the same bytes.
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def rate_colour(percent: float) -> str:
    if math.isnan(percent):
        return GREY
    return RED if percent < LOW_PERCENT else AMBER if percent < 80 else GREEN


def distribution_chart(grades: pd.DataFrame) -> str:
    fig = Figure(figsize=(5.4, 3.2), layout="constrained")
    ax = fig.add_subplot()
    bins = list(range(0, 101, 10))
    graded = grades.loc[grades["status"] == "graded", "percent"].clip(0, 100)
    errors = grades.loc[grades["status"] != "graded", "percent"].clip(0, 100)
    ax.hist(
        [graded, errors],
        bins=bins,
        stacked=True,
        color=[GREEN, GREY],
        label=["graded", "error"],
        edgecolor="white",
    )
    ax.set_xlim(0, 100)
    ax.set_xticks(bins)
    ax.set_xlabel("score (%)")
    ax.set_ylabel("submissions")
    ax.yaxis.get_major_locator().set_params(integer=True)
    if len(errors):
        ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return figure_png(fig)


def exercise_means(run: GradingRun) -> pd.DataFrame:
    """Mean points and mean percent per exercise over graded submissions."""
    maximum = run.exercise_maximum()
    graded = run.graded
    rows = []
    for name in EXERCISE_NAMES:
        top = maximum.get(name, 0.0)
        mean = float(graded[name].mean()) if len(graded) and name in graded else float("nan")
        rows.append(
            {
                "exercise": name,
                "title": get_exercise(name).title,
                "max_score": top,
                "mean_score": mean,
                "mean_percent": 100 * mean / top if top else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def exercise_chart(means: pd.DataFrame) -> str:
    fig = Figure(figsize=(5.4, 3.2), layout="constrained")
    ax = fig.add_subplot()
    shown = means[::-1]  # first exercise on top
    values = shown["mean_percent"].fillna(0)
    ax.barh(shown["exercise"], values, color=[rate_colour(v) for v in shown["mean_percent"]])
    for y, value in enumerate(shown["mean_percent"]):
        label = "n/a" if math.isnan(value) else f"{value:.0f} %"
        ax.text((0 if math.isnan(value) else value) + 1, y, label, va="center", fontsize=8)
    ax.set_xlim(0, 110)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("mean score (% of the exercise, graded submissions)")
    ax.spines[["top", "right"]].set_visible(False)
    return figure_png(fig)


def tests_chart(rates: pd.DataFrame) -> str:
    shown = rates.dropna(subset=["pass_rate"]).head(CHART_TESTS)[::-1]  # hardest on top
    fig = Figure(figsize=(10.8, 0.8 + 0.28 * max(1, len(shown))), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(
        range(len(shown)), shown["pass_rate"], color=[rate_colour(v) for v in shown["pass_rate"]]
    )
    ax.set_yticks(range(len(shown)), shown["test"], fontsize=8)
    for y, row in enumerate(shown.itertuples()):
        ax.text(
            row.pass_rate + 0.8,
            y,
            f"{row.pass_rate:.0f} % ({row.passed}/{row.attempted})",
            va="center",
            fontsize=8,
        )
    ax.set_xlim(0, 112)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("pass rate (% of submissions that ran the test)")
    ax.spines[["top", "right"]].set_visible(False)
    return figure_png(fig)


def fmt(value: float, digits: int = 1) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def cards(numbers: dict) -> str:
    items = [
        ("submissions", str(numbers["submissions"]), False),
        ("graded", str(numbers["graded"]), False),
        ("errors", str(numbers["errors"]), numbers["errors"] > 0),
        ("mean %", fmt(numbers["mean"]), False),
        ("median %", fmt(numbers["median"]), False),
        ("min – max %", f"{fmt(numbers['min'], 0)} – {fmt(numbers['max'], 0)}", False),
    ]
    return "".join(
        f'<div class="card{" bad" if bad else ""}"><div class="k">{k}</div>'
        f'<div class="v">{v}</div></div>'
        for k, v, bad in items
    )


def bar(percent: float) -> str:
    width = 0 if math.isnan(percent) else max(0.0, min(100.0, percent))
    return (
        f'<span class="bar"><span style="width:{width:.0f}%;'
        f'background:{rate_colour(percent)}"></span></span>'
    )


def rate_cell(percent: float) -> str:
    return f'<td class="n">{bar(percent)}<span class="num">{fmt(percent)}</span></td>'


def exercise_table(means: pd.DataFrame) -> str:
    rows = "".join(
        f"<tr><td>{escape(r.title)} <code>{escape(r.exercise)}</code></td>"
        f'<td class="n">{r.max_score:g}</td><td class="n">{fmt(r.mean_score, 2)}</td>'
        f"{rate_cell(r.mean_percent)}</tr>"
        for r in means.itertuples()
    )
    return (
        '<table><tr><th>exercise</th><th class="n">max</th><th class="n">mean points</th>'
        f'<th class="n">mean %</th></tr>{rows}</table>'
    )


def tests_table(rates: pd.DataFrame) -> str:
    rows = "".join(
        f'<tr><td class="n">{i}</td><td><code>{escape(r.test)}</code></td>'
        f"{rate_cell(r.pass_rate)}"
        f'<td class="n">{r.passed}/{r.attempted}</td><td class="n">{r.skipped}</td>'
        f'<td class="hint">{escape(r.hint)}</td></tr>'
        for i, r in enumerate(rates.itertuples(), 1)
    )
    return (
        '<table><tr><th class="n">#</th><th>test</th><th class="n">pass rate %</th>'
        '<th class="n">passed</th><th class="n">skipped</th><th>hint</th></tr>'
        f"{rows}</table>"
    )


def submissions_table(run: GradingRun) -> str:
    maximum = run.exercise_maximum()
    head = "".join(
        f'<th class="n ex" title="{escape(get_exercise(n).title)}, out of '
        f'{maximum[n]:g}">{escape(n.replace("_", " "))}</th>'
        for n in EXERCISE_NAMES
    )
    rows = []
    for r in run.grades.to_dict("records"):
        name = r["submission"]
        label = escape(name)
        if run.has_feedback(name):
            label = f'<a href="{escape(quote(name))}/{FEEDBACK_MD}">{label}</a>'
        error = f'<div class="err">{escape(r["error"])}</div>' if r["error"] else ""
        kind = "error" if r["status"] != "graded" else "low" if r["percent"] < LOW_PERCENT else ""
        cells = "".join(f'<td class="n">{r[n]:g}</td>' for n in EXERCISE_NAMES)
        rows.append(
            f'<tr class="{kind}"><td class="name">{label}{error}</td>'
            f'<td><span class="tag {escape(r["status"])}">{escape(r["status"])}</span>'
            f'</td><td class="n">{r["score"]:g} / {r["max_score"]:g}</td>'
            f'<td class="n">{r["percent"]:.2f}</td>{cells}</tr>'
        )
    return (
        '<div class="wide"><table><tr><th>submission</th><th>status</th>'
        f'<th class="n">score</th><th class="n">%</th>{head}</tr>{"".join(rows)}'
        "</table></div>"
    )


def render_report(run: GradingRun) -> str:
    numbers = class_numbers(run.grades)
    rates = run.pass_rates()
    means = exercise_means(run)
    title = f"Grades: {run.out_dir.resolve().name}"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body><main>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">torchgrade {escape(__version__)} · {numbers["submissions"]} '
        f"submission(s) · percentages over all submissions, errors count as 0</p>",
        f'<section class="cards">{cards(numbers)}</section>',
        '<div class="grid">',
        "<section><h2>Score distribution</h2>"
        f'<img alt="histogram of scores" src="{distribution_chart(run.grades)}"></section>',
        "<section><h2>Exercises</h2>"
        f'<img alt="mean score per exercise" src="{exercise_chart(means)}"></section>',
        "</div>",
        f"<section><h2>Exercises in numbers</h2>{exercise_table(means)}</section>",
        "<section><h2>Tests, hardest first</h2>",
    ]
    if rates["pass_rate"].notna().any():
        parts.append(f'<img alt="pass rate of the hardest tests" src="{tests_chart(rates)}">')
        if len(rates) > CHART_TESTS:
            parts.append(
                f'<p class="note">The chart shows the {CHART_TESTS} hardest tests; '
                "the table lists all of them.</p>"
            )
    else:
        parts.append('<p class="note">No test ran: no submission was graded.</p>')
    parts += [
        tests_table(rates),
        '<p class="note">Pass rate: passed / (passed + failed) among '
        "graded submissions; skipped runs (a CUDA test without a GPU) count neither way."
        "</p></section>",
        f"<section><h2>Submissions</h2>{submissions_table(run)}"
        '<p class="note">Each name links to the feedback page the student gets.</p>'
        "</section>",
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_report_html(out_dir: Path) -> Path:
    """Write `out_dir/report.html` from grades.csv and the results.json files."""
    out_dir = Path(out_dir)
    return write_atomic(out_dir / "report.html", render_report(load_run(out_dir)))
