"""Customers sign in by a link mailed to their address (docs/portal.md, "Signing in"): no
password. GET/POST /portal/sign-in asks for the address and mails the link; GET
/portal/sign-in/{token} shows a button that POSTs to the same address, which spends the link
and opens the session; POST /portal/sign-out ends it.

The link is spent by the button, not by opening it: mail scanners (and link previews) open
the links in a mail before the customer does, and would spend a link that opening spends.

The form's answer is the same page whether the address has requests or not, and a mail goes
either way, so the page tells nobody which addresses the desk knows. Mails are limited per
address and per client like the request form's acknowledgements (api/throttle.py), since both
mail an address anyone can type."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError

from api.errors import ApiError
from api.portal import customer
from api.portal.pages import HEADERS, refusal, render
from api.portal.requests import EMAIL
from api.portal.service import LINK_ERRORS, Portal, get_portal
from api.throttle import client_address, in_words, throttle_of
from models import customer_sessions, outbox
from models.customer_sessions import SIGN_IN_PURPOSE
from models.links import LinkError
from models.portal import spend, used_at
from models.settings import Settings
from workflows.delivery import DELIVERY_WORKFLOW, DeliveryInput

router = APIRouter(prefix="/portal", include_in_schema=False)
PortalDep = Annotated[Portal, Depends(get_portal)]
NOTICES = {"ended": "Your session has ended (signed out, or unused for too long). Please sign in again.",
           "signed_out": "You are signed out."}


def _form(*, status: int = 200, email: str = "", error: str | None = None, notice: str | None = None,
          signed_in_as: str | None = None, headers: dict[str, str] | None = None) -> HTMLResponse:
    response = render("sign_in.html", status=status, step="ask", email=email, error=error, notice=notice,
                      signed_in_as=signed_in_as, minutes=None, token="")
    response.headers.update(headers or {})
    return response


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request, ended: str = "", signed_out: str = "") -> HTMLResponse:
    who = await customer.current(request)
    notice = NOTICES["ended"] if ended else NOTICES["signed_out"] if signed_out else None
    return _form(notice=notice, signed_in_as=who.email if who else None)


@router.post("/sign-in", response_class=HTMLResponse)
async def ask_for_link(request: Request, portal: PortalDep) -> Response:
    if not customer.from_our_pages(request):
        return customer.cross_site()
    form = await request.form()
    email = str(form.get("email") or "").strip().lower()
    if not email or len(email) > 320 or not EMAIL.match(email):
        return _form(status=422, email=email, error="Enter your e-mail address, like name@example.com: "
                                                    "the sign-in link is sent there.")
    throttle = throttle_of(request)
    wait = throttle.admit((throttle.portal_client, client_address(request)), (throttle.portal_address, email))
    if wait is not None:
        return _form(status=429, email=email, headers={"Retry-After": str(wait)},
                     error=f"Too many e-mails were asked for from here or for this address. "
                           f"Please try again in {in_words(wait)}.")
    settings = portal.settings
    expires = datetime.now(timezone.utc) + timedelta(minutes=settings.portal_sign_in_link_minutes)
    link_id = customer_sessions.new_link_id()

    def record() -> tuple[int, int]:
        with portal.sessions.begin() as s:
            return customer_sessions.enqueue_sign_in_mail(s, email, link_id, expires)

    row_id, seq = await run_in_threadpool(record)
    try:
        await _deliver(request.app.state.temporal, settings, row_id, seq)
    except RPCError:
        return refusal(ApiError("TemporalUnavailable", "We could not send the e-mail just now. Please try again "
                                                       "in a moment."))
    # The same page whether or not the address has requests: it tells nobody which addresses we know.
    return render("sign_in.html", step="sent", email=email, error=None, notice=None, signed_in_as=None,
                  minutes=f"{settings.portal_sign_in_link_minutes:g}", token="")


async def _deliver(temporal: Client, settings: Settings, row_id: int, seq: int) -> None:
    """Start the outbox row's delivery workflow, as the notify activity does for every notification."""
    await temporal.start_workflow(
        DELIVERY_WORKFLOW,
        DeliveryInput(notification_id=row_id, summary="portal sign-in e-mail",
                      # a link that has expired is not worth retrying for
                      give_up_after_seconds=int(settings.portal_sign_in_link_minutes * 60),
                      retry_initial_seconds=settings.delivery_retry_initial_seconds,
                      retry_max_seconds=settings.delivery_retry_max_seconds,
                      attempt_timeout_seconds=3 * settings.smtp_timeout_seconds + 30),
        id=outbox.workflow_id(customer_sessions.MAIL_NUMBER, seq, row_id), task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE, static_summary="deliver portal sign-in e-mail")


async def _claims(portal: Portal, token: str) -> customer_sessions.SignInClaims:
    """The link's claims if it can still sign in; the refusal otherwise."""
    try:
        claims = customer_sessions.verify_sign_in(portal.settings.link_secret, token)
    except LinkError as err:
        words = {"expired": "This sign-in link has expired: links work for a short while only. Ask for a new one "
                            "on the sign-in page.",
                 "forged": "This link is not one the service desk made, or it was changed. Open the link exactly as "
                           "it is in your e-mail, or ask for a new one."}
        raise ApiError(LINK_ERRORS.get(err.kind, "LinkMalformed"), words.get(
            err.kind, "This link is incomplete or damaged: copy the whole link from the e-mail.")) from err
    used = await run_in_threadpool(used_at, portal.sessions, claims.link_id)
    if used is not None:
        raise ApiError("LinkUsed", "This sign-in link was already used: each one works once. Ask for a new one on "
                                   "the sign-in page.")
    return claims


@router.get("/sign-in/{token}", response_class=HTMLResponse)
async def confirm_page(token: str, portal: PortalDep) -> HTMLResponse:
    try:
        claims = await _claims(portal, token)
    except ApiError as err:
        return refusal(err)
    return render("sign_in.html", step="confirm", email=claims.email, error=None, notice=None, signed_in_as=None,
                  minutes=None, token=token)


@router.post("/sign-in/{token}", response_class=HTMLResponse)
async def sign_in(token: str, request: Request, portal: PortalDep) -> Response:
    if not customer.from_our_pages(request):
        return customer.cross_site()
    try:
        claims = await _claims(portal, token)
        spent = await run_in_threadpool(spend, portal.sessions, claims.link_id, 0, SIGN_IN_PURPOSE)
        if not spent.first:  # the same link at the same moment: the other one won
            raise ApiError("LinkUsed", "This sign-in link was already used: each one works once.")
    except ApiError as err:
        return refusal(err)

    def open_session() -> str:
        with portal.sessions.begin() as s:
            return customer_sessions.open_session(s, claims.email, customer.lifetime(portal.settings))

    sid = await run_in_threadpool(open_session)
    response = RedirectResponse("/portal/requests", status_code=303, headers=HEADERS)
    customer.set_cookie(response, sid, portal.settings)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, portal: PortalDep) -> Response:
    # No form token needed: it can only end a session, and a stale page must still sign out.
    if not customer.from_our_pages(request):
        return customer.cross_site()
    if sid := request.cookies.get(customer.COOKIE):
        def close() -> None:
            with portal.sessions.begin() as s:
                customer_sessions.close_session(s, sid)

        await run_in_threadpool(close)
    response = RedirectResponse("/portal/sign-in?signed_out=1", status_code=303, headers=HEADERS)
    customer.clear_cookie(response)
    return response
