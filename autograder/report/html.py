"""`report.html`: the instructor's dashboard for one grading run.

Top to bottom: who needs help first (lowest totals, exercises at 0 or under half, errors
with their reason), the score histogram and per-exercise distributions, the submissions
table (sortable, filterable, exercise cells coloured by fraction, each name linking to the
student's feedback page), then per-test pass rates grouped by exercise and the most common
failure messages per test, collapsed until opened.

Self-contained: inline CSS and a small inline script, charts as PNG data URIs (matplotlib,
Agg canvas); the only links are relative ones to `<submission>/feedback.html`.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from urllib.parse import quote

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from autograder import __version__
from autograder.files import write_atomic
from autograder.kit.failure_messages import cluster_key, first_line
from autograder.kit.registry import EXERCISE_NAMES, get_exercise
from autograder.report.data import FEEDBACK_HTML, GRADES_CSV, GradingRun, load_run
from autograder.report.summary import class_numbers

LOW_PERCENT = 50.0
HELP_SHOWN = 12  # the needs-help and error lists show this many, the rest behind "more"
HELP_REASONS = 4  # exercises named per needs-help entry and kind
CLUSTERS_SHOWN = 3  # failure messages per test
CLUSTER_NAMES_INLINE = 4  # a cluster this small names its submissions without a click
GREEN, AMBER, RED, GREY = "#3a9a5b", "#e0a030", "#d0453a", "#9aa0a6"

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1f2328; background: #f6f8fa; margin: 0; }
main { max-width: 1240px; margin: 0 auto; padding: 18px 20px 40px; }
h1 { font-size: 22px; margin: 0 0 2px; }
h2 { font-size: 16px; margin: 0 0 10px; }
.sub { color: #59636e; margin: 0 0 14px; }
section { background: #fff; border: 1px solid #d1d9e0; border-radius: 8px;
          padding: 12px 16px; margin: 0 0 14px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; background: none; border: 0; padding: 0; }
.card { flex: 1 1 110px; background: #fff; border: 1px solid #d1d9e0; border-radius: 8px;
        padding: 6px 12px; }
.card .v { font-size: 22px; font-weight: 600; }
.card .k { color: #59636e; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card.bad .v { color: #b42318; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; margin: 0 0 14px; }
.grid section { margin: 0; }
img { max-width: 100%; height: auto; display: block; margin: 0 auto; }
ol.help, ul.errors { margin: 0; padding-left: 22px; }
ol.help li, ul.errors li { margin: 0 0 3px; }
.why { color: #a1261b; font-size: 12px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 3px 7px; border-bottom: 1px solid #e5e9ee; text-align: left;
         vertical-align: top; }
th { background: #f0f3f6; position: sticky; top: 0; font-weight: 600; z-index: 1; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[aria-sort=ascending]::after { content: " ▲"; }
table.sortable th[aria-sort=descending]::after { content: " ▼"; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.ex { white-space: normal; font-size: 12px; }
td.name { overflow-wrap: anywhere; min-width: 12em; }
tr.error td { background: #f3f4f6; color: #59636e; }
tr.pending td { background: #fbf8ec; color: #59636e; }
.scroll { max-height: 62vh; overflow: auto; border: 1px solid #e5e9ee; border-radius: 6px; }
.filters { display: flex; gap: 12px; align-items: center; margin: 0 0 8px; flex-wrap: wrap; }
.filters input[type=search] { width: 16em; padding: 3px 6px; }
.bar { background: #eef1f4; border-radius: 3px; width: 110px; height: 10px;
       display: inline-block; vertical-align: middle; margin-right: 6px; }
.num { display: inline-block; min-width: 3.2em; }
.bar span { display: block; height: 100%; border-radius: 3px; }
.tag { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: 12px; }
.tag.graded { background: #dcf1e3; color: #1a6333; }
.tag.error { background: #fbe0dd; color: #a1261b; }
.tag.pending { background: #f7ecc8; color: #7a5a00; }
.err { color: #a1261b; font-size: 12px; }
.hint { color: #59636e; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; margin: 2px 0;
      white-space: pre-wrap; overflow-wrap: anywhere; max-height: 8em; overflow: auto; }
.note { color: #59636e; font-size: 12px; margin: 6px 0 0; }
details.exercise { border-top: 1px solid #e5e9ee; padding: 4px 0; }
details.exercise > summary { cursor: pointer; padding: 3px 0; }
details summary { cursor: pointer; }
.cluster { margin: 2px 0 6px; }
.who { color: #59636e; font-size: 12px; }
"""

SCRIPT = """
(function () {
  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    var raw = cell.hasAttribute('data-v') ? cell.getAttribute('data-v') : cell.textContent.trim();
    if (!numeric) return raw.toLowerCase();
    return raw === '' ? NaN : parseFloat(raw);
  }
  function sortBy(header) {
    var table = header.closest('table');
    var index = Array.prototype.indexOf.call(header.parentNode.cells, header);
    var ascending = header.getAttribute('aria-sort') !== 'ascending';
    var numeric = header.classList.contains('n');
    table.querySelectorAll('th').forEach(function (th) { th.removeAttribute('aria-sort'); });
    header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
      if (numeric) {
        if (isNaN(x) || isNaN(y)) return isNaN(x) - isNaN(y);  // empty cells last
        return ascending ? x - y : y - x;
      }
      return ascending ? x.localeCompare(y) : y.localeCompare(x);
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  document.querySelectorAll('table.sortable th').forEach(function (th) {
    th.addEventListener('click', function () { sortBy(th); });
  });
  var search = document.getElementById('filter-name');
  var show = document.getElementById('filter-show');
  var count = document.getElementById('filter-count');
  function filter() {
    var text = search.value.trim().toLowerCase();
    var kind = show.value;
    var rows = document.querySelectorAll('#submissions tbody tr');
    var shown = 0;
    rows.forEach(function (row) {
      var ok = row.getAttribute('data-name').indexOf(text) !== -1 &&
               (kind === 'all' || row.classList.contains(kind));
      row.hidden = !ok;
      shown += ok;
    });
    count.textContent = shown + ' of ' + rows.length + ' shown';
  }
  if (search && show) {
    search.addEventListener('input', filter);
    show.addEventListener('change', filter);
    filter();
  }
})();
"""


# --- numbers -------------------------------------------------------------------------------


@dataclass
class NeedsHelp:
    submission: str
    percent: float
    zero: list[str]  # exercises at 0
    low: list[str]  # "dnn 10/31": exercises under half their points, weakest first

    def why(self) -> str:
        parts = []
        if self.zero:
            shown = ", ".join(self.zero[:HELP_REASONS])
            more = f" +{len(self.zero) - HELP_REASONS}" if len(self.zero) > HELP_REASONS else ""
            parts.append(f"at 0: {shown}{more}")
        if self.low:
            parts.append(f"under half: {', '.join(self.low[:HELP_REASONS])}")
        return "; ".join(parts) or "total under half"


def exercise_fraction(score: float, top: float) -> float:
    return score / top if top else math.nan


def needs_help(run: GradingRun) -> list[NeedsHelp]:
    """Graded submissions with a total under 50 % or an exercise at 0 or under half its
    points, lowest total first."""
    maximum = run.exercise_maximum()
    found = []
    for r in run.graded.to_dict("records"):
        tested = [n for n in EXERCISE_NAMES if maximum.get(n)]
        zero = [n for n in tested if r[n] <= 0]
        weak = sorted(
            (exercise_fraction(r[n], maximum[n]), n)
            for n in tested
            if 0 < r[n] < maximum[n] * LOW_PERCENT / 100
        )
        if not zero and not weak and r["percent"] >= LOW_PERCENT:
            continue
        low = [f"{n} {r[n]:g}/{maximum[n]:g}" for _, n in weak]
        if len(zero) == len(tested):
            zero = ["every exercise"]
        found.append(NeedsHelp(r["submission"], float(r["percent"]), zero, low))
    return sorted(found, key=lambda h: (h.percent, h.submission))


def exercise_bands(run: GradingRun) -> pd.DataFrame:
    """Per exercise: how many graded submissions scored 0, under half, half or more, full."""
    maximum = run.exercise_maximum()
    rows = []
    for name in EXERCISE_NAMES:
        top = maximum.get(name, 0.0)
        scores = run.graded[name] if name in run.graded else pd.Series(dtype=float)
        if not top:
            continue
        rows.append(
            {
                "exercise": name,
                "zero": int((scores <= 0).sum()),
                "under half": int(((scores > 0) & (scores < top / 2)).sum()),
                "half or more": int(((scores >= top / 2) & (scores < top)).sum()),
                "full": int((scores >= top).sum()),
                "mean_percent": float(100 * scores.mean() / top) if len(scores) else math.nan,
            }
        )
    return pd.DataFrame(
        rows, columns=["exercise", "zero", "under half", "half or more", "full", "mean_percent"]
    )


def failure_clusters(tests: pd.DataFrame) -> dict[str, list[tuple[str, list[str]]]]:
    """test -> [(message, submissions)] for its failures, biggest cluster first. Messages
    that differ only in numbers are one cluster, shown by its first message."""
    clusters: dict[str, dict[str, tuple[str, list[str]]]] = {}
    failed = tests[tests["outcome"] == "failed"]
    for r in failed.itertuples():
        message = r.message or "The test failed."
        by_key = clusters.setdefault(r.test, {})
        by_key.setdefault(cluster_key(message), (message, []))[1].append(r.submission)
    return {
        test: sorted(found.values(), key=lambda c: -len(c[1])) for test, found in clusters.items()
    }


# --- charts --------------------------------------------------------------------------------


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


def fraction_colour(fraction: float) -> str:
    """Cell background from red (0) through amber to green (full points)."""
    if math.isnan(fraction):
        return "transparent"
    hue = 120 * max(0.0, min(1.0, fraction))
    return f"hsl({hue:.0f},70%,{86 if fraction < 1 else 88}%)"


def distribution_chart(grades: pd.DataFrame) -> str:
    fig = Figure(figsize=(5.6, 2.9), layout="constrained")
    ax = fig.add_subplot()
    bins = list(range(0, 101, 10))
    graded = grades.loc[grades["status"] == "graded", "percent"].clip(0, 100)
    errors = grades.loc[grades["status"] == "error", "percent"].clip(0, 100)
    ax.hist(
        [graded, errors],
        bins=bins,
        stacked=True,
        color=[GREEN, GREY],
        label=["graded", "error (0 %)"],
        edgecolor="white",
    )
    ax.set_xlim(0, 100)
    ax.set_xticks(bins)
    ax.set_xlabel("total score (%)")
    ax.set_ylabel("submissions")
    ax.yaxis.get_major_locator().set_params(integer=True)
    if len(errors):
        ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return figure_png(fig)


def bands_chart(bands: pd.DataFrame) -> str:
    """One stacked bar per exercise: submissions at 0, under half, half or more, full."""
    fig = Figure(figsize=(5.6, 2.9), layout="constrained")
    ax = fig.add_subplot()
    shown = bands[::-1]  # first exercise on top
    left = pd.Series(0, index=shown.index)
    colours = {"zero": RED, "under half": "#f0a58f", "half or more": AMBER, "full": GREEN}
    for band, colour in colours.items():
        ax.barh(shown["exercise"], shown[band], left=left, color=colour, label=band)
        left = left + shown[band]
    ax.set_xlabel("graded submissions")
    ax.tick_params(axis="y", labelsize=8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(frameon=False, fontsize=7, ncols=4, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return figure_png(fig)


# --- HTML parts ----------------------------------------------------------------------------


def fmt(value: float, digits: int = 1) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def feedback_link(run: GradingRun, name: str) -> str:
    if not run.has_feedback(name):
        return escape(name)
    return f'<a href="{escape(quote(name))}/{FEEDBACK_HTML}">{escape(name)}</a>'


def cards(numbers: dict, pending: int, helped: int) -> str:
    items = [
        ("submissions", str(numbers["submissions"]), False),
        ("graded", str(numbers["graded"]), False),
        ("errors", str(numbers["errors"]), numbers["errors"] > 0),
        ("needs help", str(helped), helped > 0),
        ("mean %", fmt(numbers["mean"]), False),
        ("median %", fmt(numbers["median"]), False),
    ]
    if pending:
        items.insert(3, ("not graded yet", str(pending), True))
    return "".join(
        f'<div class="card{" bad" if bad else ""}"><div class="k">{k}</div>'
        f'<div class="v">{v}</div></div>'
        for k, v, bad in items
    )


def help_item(run: GradingRun, item: NeedsHelp) -> str:
    return (
        f"<li>{feedback_link(run, item.submission)} — {item.percent:.0f} % "
        f'<span class="why">{escape(item.why())}</span></li>'
    )


def help_section(run: GradingRun, helped: list[NeedsHelp]) -> str:
    if not helped:
        return (
            "<section><h2>Needs help first</h2><p>Nobody: every graded submission has at "
            "least half the points of every exercise.</p></section>"
        )
    first = "".join(help_item(run, h) for h in helped[:HELP_SHOWN])
    rest = helped[HELP_SHOWN:]
    more = ""
    if rest:
        items = "".join(help_item(run, h) for h in rest)
        more = (
            f'<details><summary>{len(rest)} more</summary><ol class="help" '
            f'start="{HELP_SHOWN + 1}">{items}</ol></details>'
        )
    return (
        f"<section><h2>Needs help first ({len(helped)})</h2>"
        '<p class="note" style="margin:0 0 6px">Lowest total first; each names the '
        "exercises at 0 or under half their points.</p>"
        f'<ol class="help">{first}</ol>{more}</section>'
    )


def errors_section(run: GradingRun) -> str:
    rows = run.grades[run.grades["status"].isin(["error", "pending"])]
    if rows.empty:
        return "<section><h2>Errors</h2><p>None: every submission was graded.</p></section>"
    items = [
        f"<li>{feedback_link(run, r['submission'])} "
        f'<span class="tag {escape(r["status"])}">{escape(r["status"])}</span> '
        f'<span class="err">{escape(r["error"] or "no reason recorded")}</span></li>'
        for r in rows.to_dict("records")
    ]
    more = ""
    if len(items) > HELP_SHOWN:  # the rest behind a click: the page stays short
        more = (
            f"<details><summary>{len(items) - HELP_SHOWN} more</summary>"
            f'<ul class="errors">{"".join(items[HELP_SHOWN:])}</ul></details>'
        )
    errors = int((rows["status"] == "error").sum())
    pending = len(rows) - errors
    title = f"Errors ({errors})" + (f" and not graded yet ({pending})" if pending else "")
    return (
        f'<section><h2>{title}</h2><ul class="errors">{"".join(items[:HELP_SHOWN])}</ul>'
        f"{more}</section>"
    )


def exercise_cell(score: float, top: float, status: str) -> str:
    if status != "graded":
        return '<td class="n" data-v=""></td>'
    fraction = exercise_fraction(score, top)
    title = f"{score:g} / {top:g}" if top else "no tests"
    return (
        f'<td class="n" data-v="{fmt(100 * fraction, 3) if top else ""}" title="{title}" '
        f'style="background:{fraction_colour(fraction)}">{score:g}</td>'
    )


def submissions_section(run: GradingRun, helped: list[NeedsHelp]) -> str:
    maximum = run.exercise_maximum()
    shown = [n for n in EXERCISE_NAMES if maximum.get(n)]
    needing = {h.submission for h in helped}
    head = "".join(
        f'<th class="n ex" title="{escape(get_exercise(n).title)}, out of {maximum[n]:g}">'
        f"{escape(n.replace('_', ' '))}<br><small>/{maximum[n]:g}</small></th>"
        for n in shown
    )
    rows = []
    for r in run.grades.to_dict("records"):
        name, status = r["submission"], r["status"]
        kinds = [status] + (["needs-help"] if name in needing else [])
        error = f'<div class="err">{escape(r["error"])}</div>' if r["error"] else ""
        graded = status == "graded"
        score = f"{r['score']:g}" if graded else ""
        percent = f"{r['percent']:.1f}" if graded else ""
        cells = "".join(exercise_cell(r[n], maximum[n], status) for n in shown)
        rows.append(
            f'<tr class="{" ".join(kinds)}" data-name="{escape(name.lower())}">'
            f'<td class="name" data-v="{escape(name)}">{feedback_link(run, name)}{error}</td>'
            f'<td><span class="tag {escape(status)}">{escape(status)}</span></td>'
            f'<td class="n" data-v="{score}">{score}</td>'
            f'<td class="n" data-v="{percent}">{percent}</td>{cells}</tr>'
        )
    options = "".join(
        f'<option value="{value}">{label}</option>'
        for value, label in [
            ("all", "all submissions"),
            ("needs-help", "needs help"),
            ("error", "errors"),
            ("pending", "not graded yet"),
            ("graded", "graded"),
        ]
    )
    total = sum(maximum[n] for n in shown)
    return (
        "<section><h2>Submissions</h2>"
        '<div class="filters"><input type="search" id="filter-name" '
        'placeholder="filter by name" aria-label="filter by name">'
        f'<select id="filter-show" aria-label="show">{options}</select>'
        '<span id="filter-count" class="note"></span></div>'
        '<div class="scroll"><table class="sortable" id="submissions"><thead><tr>'
        '<th>submission</th><th>status</th><th class="n">score<br>'
        f'<small>/{total:g}</small></th><th class="n">%</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
        '<p class="note">Click a column to sort. Exercise cells are coloured by the fraction of '
        "its points (red 0 → green full); error rows leave them empty. Each name links to "
        "the feedback page the student gets.</p></section>"
    )


def bar(percent: float) -> str:
    width = 0 if math.isnan(percent) else max(0.0, min(100.0, percent))
    return (
        f'<span class="bar"><span style="width:{width:.0f}%;'
        f'background:{rate_colour(percent)}"></span></span>'
    )


def rate_cell(percent: float) -> str:
    return (
        f'<td class="n" data-v="{"" if math.isnan(percent) else f"{percent:.3f}"}">'
        f'{bar(percent)}<span class="num">{fmt(percent, 0)} %</span></td>'
    )


def clusters_cell(clusters: list[tuple[str, list[str]]], failed: int) -> str:
    if not clusters:
        return "<td></td>"
    parts = []
    for message, names in clusters[:CLUSTERS_SHOWN]:
        who = ", ".join(escape(n) for n in names)
        text = escape(message) if "\n" not in message else escape(first_line(message)) + " …"
        if len(names) > CLUSTER_NAMES_INLINE:
            who = (
                f'<details><summary class="who">which {len(names)} submissions</summary>'
                f'<div class="who">{who}</div></details>'
            )
        else:
            who = f'<div class="who">{who}</div>'
        parts.append(f'<div class="cluster"><b>{len(names)}×</b> <code>{text}</code>{who}</div>')
    if len(clusters) > CLUSTERS_SHOWN:
        rest = sum(len(n) for _, n in clusters[CLUSTERS_SHOWN:])
        parts.append(
            f'<div class="who">and {len(clusters) - CLUSTERS_SHOWN} other message(s) '
            f"({rest} of {failed} failures)</div>"
        )
    return f"<td>{''.join(parts)}</td>"


def tests_section(run: GradingRun) -> str:
    tests = run.tests()
    if tests.empty:
        return (
            '<section><h2>Tests by exercise</h2><p class="note">No test ran: no submission '
            "was graded.</p></section>"
        )
    rates = run.pass_rates()
    clusters = failure_clusters(tests)
    blocks = []
    for name in EXERCISE_NAMES:
        mine = rates[rates["exercise"] == name]
        if mine.empty:
            continue
        attempted = int(mine["attempted"].sum())
        overall = 100 * mine["passed"].sum() / attempted if attempted else math.nan
        hardest = mine.dropna(subset=["pass_rate"]).head(1)
        hardest_text = (
            f" · hardest: <code>{escape(hardest.iloc[0]['test'].split('::', 1)[-1])}</code> "
            f"{hardest.iloc[0]['pass_rate']:.0f} %"
            if len(hardest)
            else ""
        )
        rows = "".join(
            f"<tr><td><code>{escape(r.test.split('::', 1)[-1])}</code>"
            f'<div class="hint">{escape(r.hint)}</div></td>{rate_cell(r.pass_rate)}'
            f'<td class="n">{r.passed}/{r.attempted}</td>'
            f"{clusters_cell(clusters.get(r.test, []), r.failed)}</tr>"
            for r in mine.itertuples()
        )
        blocks.append(
            f'<details class="exercise"><summary><b>{escape(get_exercise(name).title)}</b> '
            f"<code>{escape(name)}</code> — {len(mine)} tests · {fmt(overall, 0)} % of runs "
            f"passed{hardest_text}</summary>"
            '<table class="sortable"><thead><tr><th>test (hardest first)</th>'
            '<th class="n">pass rate</th><th class="n">passed</th>'
            "<th>most common failure messages</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></details>"
        )
    return (
        "<section><h2>Tests by exercise</h2>"
        '<p class="note" style="margin:0 0 6px">Pass rate: passed / (passed + failed) among '
        "graded submissions; skipped runs (a CUDA test without a GPU) count neither way. "
        "Messages that differ only in numbers are counted together.</p>"
        f"{''.join(blocks)}</section>"
    )


def run_title(run: GradingRun) -> tuple[str, str]:
    """The page title and the line under it: when the run was graded, not its folder name."""
    try:
        stamp = (run.out_dir / GRADES_CSV).stat().st_mtime
        when = datetime.fromtimestamp(stamp, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    except OSError:
        when = "unknown date"
    count = len(run.grades)
    title = f"Grading report — {count} submission{'' if count == 1 else 's'}, {when}"
    return title, f"torchgrade {__version__} · percentages over all submissions, errors count as 0"


def render_report(run: GradingRun) -> str:
    numbers = class_numbers(run.grades)
    helped = needs_help(run)
    pending = int((run.grades["status"] == "pending").sum())
    title, subtitle = run_title(run)
    charts = ""
    if not run.graded.empty:
        charts = (
            '<div class="grid">'
            "<section><h2>Score distribution</h2>"
            f'<img alt="histogram of total scores" src="{distribution_chart(run.grades)}">'
            "</section><section><h2>Exercises: submissions by score band</h2>"
            f'<img alt="per exercise: submissions at 0, under half, half or more, full" '
            f'src="{bands_chart(exercise_bands(run))}"></section></div>'
        )
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body><main>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">{escape(subtitle)}</p>',
        f'<section class="cards">{cards(numbers, pending, len(helped))}</section>',
        f'<div class="grid">{help_section(run, helped)}{errors_section(run)}</div>',
        charts,
        submissions_section(run, helped),
        tests_section(run),
        f"</main><script>{SCRIPT}</script></body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_report_html(out_dir: Path) -> Path:
    """Write `out_dir/report.html` from grades.csv and the results.json files."""
    out_dir = Path(out_dir)
    return write_atomic(out_dir / "report.html", render_report(load_run(out_dir)))
