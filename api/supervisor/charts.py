"""Charts as inline SVG, built on the server: pure functions from numbers to markup, so the page
needs no script and nothing downloaded, and a test can read every figure.

Every chart is drawn on a canvas WIDTH units wide (its viewBox) and scaled by the stylesheet to
the width of its column (`width: 100%`, at most a little larger than drawn): its text is sized
for a phone's column and stays readable on a wide screen. Horizontal bars put each label on its
own line above its bars, so a long name never squeezes the plot.

Every bar carries a <title> ("2026-03-02: 3 created") that screen readers and hover tooltips
read; every chart is an <svg role="img"> named by its own <title>. Labels and titles are escaped
here (markupsafe), and the result is Markup so Jinja (autoescape on) inserts it as it is.

Axes: counts get whole-number ticks (0, 2, 4, 6), other figures round steps (1, 2, 2.5 or 5 x
10^k); durations are drawn in one unit chosen from the data (`duration_unit`: seconds, minutes
or hours), in which the ticks and the figures at the bars' ends are both written."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

Describe = Callable[[float], str]
WIDTH = 400  # the canvas: text is drawn at 11-13 units, about its size in CSS px on a phone
CHAR = 7.0  # about how wide a character of 12-13 unit text is, to make room for labels


@dataclass(frozen=True)
class Series:
    """One kind of bar: `values` line up with the chart's labels; None is "no value" (no bar)."""

    name: str
    values: Sequence[float | None]
    describe: Describe  # 3 -> "3 created": the bar's title says the figure and what it counts
    css: str = "s1"  # the bar's colour, in supervisor.css (s1..s4)
    classes: Sequence[str] | None = None  # a colour per bar instead (e.g. by priority), lined up with values


@dataclass(frozen=True)
class DurationUnit:
    """The unit a chart of durations is drawn in: its values are seconds / `seconds`."""

    name: str  # "s", "min", "h"
    seconds: int
    words: str  # for a chart's title: "minutes"

    def tick(self, v: float) -> str:
        return f"{_round(v)} {self.name}"

    def figure(self, v: float) -> str:
        """A bar's figure in this unit: whole seconds and minutes, hours to a tenth below 10."""
        if self.name == "h" and abs(v) < 10:
            return f"{round(v, 1):g} {self.name}"
        return f"{round(v):d} {self.name}"


SECONDS = DurationUnit("s", 1, "seconds")
MINUTES = DurationUnit("min", 60, "minutes")
HOURS = DurationUnit("h", 3600, "hours")


def duration_unit(longest_seconds: float) -> DurationUnit:
    """The unit that writes the longest value of a chart as a number people read at a glance:
    seconds under 2 min, minutes under 2 h, hours beyond (business hours: a "day" would be
    ambiguous)."""
    if longest_seconds < 120:
        return SECONDS if longest_seconds > 0 else MINUTES
    return MINUTES if longest_seconds < 2 * 3600 else HOURS


def nice_ceiling(value: float, steps: Sequence[float] = (1, 2, 2.5, 5, 10)) -> float:
    """The smallest of `steps` x 10^k at or above `value`; 1 for 0."""
    if value <= 0:
        return 1.0
    base = 10.0 ** math.floor(math.log10(value))
    for step in steps:
        if value <= step * base * (1 + 1e-9):
            return step * base
    return 10 * base  # not reached


def _is_nice(step: float) -> bool:
    return step > 0 and math.isclose(nice_ceiling(step), step, rel_tol=1e-9)


def _round(x: float) -> str:
    """A tick's number without float noise: 0.30000000000000004 -> 0.3."""
    return f"{round(x, 6):g}"


def _num(x: float) -> str:
    """Coordinates with at most two decimals, no trailing zeros (short, stable markup)."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def axis_scale(values: Sequence[float], max_value: float | None = None) -> tuple[float, int]:
    """(axis top, number of steps between ticks). A fixed top (100 %, CSAT 5) is cut in 4 or 5
    round steps; counts get whole-number steps (0, 1, 2, 3 rather than 0, 0.75, 1.5 ...);
    other figures steps of 1, 2, 2.5 or 5 x 10^k, and the top is the first tick at or above
    the largest value."""
    if max_value is not None:
        for n in (4, 5, 2, 1):
            if _is_nice(max_value / n):
                return max_value, n
        return max_value, 4
    highest = max(values, default=0)
    if highest <= 0:
        return 1.0, 1
    whole = all(float(v).is_integer() for v in values)
    step = max(nice_ceiling(highest / 5, (1, 2, 5, 10)), 1) if whole else nice_ceiling(highest / 5)  # 5 steps at most
    steps = max(math.ceil(highest / step - 1e-9), 1)
    return step * steps, steps


def _values(series: Sequence[Series]) -> list[float]:
    return [v for s in series for v in s.values if v is not None]


def _empty(title: str, message: str) -> Markup:
    return Markup('<p class="chart-empty" role="note" aria-label="{}">{}</p>').format(title, message)


def _open(title: str, width: int, height: float, unit: str | None) -> Markup:
    unit_attr = Markup(' data-unit="{}"').format(unit) if unit else Markup("")
    return Markup('<svg class="chart" role="img" viewBox="0 0 {} {}" preserveAspectRatio="xMinYMin meet" '
                  'aria-labelledby="{}"{}><title id="{}">{}</title>'
                  '<text class="chart-title" x="0" y="14" aria-hidden="true">{}</text>').format(
        width, _num(height), _id(title), unit_attr, _id(title), title, _fit(title, width, 7.5))


def _legend(series: Sequence[Series], x: float, y: float) -> list[Markup]:
    if len(series) < 2:
        return []
    out = []
    for s in series:
        out.append(Markup('<rect class="swatch {}" x="{}" y="{}" width="10" height="10"/>'
                          '<text class="legend" x="{}" y="{}">{}</text>').format(
            s.css, _num(x), _num(y - 9), _num(x + 14), _num(y), s.name))
        x += 24 + CHAR * len(s.name)
    return out


def _css(s: Series, i: int) -> str:
    return s.classes[i] if s.classes is not None else s.css


def _bar(s: Series, i: int, label: str, value: float, x: float, y: float, w: float, h: float) -> Markup:
    return Markup('<rect class="bar {}" data-label="{}" data-series="{}" data-value="{}" x="{}" y="{}" width="{}" '
                  'height="{}"><title>{}: {}</title></rect>').format(
        _css(s, i), label, s.name, _num(value), _num(x), _num(y), _num(w), _num(h), label, s.describe(value))


def _fit(text: str, width: float, char: float = CHAR) -> str:
    """`text`, cut with an ellipsis to about `width` units (the full text is in the titles)."""
    room = max(int(width / char), 4)
    return text if len(text) <= room else text[: room - 1].rstrip() + "…"


def columns(labels: Sequence[str], series: Sequence[Series], *, title: str, axis: Callable[[float], str] = _round,
            short: Callable[[str], str] = str, max_value: float | None = None, empty: str = "Nothing to show.",
            width: int = WIDTH, height: int = 220, unit: str | None = None) -> Markup:
    """Vertical bars, one group per label (a day, a score), one bar per series in each group.
    A bar's height is value / axis top x the plot's height. `short` shortens an x-axis label;
    when the labels do not fit, only every n-th is written (every bar still has its title)."""
    if not labels or not _values(series):
        return _empty(title, empty)
    top, steps = axis_scale(_values(series), max_value)
    ticks = [axis(top * i / steps) for i in range(steps + 1)]
    left = 8 + CHAR * max(len(t) for t in ticks)
    right, top_pad, bottom = 4, 42 if len(series) > 1 else 26, 22  # room for the title and legend above
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    group = plot_w / len(labels)
    bar_w = max(group * 0.8 / len(series), 1)
    label_w = CHAR * max(len(short(x)) for x in labels) + 8
    every = max(1, math.ceil(len(labels) * label_w / plot_w))
    base = top_pad + plot_h
    parts = [_open(title, width, height, unit)]
    for i, tick in enumerate(ticks):  # gridlines from 0 to the top
        y = base - plot_h * i / steps
        parts.append(Markup('<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/><text class="tick" x="{}" y="{}" '
                            'text-anchor="end">{}</text>').format(_num(left), width - right, _num(y), _num(y),
                                                                   _num(left - 4), _num(y + 4), tick))
    for i, label in enumerate(labels):
        x0 = left + group * i + group * 0.1
        for j, s in enumerate(series):
            value = s.values[i]
            if value is None:
                continue
            h = plot_h * min(max(value, 0), top) / top
            parts.append(_bar(s, i, label, value, x0 + j * bar_w, base - h, bar_w, h))
        if i % every == 0:
            parts.append(Markup('<text class="xlabel" x="{}" y="{}" text-anchor="middle">{}</text>').format(
                _num(left + group * (i + 0.5)), base + 16, short(label)))
    parts += _legend(series, left, 34)
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def hbars(labels: Sequence[str], series: Sequence[Series], *, title: str, axis: Callable[[float], str] = _round,
          figure: Callable[[float], str] | None = None, max_value: float | None = None, empty: str = "Nothing to show.",
          width: int = WIDTH, bar_height: int = 14, notes: Sequence[str | None] | None = None,
          unit: str | None = None) -> Markup:
    """Horizontal bars, one row per label (a team, an agent, a category): the label on its line
    (with its note, e.g. an agent's e-mail, in smaller type after it when it fits), then one bar
    per series, each with its figure (`figure`, else `axis`) at its end, after the series' name
    when there are several, and a dash where a value is missing. A bar's length is
    proportional to its value; the axis is at the bottom."""
    figure = figure or axis
    if not labels or not _values(series):
        return _empty(title, empty)
    many = len(series) > 1
    top, steps = axis_scale(_values(series), max_value)
    figures = [[None if v is None else (f"{s.name.lower()} " if many else "") + figure(v) for v in s.values]
               for s in series]
    right = 6 + CHAR * max(len(f) for fs in figures for f in fs if f is not None)
    left, top_pad, label_h, gap = 2.0, 44 if many else 26, 17, 3
    plot_w = max(width - left - right, width / 3)
    row_h = label_h + (bar_height + gap) * len(series) + 8
    bottom = top_pad + row_h * len(labels)
    height = bottom + 20
    parts = [_open(title, width, height, unit)]
    for i in range(steps + 1):
        x = left + plot_w * i / steps
        anchor = "start" if i == 0 else "middle"
        parts.append(Markup('<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/><text class="tick" x="{}" y="{}" '
                            'text-anchor="{}">{}</text>').format(_num(x), _num(x), top_pad, _num(bottom), _num(x),
                                                                  _num(bottom + 15), anchor, axis(top * i / steps)))
    for i, label in enumerate(labels):
        y0 = top_pad + row_h * i
        note = notes[i] if notes is not None else None
        shown = _fit(label, width - left)
        if note and len(shown) + len(note) + 2 <= (width - left) / CHAR:
            parts.append(Markup('<text class="ylabel" x="{}" y="{}">{} <tspan class="note" dx="3">{}</tspan></text>').format(
                _num(left), _num(y0 + 13), shown, note))
        else:
            parts.append(Markup('<text class="ylabel" x="{}" y="{}">{}</text>').format(_num(left), _num(y0 + 13), shown))
        for j, s in enumerate(series):
            value = s.values[i]
            y = y0 + label_h + j * (bar_height + gap)
            w = 0.0 if value is None else plot_w * min(max(value, 0), top) / top
            if value is not None:
                parts.append(_bar(s, i, label, value, left, y, w, bar_height))
            text = figures[j][i]
            parts.append(Markup('<text class="figure" x="{}" y="{}" aria-hidden="true">{}</text>').format(
                _num(left + w + 4), _num(y + bar_height - 3), "–" if text is None else text))
    parts += _legend(series, left, 34)
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _id(title: str) -> str:
    """An id for the chart's <title> (aria-labelledby), from its words."""
    slug = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")
    return "chart-" + "-".join(filter(None, slug.split("-")))[:60]
