"""The reports page's "Mail me this report" (docs/reports.md, "Reports by mail"): POST
/supervisor/subscriptions makes a subscription from the page's form (the cadence, weekday, time
and time zone, with the page's filters in hidden fields), POST /supervisor/subscriptions/{id}/delete
stops one. Both are signed-in forms (the session's form token, from our own page); what a
subscription is, and its Temporal Schedule, is the service's (api/reports/mailing.py), as for the
JSON API. Bad input is the page again with the field named (422) and nothing made; done, the
browser goes back to the page (303) with a word of what was done."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from api.deps import SessionsDep, TemporalDep
from api.errors import ApiError
from api.reports import mailing
from api.signin import session as web
from api.supervisor import filters as form
from api.supervisor import mail_form
from api.supervisor.auth import HOME, signed_in_user
from api.supervisor.page import show
from api.supervisor.pages import cross_site, refusal
from api.tickets.scope import scope_of

router = APIRouter(prefix="/supervisor", include_in_schema=False)


def _texts(data: FormData) -> dict[str, str]:
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _back(filters: dict[str, str], done: str) -> Response:
    """To the reports page with the same filters, at the mail section, saying what was done."""
    query = form.FilterForm({k: filters.get(k, "") for k in form.FIELDS}).query()
    return RedirectResponse(f"{HOME}?{query}{'&' if query else ''}mail={done}#mail", status_code=303)


@router.get("/subscriptions")
def to_the_page() -> Response:
    """Where a browser lands that was sent to sign in from one of these forms."""
    return RedirectResponse(f"{HOME}#mail", status_code=303)


@router.post("/subscriptions")
async def subscribe(request: Request, sessions: SessionsDep, temporal: TemporalDep) -> Response:
    user = await run_in_threadpool(signed_in_user, request)
    if isinstance(user, Response):
        return user
    data = await request.form()
    if not web.form_allowed(request, user, data.get("csrf")):
        return cross_site(user.me)
    posted = _texts(data)

    def checked_filters() -> form.FilterForm:  # the page's filters, checked as the page checks them
        return form.read(posted, sessions, scope_of(sessions, user.me, request.app.state.settings))

    chosen = await run_in_threadpool(checked_filters)
    mail, body = mail_form.read(posted, chosen.values)
    if chosen.filters is not None and body is not None:
        try:
            await mailing.subscribe(temporal, body, user.me, sessions=sessions, settings=request.app.state.settings)
        except ApiError as err:
            mail = mail_form.refused(mail, err)
        else:
            return _back(chosen.values, "added")
    return await show(request, sessions, temporal, user, posted, mail)


@router.post("/subscriptions/{subscription_id}/delete")
async def unsubscribe(subscription_id: str, request: Request, temporal: TemporalDep) -> Response:
    user = await run_in_threadpool(signed_in_user, request)
    if isinstance(user, Response):
        return user
    data = await request.form()
    if not web.form_allowed(request, user, data.get("csrf")):
        return cross_site(user.me)
    try:
        await mailing.unsubscribe(temporal, subscription_id, user.me)
    except ApiError as err:
        message = ("That report mail is not one of yours, or it is already stopped." if err.status == 404
                   else f"Nothing was stopped: {err.message}. Try again in a moment.")
        return refusal("Not stopped", message, err.status, me=user.me, back=HOME)
    return _back(_texts(data), "deleted")
