"""The reports page's content: the same report functions as GET /reports/... (models/reporting/),
turned into key figures, charts (api/supervisor/charts.py) and the tables of their figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from api.supervisor.charts import Series, columns, duration_unit, hbars
from models.reporting import figures as reports
from models.reporting.digest import TABLES, all_tables, key_figures
from models.reporting.digest import duration as hours
from models.reports import Filters
from workflows.vocabulary import PRIORITIES

NO_TICKETS = "No tickets in this period."

# A cell of a figures table: its text, or its text and a second, quieter line (an agent's e-mail).
Cell = str | tuple[str, str]


@dataclass
class Figures:
    """A chart's figures as a table: header row, rows of cells."""

    columns: list[str]
    rows: list[list[Cell]]


@dataclass
class Section:
    id: str  # also the CSV's name
    title: str
    intro: str
    charts: list[Markup] = field(default_factory=list)
    figures: Figures | None = None
    empty: str | None = None  # said instead of the charts when there is nothing to draw
    show_figures: bool = False  # the table in full view (else folded in a <details>)


def _n(v: Any) -> str:
    return "–" if v is None else f"{v:g}" if isinstance(v, float) else str(v)


def _plural(n: float, one: str, many: str) -> str:
    return f"{n:g} {one if n == 1 else many}"


def _team(t: str | None) -> str:
    return "(no team)" if t is None else t


def _short_day(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.day} {d:%b}"


def figures_of(table: reports.Table, skip: tuple[str, ...] = ()) -> Figures:
    """A report's CSV table, readable: durations in hours and minutes, empty cells as a dash."""
    keep = [i for i, c in enumerate(table.columns) if c not in skip]
    heads = [table.columns[i].removesuffix("_seconds").replace("_", " ") for i in keep]
    rows: list[list[Cell]] = [[hours(row[i]) if table.columns[i].endswith("_seconds") else _n(row[i]) for i in keep]
                              for row in table.rows]
    return Figures(heads, rows)


def volume(t: reports.Table) -> Section:
    d = t.data
    per = "week" if d["by"] == "week" else "day"
    sec = Section("volume", "Tickets created and resolved", f"Per {per} of the period (weeks start on Monday); "
                  "resolved counts tickets resolved in it, whenever created.", figures=figures_of(t))
    if d["created"] == 0 and d["resolved"] == 0:
        sec.empty = NO_TICKETS
        return sec
    labels = [r["period"] for r in d["rows"]]
    sec.charts.append(columns(labels, [
        Series("created", [r["created"] for r in d["rows"]], lambda v: f"{v:g} created", "s1"),
        Series("resolved", [r["resolved"] for r in d["rows"]], lambda v: f"{v:g} resolved", "s2")],
        title=f"Tickets created and resolved per {per}", short=_short_day))
    return sec


def backlog(t: reports.Table) -> Section:
    now, daily = t.data["open_now"], t.data["daily"]
    sec = Section("backlog", "Backlog", f"{_plural(now['total'], 'ticket is', 'tickets are')} open now, whenever "
                  "created; and how many were open at the end of each day of the period.", figures=figures_of(t))
    if now["total"] == 0 and not any(r["open"] for r in daily):
        sec.empty = "No open tickets."
        return sec
    open_ = lambda v: f"{v:g} open"  # noqa: E731  # a named format, passed to each chart
    prios = list(reversed(PRIORITIES))  # the most urgent first; each bar in its priority's colour
    sec.charts.append(hbars(prios, [Series("open", [now["by_priority"].get(p, 0) for p in prios], open_,
                                           classes=[f"p-{p}" for p in prios])],
                            title="Open now by priority"))
    teams = now["by_team"]
    sec.charts.append(hbars([_team(r["team"]) for r in teams], [Series("open", [r["open"] for r in teams], open_, "s1")],
                            title="Open now by team", empty="No open tickets."))
    sec.charts.append(columns([r["date"] for r in daily], [Series("open", [r["open"] for r in daily],
                                                                  lambda v: f"{v:g} open at the end of the day", "s4")],
                              title="Open at the end of each day", short=_short_day, empty="No open tickets."))
    return sec


def _describe(stat: str, seconds: int) -> Callable[[float], str]:
    return lambda v: f"{stat} {hours(v * seconds)}"


def duration_chart(labels: list[str], parts: list[dict[str, Any]], title: str, empty: str) -> Markup:
    """Mean, median and p90 of one duration per label, in the unit its longest value reads
    best in (the ticks and the figures at the bars' ends in that unit; each bar's title in
    hours and minutes)."""
    found = [p[stat] for p in parts for stat in ("mean", "median", "p90") if p[stat] is not None]
    unit = duration_unit(max(found, default=0))
    series = [Series(stat if stat == "p90" else stat.capitalize(),
                     [None if p[stat] is None else p[stat] / unit.seconds for p in parts],
                     _describe(stat, unit.seconds), css)
              for stat, css in (("mean", "s1"), ("median", "s2"), ("p90", "s4"))]
    return hbars(labels, series, title=f"{title} by team (business {unit.words})", axis=unit.tick, figure=unit.figure,
                 empty=empty, unit=unit.name)


def response_times(t: reports.Table) -> Section:
    d = t.data
    sec = Section("response-times", "Response and resolution times", "In business hours, on each ticket's SLA "
                  "calendar, time waiting on the customer left out; tickets created in the period. First response: "
                  "to the first public reply. Next response: from each later message of the customer to the reply "
                  "that answered it. Resolution: to the last resolution.", figures=figures_of(t))
    if d["tickets"] == 0:
        sec.empty = NO_TICKETS
        return sec
    parts = [("All teams", d["overall"])] + [(_team(r["team"]), r) for r in d["by_team"]]
    labels = [name for name, _ in parts]
    for metric, title, empty in (("first_response", "First response", "No first responses yet."),
                                 ("next_response", "Next response", "No later messages answered yet."),
                                 ("resolution", "Resolution", "No resolutions yet.")):
        sec.charts.append(duration_chart(labels, [p[metric] for _, p in parts], f"{title} time", empty))
    return sec


def reopens(t: reports.Table) -> Section:
    d = t.data
    sec = Section("reopens", "Reopened tickets", "Of the tickets resolved in the period (whenever created), the "
                  "share reopened afterwards: by the customer's reply or their rejection of the resolution, or by "
                  "an agent.", figures=figures_of(t), show_figures=True)
    if d["overall"]["resolved"] == 0:
        sec.empty = "No tickets resolved in this period."
        return sec
    parts = [("All teams", d["overall"])] + [(_team(r["team"]), r) for r in d["by_team"]]
    sec.charts.append(hbars([name for name, _ in parts],
                            [Series("reopened", [p["reopen_pct"] for _, p in parts],
                                    lambda v: f"{v:g} % reopened", "s3")],
                            title="Reopen rate by team (%)", max_value=100, axis=lambda v: f"{v:g} %", unit="%"))
    return sec


def sla(t: reports.Table) -> Section:
    d = t.data
    sec = Section("sla", "SLA compliance, breaches and escalations", "Tickets created in the period that have an "
                  "SLA policy: compliant = no breach at all.", figures=figures_of(t), show_figures=True)
    if d["overall"]["with_policy"] == 0:
        sec.empty = "No tickets with an SLA policy in this period."
        return sec
    parts = [("All teams", d["overall"])] + [(_team(r["team"]), r) for r in d["by_team"]]
    labels = [name for name, _ in parts]
    sec.charts.append(hbars(labels, [Series("compliant", [p["compliance_pct"] for _, p in parts],
                                            lambda v: f"{v:g} % compliant", "s2")],
                            title="SLA compliance by team (%)", max_value=100, axis=lambda v: f"{v:g} %", unit="%"))
    sec.charts.append(hbars(labels, [
        Series("breaches", [p["breaches"] for _, p in parts], lambda v: _plural(v, "breach", "breaches"), "s3"),
        Series("escalations", [p["escalations"] for _, p in parts], lambda v: _plural(v, "escalation", "escalations"), "s4")],
        title="SLA breaches and escalations by team"))
    return sec


def agents(t: reports.Table) -> Section:
    rows = t.data["rows"]
    figures = figures_of(t, skip=("name",))
    for row, r in zip(figures.rows, rows):  # the agent by name, the e-mail under it
        row[0] = (r["name"], r["assignee"]) if r["name"] else r["assignee"]
    figures.columns[0] = "agent"
    sec = Section("agents", "Agents", "Per assignee of the tickets created in the period: handled, resolved, "
                  "median resolution time (business hours) and their customers' satisfaction (CSAT, 1 to 5).",
                  figures=figures, show_figures=True)
    if not rows:
        sec.empty = "No assigned tickets in this period."
        return sec
    who = [r["name"] or r["assignee"] for r in rows]
    emails = [r["assignee"] if r["name"] else None for r in rows]
    sec.charts.append(hbars(who, [
        Series("handled", [r["handled"] for r in rows], lambda v: f"{v:g} handled", "s1"),
        Series("resolved", [r["resolved"] for r in rows], lambda v: f"{v:g} resolved", "s2")],
        title="Tickets handled and resolved per agent", notes=emails))
    sec.charts.append(hbars(who, [Series("CSAT", [r["csat_mean"] for r in rows], lambda v: f"CSAT {v:g} of 5", "s4")],
                            title="Mean CSAT per agent (1 to 5)", max_value=5, notes=emails, figure=lambda v: f"{v:g} of 5",
                            empty="No survey answers for these tickets yet."))
    return sec


def satisfaction(t: reports.Table) -> Section:
    c, n = t.data["csat"], t.data["nps"]
    sec = Section("satisfaction", "Customer satisfaction (CSAT) and NPS", "Survey answers given in the period.",
                  figures=figures_of(t))
    if c["count"] == 0:
        sec.empty = "No survey answers in this period."
        return sec
    scores = [str(k) for k in range(1, 6)]
    sec.charts.append(columns(scores, [Series("answers", [c["distribution"][k] for k in scores],
                                              lambda v: _plural(v, "answer", "answers"), "s1")],
                              title=f"CSAT answers by score (mean {c['mean']:g} of 5)", height=200))
    kinds = [("promoters (9-10)", n["promoters"]), ("passives (7-8)", n["passives"]), ("detractors (0-6)", n["detractors"])]
    score = "no answers" if n["score"] is None else f"score {n['score']:g}"
    sec.charts.append(hbars([k for k, _ in kinds], [Series("answers", [v for _, v in kinds],
                                                           lambda v: _plural(v, "answer", "answers"), "s2")],
                            title=f"NPS answers ({score})", empty="No NPS answers in this period."))
    return sec


def categories(t: reports.Table) -> Section:
    d = t.data
    sec = Section("categories", "Top categories", "The ten most frequent categories of the tickets created in the "
                  "period.", figures=figures_of(t))
    if d["tickets"] == 0:
        sec.empty = NO_TICKETS
        return sec
    rows = d["rows"]
    total = d["tickets"]
    sec.charts.append(hbars(["(none)" if r["category"] is None else r["category"] for r in rows],
                            [Series("tickets", [r["count"] for r in rows],
                                    lambda v: f"{_plural(v, 'ticket', 'tickets')} ({100 * v / total:.1f} %)", "s1")],
                            title="Tickets per category"))
    return sec


TOP_ARTICLES = 10  # in each of the knowledge base's charts


def _article(r: dict[str, Any]) -> str:
    return r["title"] or f"article {r['article_id']}"


def knowledge_base(t: reports.Table) -> Section:
    d = t.data
    o = d["overall"]
    sec = Section("knowledge-base", "Knowledge base", "Articles read (a reader a day), voted helpful or not, that "
                  "answered a request before it was sent (deflections), and linked into tickets, in the period; the "
                  "team and other ticket filters apply to the links only. Stale: the review date has passed.",
                  show_figures=True)
    rows = d["articles"]
    cells: list[list[Cell]] = [[_article(r), _n(r["views"]), _n(r["helpful"]), _n(r["not_helpful"]), _n(r["helpful_pct"]),
                                _n(r["deflections"]), _n(r["ticket_links"]),
                                f"review due {r['review_at'][:10]}" if r["stale"] else ""] for r in rows]
    sec.figures = Figures(["article", "views", "helpful", "not helpful", "helpful %", "deflections", "ticket links",
                           "stale"], cells)
    if not rows:
        sec.empty = "No articles read, voted on, suggested or linked in this period, and none stale."
        return sec
    read = [r for r in rows if r["views"] or r["helpful"] or r["not_helpful"]][:TOP_ARTICLES]
    sec.charts.append(hbars([_article(r) for r in read], [
        Series("views", [r["views"] for r in read], lambda v: _plural(v, "view", "views"), "s1"),
        Series("helpful", [r["helpful"] for r in read], lambda v: f"{v:g} helpful", "s2"),
        Series("not helpful", [r["not_helpful"] for r in read], lambda v: f"{v:g} not helpful", "s3")],
        title=f"Most read articles ({_plural(o['views'], 'view', 'views')}, {o['helpful_pct'] or 0:g} % helpful)",
        empty="No article read in this period."))
    used = sorted((r for r in rows if r["deflections"] or r["ticket_links"]),
                  key=lambda r: (-r["deflections"] - r["ticket_links"], r["article_id"]))[:TOP_ARTICLES]
    sec.charts.append(hbars([_article(r) for r in used], [
        Series("deflections", [r["deflections"] for r in used], lambda v: _plural(v, "deflection", "deflections"), "s4"),
        Series("ticket links", [r["ticket_links"] for r in used], lambda v: _plural(v, "ticket link", "ticket links"), "s1")],
        title=f"Requests answered ({o['deflections']:g}) and links into tickets ({o['ticket_links']:g})",
        empty="No deflections or ticket links in this period."))
    return sec


@dataclass
class Page:
    key_figures: list[tuple[str, str]]
    sections: list[Section]


BUILDERS = {"volume": volume, "backlog": backlog, "response-times": response_times, "reopens": reopens, "sla": sla,
            "agents": agents, "satisfaction": satisfaction, "categories": categories,
            "knowledge-base": knowledge_base}


def build(s: Session, f: Filters, now: datetime) -> Page:
    tables = all_tables(s, f, now)
    return Page(key_figures(tables), [BUILDERS[name](tables[name]) for name in TABLES])
