"""GET /supervisor/reports: the reports as a page of charts, with the filter form; and
GET /supervisor/reports/<name>.csv: the same CSV tables as GET /reports/<name>?format=csv,
authorised by the sign-in cookie (api/supervisor/auth.py) instead of a bearer token."""

from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import Principal, SessionsDep
from api.supervisor import filters as form
from api.supervisor.auth import signed_in
from api.supervisor.pages import refusal, render
from api.supervisor.sections import TABLES, build
from api.tickets.scope import scope_of
from models.team_scope import Scope

router = APIRouter(prefix="/supervisor", include_in_schema=False)


def _page(sessions: SessionsDep, me: Principal, scope: Scope, chosen: form.FilterForm) -> Response:
    with sessions() as s:
        teams = form.team_choices(s, scope)
        page = None if chosen.filters is None else build(s, chosen.filters, datetime.now(timezone.utc))
    return render("reports.html", status=422 if chosen.errors else 200, me=me, form=chosen, teams=teams,
                  channels=form.CHANNELS, priorities=form.PRIORITIES, page=page, names=list(TABLES))


# Plain `def`s: FastAPI runs them on a thread, so the report queries never block the event loop.
@router.get("/reports")
def reports_page(request: Request, sessions: SessionsDep) -> Response:
    me = signed_in(request, sessions)
    if isinstance(me, Response):
        return me
    scope = scope_of(sessions, me, request.app.state.settings)
    return _page(sessions, me, scope, form.read(request.query_params, sessions, scope))


@router.get("/reports/{name}.csv")
def report_csv(name: str, request: Request, sessions: SessionsDep) -> Response:
    me = signed_in(request, sessions)
    if isinstance(me, Response):
        return me
    if name not in TABLES:
        return refusal("No such report", f"There is no report {name!r}; there are {', '.join(TABLES)}.", 404, me=me)
    scope = scope_of(sessions, me, request.app.state.settings)
    chosen = form.read(request.query_params, sessions, scope)
    if chosen.filters is None:
        return _page(sessions, me, scope, chosen)
    with sessions() as s:
        table = TABLES[name](s, chosen.filters, datetime.now(timezone.utc))
    period = f"{chosen.values['from']}_{chosen.values['to']}"
    return Response(table.csv(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="report-{name}-{period}.csv"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})

