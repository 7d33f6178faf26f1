"""The insight figures as SVG charts, drawn on the server by pygal (so no page loads a charting
script, and the phones' pages carry none of it).

Each chart is inline SVG with `role="img"` and a one-sentence `aria-label`; the pages put the
figure's table beside it as its full text alternative. pygal's inline <script> and <style> are
taken out: the pages' Content-Security-Policy allows neither, and `stylesheet()` serves the same
rules as a file.
"""

import functools
import math
import re
import xml.etree.ElementTree as ET
from typing import Any

import pygal  # type: ignore[import-untyped]
from pygal.style import Style  # type: ignore[import-untyped]

from app.reading.insights import WORDS, Figure, Language

# Dark enough on white for text (WCAG AA), told apart by more than hue where stacked.
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#52606d",
    font_family="system-ui, sans-serif",
    # drawn 720 wide and shown at 540-720 px: 16 here is 12-16 px on the page
    label_font_size=16,
    major_label_font_size=16,
    legend_font_size=16,
    title_font_size=18,
    value_font_size=16,
    colors=("#1b6f5c", "#c98a0b", "#a23b3b", "#3457a6", "#6b4fa0", "#4a5560"),
)
OPTIONS: dict[str, Any] = {
    "style": STYLE,
    "js": [],
    "disable_xml_declaration": True,
    "width": 720,
    "height": 340,
    "legend_at_bottom": True,
    "truncate_label": 40,
    "truncate_legend": 40,
    "print_values": False,
    "show_title": False,  # the page's <figcaption> carries the title
    "no_data_text": "–",  # the pages say "no data yet" in words instead
}
CHART_ID = re.compile(r"#chart-[0-9a-f-]+")


def _svg(chart: Any, label: str) -> str:
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            hover = "tooltip-overlay" in child.get("class", "")  # for pygal's script only
            if hover or child.tag in ("script", "style") or not isinstance(child.tag, str):
                parent.remove(child)  # inline code, inline styles and comments
    tree.set("role", "img")
    tree.set("aria-label", label)
    tree.attrib.pop("id", None)
    return ET.tostring(tree, encoding="unicode")


@functools.cache
def stylesheet() -> str:
    """pygal's own rules for our style, scoped to `.pygal-chart` instead of one chart's id."""
    bars = pygal.Bar(**OPTIONS)
    for i, _ in enumerate(STYLE.colors):  # a rule per colour comes only with a series for it
        bars.add(str(i), [1])
    tree = bars.render_tree()
    css = "\n".join(el.text or "" for el in tree.iter("style"))
    return CHART_ID.sub(".pygal-chart", css)


def _fmt(value: float | int | None) -> str:
    return "–" if value is None else f"{value:g}"


def summary(fig: Figure, language: Language) -> str:
    """The chart in one sentence (its table follows on the page)."""
    w = WORDS[language]
    if not fig.rows:
        return f"{fig.title}: " + ("geen gegevens" if language == "nl" else "no data")
    parts = [
        f"{label}: " + ", ".join(f"{c} {_fmt(v)}" for c, v in zip(fig.columns, values, strict=True))
        for label, values in fig.rows
    ]
    return f"{fig.title} ({w['n']} {len(fig.rows)}). " + "; ".join(parts)


def chart(fig: Figure, language: Language) -> str:
    """One figure as the chart that reads best for it."""
    label = summary(fig, language)
    if fig.id == "time" and all((values[0] or 0) < 4 for _, values in fig.rows):
        # too few rounds for a box (it would be a hairline): the median per round as a bar
        bars = pygal.Bar(**OPTIONS, y_title=WORDS[language]["seconds"])
        bars.show_legend = False
        bars.x_labels = [row for row, _ in fig.rows]
        bars.add(fig.columns[3], [median for _, (_, _, _, median, _, _) in fig.rows])
        return _svg(bars, label)
    if fig.id == "time":  # a box per round: median, quartiles, shortest and longest
        box = pygal.Box(**OPTIONS, box_mode="extremes", y_title=WORDS[language]["seconds"])
        box.show_legend = False
        box.x_labels = [row for row, _ in fig.rows]
        for row, (n, lo, q1, median, q3, hi) in fig.rows:
            # pygal computes the quartiles of what it gets: these seven give back exactly ours
            box.add(row, [lo, q1, q1, median, q3, q3, hi] if n else [])
        return _svg(box, label)
    if fig.id in ("decisions", "opdrachten"):  # counts of yes / partly / no, stacked
        first = 0 if fig.id == "decisions" else 2
        bars = (pygal.StackedBar if fig.id == "decisions" else pygal.HorizontalStackedBar)(
            **OPTIONS
        )
        bars.x_labels = [row for row, _ in fig.rows]
        counts = [[int(values[first + i] or 0) for _, values in fig.rows] for i in range(3)]
        top = max(map(sum, zip(*counts, strict=True)), default=1)
        bars.y_labels = list(range(0, top + 1, max(1, math.ceil(top / 8))))  # whole rounds
        for column, series in zip(fig.columns[first : first + 3], counts, strict=True):
            bars.add(column, series)
        return _svg(bars, label)
    if fig.id == "checkout":  # how many chose each score, per question, stacked
        scores = pygal.HorizontalStackedBar(**OPTIONS)
        scores.x_labels = [row for row, _ in fig.rows]
        top = max((int(values[0] or 0) for _, values in fig.rows), default=1)
        scores.y_labels = list(range(0, top + 1, max(1, math.ceil(top / 8))))  # whole answers
        for i in range(2, 7):
            scores.add(fig.columns[i], [int(values[i] or 0) for _, values in fig.rows])
        return _svg(scores, label)
    if fig.id == "support":  # yes / partly / no as shares of each strategy's votes, stacked
        shares = pygal.HorizontalStackedBar(**OPTIONS, range=(0, 100), y_title="%")
        shares.x_labels = [row for row, _ in fig.rows]
        for i in (1, 2, 3):
            shares.add(
                fig.columns[i],
                [round(100 * (values[i] or 0) / (values[0] or 1)) for _, values in fig.rows],
            )
        return _svg(shares, label)
    # a percentage per row: recognised, or groups compared (with or without consensus, versions)
    percent = pygal.HorizontalBar(**OPTIONS, range=(0, 100), y_title="%")
    percent.x_labels = [row for row, _ in fig.rows]
    if fig.id in ("no_consensus", "versions"):
        for i in (2, 3) if fig.id == "no_consensus" else (3, 4):
            percent.add(fig.columns[i], [values[i] for _, values in fig.rows])
    else:
        percent.show_legend = False
        percent.add(fig.columns[-1], [values[-1] for _, values in fig.rows])
    return _svg(percent, label)
