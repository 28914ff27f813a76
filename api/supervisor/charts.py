"""Charts as inline SVG, built on the server: pure functions from numbers to markup, so the page
needs no script and nothing downloaded, and a test can read every figure.

Every bar carries a <title> ("2026-03-02: 3 created") that screen readers and hover tooltips
read; every chart is an <svg role="img"> named by its own <title>. Labels and titles are escaped
here (markupsafe), and the result is Markup so Jinja (autoescape on) inserts it as it is."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

Describe = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    """One kind of bar: `values` line up with the chart's labels; None is "no value" (no bar)."""

    name: str
    values: Sequence[float | None]
    describe: Describe  # 3 -> "3 created": the bar's title says the figure and what it counts
    css: str = "s1"  # the bar's colour, in supervisor.css (s1..s4)


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 x 10^k at or above `value` (the axis' top); 1 for 0."""
    if value <= 0:
        return 1.0
    base = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * base * (1 + 1e-9):
            return step * base
    return 10 * base  # not reached


def _num(x: float) -> str:
    """Coordinates with at most two decimals, no trailing zeros (short, stable markup)."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _scale(series: Sequence[Series], max_value: float | None) -> tuple[float, int]:
    """(axis top, number of gridline steps). Counts get whole-number gridlines (0, 1, 2, 3 rather
    than 0, 0.75, 1.5 ...); other figures get quarters of a round top."""
    if max_value is not None:
        return max_value, 4
    found = [v for s in series for v in s.values if v is not None]
    highest = max(found, default=0)
    if all(float(v).is_integer() for v in found):
        step = max(math.ceil(nice_ceiling(highest / 4)), 1)
        steps = max(math.ceil(highest / step), 1)
        return float(step * steps), steps
    return nice_ceiling(highest), 4


def _empty(title: str, message: str) -> Markup:
    return Markup('<p class="chart-empty" role="note" aria-label="{}">{}</p>').format(title, message)


def _has_data(series: Sequence[Series]) -> bool:
    return any(v is not None for s in series for v in s.values)


def _legend(series: Sequence[Series], x: float, y: float) -> list[Markup]:
    if len(series) < 2:
        return []
    out = []
    for s in series:
        out.append(Markup('<rect class="{}" x="{}" y="{}" width="10" height="10"/>'
                          '<text class="legend" x="{}" y="{}">{}</text>').format(
            s.css, _num(x), _num(y - 9), _num(x + 14), _num(y), s.name))
        x += 24 + 7 * len(s.name)
    return out


def _bar(s: Series, label: str, value: float, x: float, y: float, w: float, h: float) -> Markup:
    return Markup('<rect class="bar {}" data-label="{}" data-series="{}" data-value="{}" x="{}" y="{}" width="{}" '
                  'height="{}"><title>{}: {}</title></rect>').format(
        s.css, label, s.name, _num(value), _num(x), _num(y), _num(w), _num(h), label, s.describe(value))


def columns(labels: Sequence[str], series: Sequence[Series], *, title: str, axis: Callable[[float], str] = _num,
            short: Callable[[str], str] = str, max_value: float | None = None, empty: str = "Nothing to show.",
            width: int = 640, height: int = 220) -> Markup:
    """Vertical bars, one group per label (a day, a score), one bar per series in each group.
    A bar's height is value / axis top x the plot's height. `short` shortens an x-axis label;
    when the labels do not fit, only every n-th is written (every bar still has its title)."""
    if not labels or not _has_data(series):
        return _empty(title, empty)
    left, right, top_pad, bottom = 44, 8, 42, 26  # room for the title and legend above
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top, steps = _scale(series, max_value)
    group = plot_w / len(labels)
    bar_w = max(group * 0.8 / len(series), 1)
    every = max(1, math.ceil(len(labels) * 48 / plot_w))  # a label needs about 48 px
    base = top_pad + plot_h
    parts = [Markup('<svg class="chart" role="img" viewBox="0 0 {} {}" width="{}" height="{}" aria-labelledby="{}">'
                    '<title id="{}">{}</title><text class="chart-title" x="0" y="14" aria-hidden="true">{}</text>').format(
        width, height, width, height, _id(title), _id(title), title, title)]
    for i in range(steps + 1):  # gridlines from 0 to the top
        value = top * i / steps
        y = base - plot_h * i / steps
        parts.append(Markup('<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/><text class="tick" x="{}" y="{}" '
                            'text-anchor="end">{}</text>').format(left, width - right, _num(y), _num(y), left - 4,
                                                                   _num(y + 4), axis(value)))
    for i, label in enumerate(labels):
        x0 = left + group * i + group * 0.1
        for j, s in enumerate(series):
            value = s.values[i]
            if value is None:
                continue
            h = plot_h * min(max(value, 0), top) / top
            parts.append(_bar(s, label, value, x0 + j * bar_w, base - h, bar_w, h))
        if i % every == 0:
            parts.append(Markup('<text class="xlabel" x="{}" y="{}" text-anchor="middle">{}</text>').format(
                _num(left + group * (i + 0.5)), base + 16, short(label)))
    parts += _legend(series, left, 34)
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def hbars(labels: Sequence[str], series: Sequence[Series], *, title: str, axis: Callable[[float], str] = _num,
          figure: Callable[[float], str] | None = None, max_value: float | None = None, empty: str = "Nothing to show.",
          width: int = 640, bar_height: int = 16) -> Markup:
    """Horizontal bars, one row per label (a team, an agent, a category), one bar per series in
    each row, with the figure (`figure`, else `axis`) written at the bar's end, and a dash where a
    value is missing. A bar's length is proportional to its value."""
    figure = figure or axis
    if not labels or not _has_data(series):
        return _empty(title, empty)
    left = min(max(10 + 8 * max(len(x) for x in labels), 80), 240)  # room for the longest label (12px text)
    right, top_pad = 70, 44 if len(series) > 1 else 26  # room for the title (and legend)
    plot_w = width - left - right
    row_h = bar_height * len(series) + 10
    height = top_pad + row_h * len(labels) + 18
    top, steps = _scale(series, max_value)
    parts = [Markup('<svg class="chart" role="img" viewBox="0 0 {} {}" width="{}" height="{}" aria-labelledby="{}">'
                    '<title id="{}">{}</title><text class="chart-title" x="0" y="14" aria-hidden="true">{}</text>').format(
        width, height, width, height, _id(title), _id(title), title, title)]
    bottom = top_pad + row_h * len(labels)
    for i in range(steps + 1):
        x = left + plot_w * i / steps
        parts.append(Markup('<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/><text class="tick" x="{}" y="{}" '
                            'text-anchor="middle">{}</text>').format(_num(x), _num(x), top_pad, bottom, _num(x),
                                                                      bottom + 14, axis(top * i / steps)))
    for i, label in enumerate(labels):
        y0 = top_pad + row_h * i + 5
        parts.append(Markup('<text class="ylabel" x="{}" y="{}" text-anchor="end">{}</text>').format(
            left - 6, _num(y0 + row_h / 2 - 1), label))
        for j, s in enumerate(series):
            value = s.values[i]
            y = y0 + j * bar_height
            w = 0.0 if value is None else plot_w * min(max(value, 0), top) / top
            if value is not None:
                parts.append(_bar(s, label, value, left, y, w, bar_height - 2))
            parts.append(Markup('<text class="figure" x="{}" y="{}" aria-hidden="true">{}</text>').format(
                _num(left + w + 4), _num(y + bar_height - 5), "–" if value is None else figure(value)))
    parts += _legend(series, left, 34)
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _id(title: str) -> str:
    """An id for the chart's <title> (aria-labelledby), from its words."""
    slug = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")
    return "chart-" + "-".join(filter(None, slug.split("-")))[:60]


def hours(seconds: float | None) -> str:
    """Business seconds as a person reads them: "45 min", "2 h 15 min", "31 h"."""
    if seconds is None:
        return "–"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    h, m = divmod(minutes, 60)
    return f"{h} h" if m == 0 or h >= 24 else f"{h} h {m:02d} min"

