"""Every report of a period at once, and its key figures in words: what the reports page shows
at its top (api/supervisor/) and what a scheduled report mail says (activities/report_mail.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from models.reporting import figures as reports
from models.reporting import knowledge
from models.reports import Filters

WEEKLY_AFTER_DAYS = 62  # past two months, a bar per day is too thin to read: one per week


def volume_bucket(f: Filters) -> str:
    return "week" if len(reports.days(f)) > WEEKLY_AFTER_DAYS else "day"


# Each report as GET /reports/<name> answers it, in the page's order (the CSV downloads are these tables).
TABLES: dict[str, Callable[[Session, Filters, datetime], reports.Table]] = {
    "volume": lambda s, f, now: reports.volume(s, f, volume_bucket(f)),
    "backlog": lambda s, f, now: reports.backlog(s, f, now),
    "response-times": lambda s, f, now: reports.response_times(s, f),
    "reopens": lambda s, f, now: reports.reopens(s, f),
    "sla": lambda s, f, now: reports.sla(s, f),
    "agents": lambda s, f, now: reports.agents(s, f),
    "satisfaction": lambda s, f, now: reports.satisfaction(s, f),
    "categories": lambda s, f, now: reports.categories(s, f, 10),
    "knowledge-base": lambda s, f, now: knowledge.knowledge_base(s, f, now),
}


def all_tables(s: Session, f: Filters, now: datetime) -> dict[str, reports.Table]:
    return {name: make(s, f, now) for name, make in TABLES.items()}


def duration(seconds: float | None) -> str:
    """Business seconds as a person reads them: "45 min", "2 h 15 min", "31 h" (under a
    minute: "40 s", so a short wait never reads "0 min")."""
    if seconds is None:
        return "–"
    if 0 < seconds < 59.5:
        return f"{round(seconds)} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    h, m = divmod(minutes, 60)
    return f"{h} h" if m == 0 or h >= 24 else f"{h} h {m:02d} min"


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:g} %"


def key_figures(tables: dict[str, reports.Table]) -> list[tuple[str, str]]:
    """(label, value in words) of the figures a supervisor looks at first."""
    v, b = tables["volume"].data, tables["backlog"].data
    rt = tables["response-times"].data["overall"]
    sl, sat = tables["sla"].data["overall"], tables["satisfaction"].data
    reopen = tables["reopens"].data["overall"]
    return [("Created", str(v["created"])), ("Resolved", str(v["resolved"])), ("Open now", str(b["open_now"]["total"])),
            ("SLA compliance", _pct(sl["compliance_pct"])),
            ("Median first response", duration(rt["first_response"]["median"])),
            ("Median next response", duration(rt["next_response"]["median"])),
            ("Median resolution", duration(rt["resolution"]["median"])),
            ("Reopen rate", _pct(reopen["reopen_pct"])),
            ("CSAT", "–" if sat["csat"]["mean"] is None else f"{sat['csat']['mean']:g} of 5"),
            ("NPS", "–" if sat["nps"]["score"] is None else f"{sat['nps']['score']:g}")]
