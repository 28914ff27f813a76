"""Reports for supervisors, admins and auditors, from the read model, as JSON or CSV
(`format=csv`, or `Accept: text/csv`). See docs/reports.md."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from api.deps import ManagerDep, SessionsDep
from models.reporting import figures as reports
from models.reporting import knowledge
from api.reports.filters import report_filters
from api.tickets.scope import ScopeDep, scoped_filters
from models.reports import Filters

router = APIRouter(prefix="/reports", tags=["Reports"])
Format = Literal["json", "csv"]
AS_CSV = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The report, as JSON or as CSV"}}


def _scoped(f: Annotated[Filters, Depends(report_filters)], scope: ScopeDep) -> Filters:
    return scoped_filters(f, scope)


FiltersDep = Annotated[Filters, Depends(_scoped)]
FormatQuery = Annotated[Format | None, Query(alias="format", description="json (default) or csv; or send Accept: text/csv")]


def _respond(request: Request, name: str, table: reports.Table, f: Filters, fmt: Format | None) -> Response:
    if fmt == "csv" or (fmt is None and "text/csv" in request.headers.get("accept", "")):
        return Response(table.csv(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="report-{name}.csv"'})
    body: dict[str, Any] = {
        "report": name, "from": f.start.date().isoformat(), "to": (f.end - timedelta(days=1)).date().isoformat(),
        "filters": {"team": f.team, "category": f.category, "channel": f.channel, "priority": f.priority},
        **table.data,
    }
    return JSONResponse(body)


@router.get("/volume", responses=AS_CSV)
def volume(request: Request, me: ManagerDep, sessions: SessionsDep, f: FiltersDep, fmt: FormatQuery = None,
           by: Annotated[Literal["day", "week"], Query(description="Bucket size; a week starts on Monday")] = "day") -> Response:
    """Tickets created (and resolved) per day or week of the period."""
    with sessions() as s:
        return _respond(request, "volume", reports.volume(s, f, by), f, fmt)


@router.get("/backlog", responses=AS_CSV)
def backlog(request: Request, me: ManagerDep, sessions: SessionsDep, f: FiltersDep, fmt: FormatQuery = None) -> Response:
    """Tickets open now, by status, team and priority; and open at the end of each day of the period."""
    with sessions() as s:
        return _respond(request, "backlog", reports.backlog(s, f, datetime.now(timezone.utc)), f, fmt)


@router.get("/response-times", responses=AS_CSV)
def response_times(request: Request, me: ManagerDep, sessions: SessionsDep, f: FiltersDep, fmt: FormatQuery = None) -> Response:
    """First-response, next-response and resolution times (business seconds) of tickets created in the period."""
    with sessions() as s:
        return _respond(request, "response-times", reports.response_times(s, f), f, fmt)


@router.get("/sla", responses=AS_CSV)
def sla(request: Request, me: ManagerDep, sessions: SessionsDep, f: FiltersDep, fmt: FormatQuery = None) -> Response:
    """SLA compliance, breaches and escalations by team, for tickets created in the period."""
    with sessions() as s:
        return _respond(request, "sla", reports.sla(s, f), f, fmt)


@router.get("/reopens", responses=AS_CSV)
def reopens(request: Request, me: ManagerDep, sessions: SessionsDep, f: FiltersDep, fmt: FormatQuery = None) -> Response:
    """Of the tickets resolved in the period, how many were reopened afterwards (the reopen rate), by team."""
    with sessions() as s:
        return _respond(request, "reopens", reports.reopens(s, f), f, fmt)


@router.get("/agents", responses=AS_CSV)
def agents(request: Request, me: ManagerDep, sessions: SessionsDep, f: FiltersDep, fmt: FormatQuery = None) -> Response:
    """Per assignee (e-mail and name): tickets handled and resolved, median resolution time, mean CSAT."""
    with sessions() as s:
        return _respond(request, "agents", reports.agents(s, f), f, fmt)


@router.get("/satisfaction", responses=AS_CSV)
def satisfaction(request: Request, me: ManagerDep, sessions: SessionsDep, f: FiltersDep, fmt: FormatQuery = None) -> Response:
    """CSAT (mean, distribution) and NPS of survey answers given in the period."""
    with sessions() as s:
        return _respond(request, "satisfaction", reports.satisfaction(s, f), f, fmt)


@router.get("/categories", responses=AS_CSV)
def categories(request: Request, me: ManagerDep, sessions: SessionsDep, f: FiltersDep, fmt: FormatQuery = None,
               limit: Annotated[int, Query(ge=1, le=100, description="How many categories")] = 10) -> Response:
    """The most frequent categories of tickets created in the period, with their share."""
    with sessions() as s:
        return _respond(request, "categories", reports.categories(s, f, limit), f, fmt)


@router.get("/knowledge-base", responses=AS_CSV)
def knowledge_base(request: Request, me: ManagerDep, sessions: SessionsDep, f: FiltersDep, fmt: FormatQuery = None) -> Response:
    """The knowledge base in use in the period: per article its views, helpful votes, deflected requests and ticket
    links (the ticket filters apply to the links only); the articles most linked from tickets; the stale ones."""
    with sessions() as s:
        return _respond(request, "knowledge-base", knowledge.knowledge_base(s, f, datetime.now(timezone.utc)), f, fmt)
