"""The SVG charts (api/supervisor/charts.py): bars proportional to their values, every figure in
a title, nothing drawn for nothing, labels escaped, charts that scale to their column, and axes
whose ticks are in the unit of the figures."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from markupsafe import Markup

from api.supervisor.charts import HOURS, MINUTES, SECONDS, Series, axis_scale, columns, duration_unit, hbars, nice_ceiling
from models.reporting.digest import duration as hours

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: Markup) -> ET.Element:
    # Inline SVG in HTML needs no namespace; add it so the markup parses as the XML it also is.
    return ET.fromstring(str(markup).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def bars(svg: ET.Element) -> list[tuple[str, float, float, float]]:
    """(title, value, height, width) of each bar."""
    return [(r.find(f"{SVG}title").text, float(r.get("data-value")), float(r.get("height")), float(r.get("width")))
            for r in svg.iter(f"{SVG}rect") if "bar" in r.get("class", "").split()]


def created(v: float) -> str:
    return f"{v:g} created"


def test_column_heights_are_proportional_to_values():
    svg = parse(columns(["2026-03-02", "2026-03-03", "2026-03-04"], [Series("created", [1, 2, 4], created)],
                        title="Created per day"))
    found = bars(svg)
    assert [t for t, *_ in found] == ["2026-03-02: 1 created", "2026-03-03: 2 created", "2026-03-04: 4 created"]
    heights = [h for _, _, h, _ in found]
    assert heights[1] == 2 * heights[0] and heights[2] == 4 * heights[0]
    assert svg.get("role") == "img" and svg.find(f"{SVG}title").text == "Created per day"


def test_bars_share_one_scale_across_series_and_the_axis_tops_at_a_round_number():
    svg = parse(columns(["a", "b"], [Series("created", [3, 0], created), Series("resolved", [6, 1], created, "s2")],
                        title="t", height=220))
    (_, _, h3, _), (_, _, h6, _), (_, _, h0, _), (_, _, h1, _) = bars(svg)  # a: created, resolved; b: ...
    assert h0 == 0 and h6 == 2 * h3 and abs(h3 - 3 * h1) < 0.02
    assert nice_ceiling(6) == 10 and nice_ceiling(0.3) == 0.5 and nice_ceiling(100) == 100 and nice_ceiling(0) == 1
    assert h6 == 220 - 42 - 22  # counts: the axis tops at 6 with gridlines 0, 2, 4, 6: the tallest bar is full height
    ticks = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "tick"]
    assert ticks == ["0", "2", "4", "6"]
    # other figures: round steps (1, 2, 2.5, 5 x 10^k), the top the first tick at or above the largest value
    assert axis_scale([1.5]) == (1.5, 3) and axis_scale([2.25]) == (2.5, 5) and axis_scale([0.04]) == (0.04, 4)
    assert axis_scale([7]) == (8, 4) and axis_scale([0, 0]) == (1, 1) and axis_scale([]) == (1, 1)
    assert axis_scale([66.7], max_value=100) == (100, 4) and axis_scale([4], max_value=5) == (5, 5)


def test_charts_scale_to_their_column():
    for chart in (columns(["a"], [Series("n", [1], str)], title="t"), hbars(["a"], [Series("n", [1], str)], title="t")):
        svg = parse(chart)
        assert svg.get("width") is None and svg.get("height") is None  # the stylesheet sizes it: width 100 %
        assert svg.get("viewBox").startswith("0 0 400 ")


def test_horizontal_bar_widths_are_proportional_and_a_fixed_scale_is_kept():
    svg = parse(hbars(["network", "support"], [Series("compliant", [66.7, 0.0], lambda v: f"{v:g} % compliant")],
                      title="SLA compliance", max_value=100, axis=lambda v: f"{v:g} %"))
    (t1, _, _, w1), (t2, _, _, w2) = bars(svg)
    assert (t1, t2) == ("network: 66.7 % compliant", "support: 0 % compliant")
    grid = [float(g.get("x1")) for g in svg.iter(f"{SVG}line") if g.get("class") == "grid"]
    full = grid[-1] - grid[0]  # the plot, from the 0 % line to the 100 % line
    assert w2 == 0 and abs(w1 - 0.667 * full) < 0.01  # of the fixed top (100), not of the largest value
    assert [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "tick"] == ["0 %", "25 %", "50 %", "75 %", "100 %"]
    # labels sit on their own line above their bars, never in a margin that squeezes the plot
    labels = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "ylabel"]
    assert [t.text for t in labels] == ["network", "support"] and float(labels[0].get("x")) == grid[0]


def test_a_note_goes_after_its_label_and_several_series_name_their_figures():
    svg = parse(hbars(["Nina Network"], [Series("handled", [3], created), Series("resolved", [2], created, "s2")],
                      title="t", notes=["nina@demo.example"]))
    (label,) = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "ylabel"]
    assert label.text == "Nina Network " and label.find(f"{SVG}tspan").text == "nina@demo.example"
    assert [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "figure"] == ["handled 3", "resolved 2"]
    long = "An agent with a very long name indeed, longer than any chart is wide"
    svg = parse(hbars([long], [Series("n", [1], str)], title="t", notes=["x@example.org"]))
    (label,) = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "ylabel"]
    assert label.text.endswith("…") and label.find(f"{SVG}tspan") is None  # cut to fit; the note left out


def test_bars_take_a_colour_each_when_given():
    svg = parse(hbars(["critical", "low"], [Series("open", [1, 2], str, classes=["p-critical", "p-low"])], title="t"))
    rects = [r for r in svg.iter(f"{SVG}rect") if "bar" in r.get("class", "")]
    assert [r.get("class") for r in rects] == ["bar p-critical", "bar p-low"]


def test_durations_are_drawn_in_the_unit_of_their_longest_value():
    assert [duration_unit(s) for s in (0, 9, 119, 120, 45 * 60, 7199, 7200, 40 * 3600)] == [
        MINUTES, SECONDS, SECONDS, MINUTES, MINUTES, MINUTES, HOURS, HOURS]
    assert [MINUTES.figure(v) for v in (0, 0.15, 44.6)] == ["0 min", "0 min", "45 min"]
    assert [HOURS.figure(v) for v in (2.25, 12.4)] == ["2.2 h", "12 h"] and HOURS.tick(2.5) == "2.5 h"
    assert SECONDS.tick(0.30000000000000004) == "0.3 s"
    # a chart of short waits: the ticks are minutes too, never "0.0025 h" under "0 min"
    unit = duration_unit(9 * 60)
    svg = parse(hbars(["all"], [Series("median", [9], str)], title="t", axis=unit.tick, figure=unit.figure, unit="min"))
    ticks = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "tick"]
    assert ticks == ["0 min", "2 min", "4 min", "6 min", "8 min", "10 min"] and svg.get("data-unit") == "min"
    assert [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "figure"] == ["9 min"]


def test_missing_values_draw_no_bar_but_keep_the_others():
    svg = parse(hbars(["nina", "sam"], [Series("CSAT", [4.0, None], lambda v: f"CSAT {v:g}")], title="CSAT",
                      max_value=5))
    assert [t for t, *_ in bars(svg)] == ["nina: CSAT 4"]


def test_nothing_to_draw_says_so_instead_of_an_empty_chart():
    for chart in (columns([], [Series("created", [], created)], title="Created", empty="No tickets in this period."),
                  columns(["a"], [Series("created", [None], created)], title="Created", empty="No tickets in this period."),
                  hbars([], [], title="Teams", empty="No tickets in this period.")):
        assert "<svg" not in chart and "No tickets in this period." in chart


def test_all_zero_values_draw_zero_height_bars_with_their_titles():
    found = bars(parse(columns(["a", "b"], [Series("created", [0, 0], created)], title="t")))
    assert [(t, h) for t, _, h, _ in found] == [("a: 0 created", 0.0), ("b: 0 created", 0.0)]


def test_labels_and_titles_are_escaped():
    evil = '<script>alert("x")</script> & co'
    chart = hbars([evil], [Series("n", [2], lambda v: f"{v:g} <b>tickets</b>")], title='Teams "<i>"')
    assert "<script>" not in chart and "<b>" not in chart and "<i>" not in chart
    svg = parse(chart)  # still well-formed
    assert bars(svg)[0][0] == f"{evil}: 2 <b>tickets</b>"
    assert svg.find(f"{SVG}title").text == 'Teams "<i>"'
    assert isinstance(chart, Markup)
    empty = columns([], [], title="<x>", empty="<none>")
    assert "<x>" not in empty and "&lt;none&gt;" in empty


def test_many_days_keep_every_bar_but_not_every_axis_label():
    days = [f"2026-03-{d:02d}" for d in range(1, 31)]
    chart = columns(days, [Series("created", list(range(30)), created)], title="t", short=lambda d: d[-2:])
    assert len(bars(parse(chart))) == 30
    assert 5 <= len(re.findall(r'class="xlabel"', chart)) < 30


def test_hours_read_as_a_person_would():
    assert [hours(s) for s in (None, 0, 9, 45 * 60, 7200, 8100, 30 * 3600 + 60)] == ["–", "0 min", "9 s", "45 min", "2 h",
                                                                                     "2 h 15 min", "30 h"]
