"""GET /supervisor/reports: the reports as a page of charts, with the filter form and the
"Mail me this report" section (its form posts to api/supervisor/subscriptions.py); and
GET /supervisor/reports/<name>.csv: the same CSV tables as GET /reports/<name>?format=csv,
authorised by the sign-in cookie (api/supervisor/auth.py) instead of a bearer token."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from api.deps import Principal, SessionsDep, TemporalDep
from api.errors import ApiError
from api.reports import mailing
from api.signin.session import WebUser
from api.supervisor import filters as form
from api.supervisor import mail_form
from api.supervisor.auth import signed_in, signed_in_user
from api.supervisor.pages import refusal, render
from api.supervisor.sections import TABLES, build
from api.tickets.scope import scope_of
from models.team_scope import Scope

router = APIRouter(prefix="/supervisor", include_in_schema=False)


def _page(sessions: sessionmaker[Session], me: Principal, csrf: str | None, scope: Scope, chosen: form.FilterForm,
          mail: mail_form.MailForm, mine: list[mailing.SubscriptionOut] | None) -> Response:
    """The page; its mail section only with a session's form token and filters that are right."""
    with sessions() as s:
        teams = form.team_choices(s, scope)
        page = None if chosen.filters is None else build(s, chosen.filters, datetime.now(timezone.utc))
    names = dict(teams)
    status = 422 if chosen.errors else mail.status
    return render("reports.html", status=status, me=me, csrf=csrf, form=chosen, teams=teams,
                  channels=form.CHANNELS, priorities=form.PRIORITIES, page=page, names=list(TABLES), mail=mail,
                  weekdays=mail_form.WEEKDAYS, zones=mail_form.ZONES, filter_fields=form.FIELDS,
                  mail_filters=mail_form.filters_in_words(chosen.values, names),
                  mine=None if mine is None else [mail_form.listed(sub, names) for sub in mine])


async def show(request: Request, sessions: sessionmaker[Session], temporal: Client, user: WebUser,
               params: Mapping[str, str], mail: mail_form.MailForm) -> Response:
    """The reports page for these filters, with the mail form as given and the supervisor's
    subscriptions (or a word that they cannot be read now)."""
    try:
        mine: list[mailing.SubscriptionOut] | None = await mailing.own_subscriptions(temporal, user.me)
    except ApiError:  # the workflow service is away: the reports still show
        mine = None

    def draw() -> Response:
        scope = scope_of(sessions, user.me, request.app.state.settings)
        return _page(sessions, user.me, user.csrf, scope, form.read(params, sessions, scope), mail, mine)

    return await run_in_threadpool(draw)


@router.get("/reports")
async def reports_page(request: Request, sessions: SessionsDep, temporal: TemporalDep) -> Response:
    user = await run_in_threadpool(signed_in_user, request)
    if isinstance(user, Response):
        return user
    done = mail_form.STATUS.get(request.query_params.get("mail") or "")
    return await show(request, sessions, temporal, user, request.query_params, mail_form.MailForm(note=done))


# A plain `def`: FastAPI runs it on a thread, so the report queries never block the event loop.
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
        return _page(sessions, me, None, scope, chosen, mail_form.MailForm(), None)
    with sessions() as s:
        table = TABLES[name](s, chosen.filters, datetime.now(timezone.utc))
    period = f"{chosen.values['from']}_{chosen.values['to']}"
    return Response(table.csv(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="report-{name}-{period}.csv"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
